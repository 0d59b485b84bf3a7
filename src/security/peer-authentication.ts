/**
 * PeerAuthentication: which mTLS mode workloads accept. In the root namespace with no
 * selector it is the mesh-wide default.
 */
import { Construct } from 'constructs';
import { PeerAuthentication as PeerAuthenticationApi, PeerAuthenticationSpecMtlsMode } from '../../imports/security.istio.io';
import { MANAGER, Labels } from '../labels';

export type MtlsMode = 'STRICT' | 'PERMISSIVE' | 'DISABLE';

export interface PeerAuthenticationProps {
  readonly name: string;
  readonly namespace: string;
  readonly mode: MtlsMode;
  /** Workload labels; unset applies to the whole namespace (or mesh, in the root namespace). */
  readonly selector?: Record<string, string>;
}

export class PeerAuthentication extends Construct {
  constructor(scope: Construct, id: string, props: PeerAuthenticationProps) {
    super(scope, id);
    if (props.selector && Object.keys(props.selector).length === 0) {
      throw new Error(`PeerAuthentication ${props.namespace}/${props.name}: an empty selector would match nothing; leave it unset to cover the namespace`);
    }
    new PeerAuthenticationApi(this, 'resource', {
      metadata: { name: props.name, namespace: props.namespace, labels: { [Labels.MANAGED_BY]: MANAGER } },
      spec: {
        ...(props.selector ? { selector: { matchLabels: props.selector } } : {}),
        mtls: { mode: PeerAuthenticationSpecMtlsMode[props.mode] },
      },
    });
  }
}
