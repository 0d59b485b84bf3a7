/**
 * A role and the binding that grants it to one service account: the unit of least privilege
 * every meshc component is given.
 */
import { Construct } from 'constructs';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';

export interface GrantProps {
  /** Name of the role and of its binding. */
  readonly name: string;
  /** Set for a Role and RoleBinding in that namespace; unset for a ClusterRole and ClusterRoleBinding. */
  readonly namespace?: string;
  readonly rules: readonly k8s.PolicyRule[];
  readonly serviceAccount: { readonly name: string; readonly namespace: string };
  readonly labels?: Record<string, string>;
}

export class Grant extends Construct {
  constructor(scope: Construct, id: string, props: GrantProps) {
    super(scope, id);
    if (props.rules.length === 0) throw new Error(`grant ${props.name}: a role needs at least one rule`);
    const metadata = { name: props.name, labels: props.labels, ...(props.namespace ? { namespace: props.namespace } : {}) };
    const subjects = [{ kind: 'ServiceAccount', name: props.serviceAccount.name, namespace: props.serviceAccount.namespace }];
    if (props.namespace) {
      new k8s.KubeRole(this, 'role', { metadata, rules: [...props.rules] });
      new k8s.KubeRoleBinding(this, 'binding', {
        metadata,
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: props.name },
        subjects,
      });
    } else {
      new k8s.KubeClusterRole(this, 'role', { metadata, rules: [...props.rules] });
      new k8s.KubeClusterRoleBinding(this, 'binding', {
        metadata,
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: props.name },
        subjects,
      });
    }
  }
}
