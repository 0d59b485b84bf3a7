/**
 * Which object to restart for a pod: its controller, found through ownerReferences. Only
 * Deployments, StatefulSets and DaemonSets can be rolled by patching their pod template; every
 * other owner is reported with the reason it is left alone.
 */
import type { OwnerReference, Pod, ReplicaSet } from './kube-types';

export type WorkloadKind = 'Deployment' | 'StatefulSet' | 'DaemonSet';
export const WORKLOAD_KINDS: readonly WorkloadKind[] = ['Deployment', 'StatefulSet', 'DaemonSet'];

/** An object the restarter acts on or reports. */
export interface ObjectRef {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly uid?: string;
}

export type OwnerReportReason = 'job-pod' | 'unmanaged-replicaset' | 'unsupported-owner' | 'owner-not-found';

export type Ownership =
  /** Rolled by patching its pod template. */
  | { readonly kind: 'workload'; readonly ref: ObjectRef & { readonly kind: WorkloadKind } }
  /** No controller: the pod itself, which only deleting replaces. */
  | { readonly kind: 'bare'; readonly ref: ObjectRef }
  /** Left alone, for the reason given. */
  | { readonly kind: 'report'; readonly ref: ObjectRef; readonly reason: OwnerReportReason; readonly message: string };

export function refKey(ref: ObjectRef): string {
  return `${ref.namespace}/${ref.kind}/${ref.name}`;
}

/** `Deployment shop/cart` */
export function describeRef(ref: ObjectRef): string {
  return `${ref.kind} ${ref.namespace}/${ref.name}`;
}

export function controllerOf(owners: readonly OwnerReference[] | undefined): OwnerReference | undefined {
  return owners?.find((o) => o.controller === true);
}

/** ReplicaSets by namespace and name, and the ReplicaSets of each Deployment. */
export class ReplicaSetIndex {
  private readonly byName = new Map<string, ReplicaSet>();
  private readonly byDeployment = new Map<string, ReplicaSet[]>();

  constructor(replicaSets: readonly ReplicaSet[]) {
    for (const rs of replicaSets) {
      const ns = rs.metadata.namespace ?? '';
      this.byName.set(`${ns}/${rs.metadata.name}`, rs);
      const owner = controllerOf(rs.metadata.ownerReferences);
      if (owner?.kind === 'Deployment') {
        const key = `${ns}/${owner.name}`;
        this.byDeployment.set(key, [...(this.byDeployment.get(key) ?? []), rs]);
      }
    }
  }

  get(namespace: string, name: string): ReplicaSet | undefined {
    return this.byName.get(`${namespace}/${name}`);
  }

  ofDeployment(namespace: string, name: string): readonly ReplicaSet[] {
    return this.byDeployment.get(`${namespace}/${name}`) ?? [];
  }
}

/** What owns a pod, as far as the restarter is concerned. */
export function ownerOf(pod: Pod, replicaSets: ReplicaSetIndex): Ownership {
  const namespace = pod.metadata.namespace ?? '';
  const podRef: ObjectRef = { kind: 'Pod', namespace, name: pod.metadata.name, ...(pod.metadata.uid ? { uid: pod.metadata.uid } : {}) };
  const owner = controllerOf(pod.metadata.ownerReferences);
  if (!owner) return { kind: 'bare', ref: podRef };
  const ownerRef: ObjectRef = { kind: owner.kind, namespace, name: owner.name, uid: owner.uid };
  switch (owner.kind) {
    case 'StatefulSet':
    case 'DaemonSet':
      return { kind: 'workload', ref: { ...ownerRef, kind: owner.kind } };
    case 'Job':
      return { kind: 'report', ref: ownerRef, reason: 'job-pod', message: 'pods of Jobs (and CronJobs) finish on their own; the next run gets the new sidecar' };
    case 'ReplicaSet': {
      const rs = replicaSets.get(namespace, owner.name);
      if (!rs || (rs.metadata.uid && rs.metadata.uid !== owner.uid)) {
        return { kind: 'report', ref: ownerRef, reason: 'owner-not-found', message: `pod ${pod.metadata.name} belongs to ReplicaSet ${owner.name}, which was not in the list of ReplicaSets` };
      }
      const deployment = controllerOf(rs.metadata.ownerReferences);
      if (deployment?.kind !== 'Deployment') {
        const by = deployment ? `is controlled by ${deployment.kind} ${deployment.name}` : 'has no Deployment';
        return { kind: 'report', ref: ownerRef, reason: 'unmanaged-replicaset', message: `the ReplicaSet ${by}; the restarter rolls only Deployments, StatefulSets and DaemonSets` };
      }
      return { kind: 'workload', ref: { kind: 'Deployment', namespace, name: deployment.name, uid: deployment.uid } };
    }
    default:
      return {
        kind: 'report',
        ref: ownerRef,
        reason: 'unsupported-owner',
        message: `pods of ${owner.kind} (${owner.apiVersion}) cannot be rolled by the restarter; restart them by the means of that controller`,
      };
  }
}
