/**
 * istiod's ServiceAccount and everything it is granted: cluster-wide discovery and status
 * writes, and its own namespace's secrets and leases. Nothing for the Gateway API deployment
 * controller, which meshc turns off (istiod-env.ts): istiod deploys no gateway itself.
 */
import { Construct } from 'constructs';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import type { IstioRelease } from '../catalog/versions';
import { Labels } from '../labels';
import { Grant } from '../security/rbac';
import { managedLabels, revisioned } from './metadata';
import { releaseFacts } from '../catalog/release-facts';
import { istiodClusterRules, ISTIOD_NAMESPACE_RULES } from './rbac-rules';

export interface IstiodIdentityProps {
  readonly namespace: string;
  /** Istio revision; `default` names objects as upstream's default install does. */
  readonly revision: string;
  readonly release: IstioRelease;
}

export class IstiodIdentity extends Construct {
  /** Name of istiod's ServiceAccount. */
  readonly serviceAccountName: string;

  constructor(scope: Construct, id: string, props: IstiodIdentityProps) {
    super(scope, id);
    const { namespace, revision, release } = props;
    this.serviceAccountName = revisioned('istiod', revision);
    const labels = { [Labels.APP]: 'istiod', ...managedLabels('istiod', release) };
    const sa = { name: this.serviceAccountName, namespace };

    new k8s.KubeServiceAccount(this, 'sa', { metadata: { name: sa.name, namespace, labels } });
    // Cluster-scoped names carry the namespace so that two control planes never collide.
    new Grant(this, 'cluster', {
      name: `${revisioned('istiod-clusterrole', revision)}-${namespace}`,
      rules: istiodClusterRules(releaseFacts(release)),
      serviceAccount: sa,
      labels,
    });
    new Grant(this, 'namespace', { name: sa.name, namespace, rules: ISTIOD_NAMESPACE_RULES, serviceAccount: sa, labels });
  }
}
