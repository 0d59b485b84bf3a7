/**
 * A namespace meshc runs mesh components in (control plane, gateways). Upstream charts expect
 * it to exist; in GitOps it is part of the desired state. It enforces the restricted Pod
 * Security Standard, which everything meshc runs there meets.
 */
import { Construct } from 'constructs';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import type { IstioRelease } from '../catalog/versions';
import { Labels } from '../labels';
import { managedLabels } from './metadata';

export interface MeshNamespaceProps {
  readonly name: string;
  readonly release: IstioRelease;
  /** Network of the cluster; istiod reads it from this label. Unset: no label. */
  readonly network?: string;
  /**
   * What runs there, for the `app.kubernetes.io/name` label.
   * @default istio-control-plane
   */
  readonly component?: string;
}

export class MeshNamespace extends Construct {
  constructor(scope: Construct, id: string, props: MeshNamespaceProps) {
    super(scope, id);
    new k8s.KubeNamespace(this, 'namespace', {
      metadata: {
        name: props.name,
        labels: {
          ...managedLabels(props.component ?? 'istio-control-plane', props.release),
          [Labels.POD_SECURITY_ENFORCE]: 'restricted',
          [Labels.POD_SECURITY_ENFORCE_VERSION]: 'latest',
          ...(props.network ? { [Labels.NETWORK]: props.network } : {}),
        },
      },
    });
  }
}
