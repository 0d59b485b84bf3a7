/**
 * PeerAuthentication: which mTLS mode workloads accept. In the root namespace with no
 * selector it is the mesh-wide default.
 */
import { Construct } from 'constructs';
import {
  PeerAuthentication as PeerAuthenticationApi,
  PeerAuthenticationSpecMtlsMode,
  PeerAuthenticationSpecPortLevelMtlsMode,
} from '../../imports/security.istio.io';
import { MANAGER, Labels } from '../labels';

export type MtlsMode = 'STRICT' | 'PERMISSIVE' | 'DISABLE';

export interface PeerAuthenticationProps {
  readonly name: string;
  readonly namespace: string;
  /** Unset: inherited from the namespace (or the mesh), for overrides that only change some ports. */
  readonly mode?: MtlsMode;
  /** Workload labels; unset applies to the whole namespace (or mesh, in the root namespace). */
  readonly selector?: Readonly<Record<string, string>>;
  /** Per container port; Istio honours it only with a selector. */
  readonly portLevelMtls?: Readonly<Record<string, MtlsMode>>;
}

export class PeerAuthentication extends Construct {
  constructor(scope: Construct, id: string, props: PeerAuthenticationProps) {
    super(scope, id);
    if (props.selector && Object.keys(props.selector).length === 0) {
      throw new Error(`PeerAuthentication ${props.namespace}/${props.name}: an empty selector would match nothing; leave it unset to cover the namespace`);
    }
    const ports = Object.entries(props.portLevelMtls ?? {});
    new PeerAuthenticationApi(this, 'resource', {
      metadata: { name: props.name, namespace: props.namespace, labels: { [Labels.MANAGED_BY]: MANAGER } },
      spec: {
        ...(props.selector ? { selector: { matchLabels: { ...props.selector } } } : {}),
        ...(props.mode ? { mtls: { mode: PeerAuthenticationSpecMtlsMode[props.mode] } } : {}),
        ...(ports.length
          ? { portLevelMtls: Object.fromEntries(ports.map(([port, mode]) => [port, { mode: PeerAuthenticationSpecPortLevelMtlsMode[mode] }])) }
          : {}),
      },
    });
  }
}
