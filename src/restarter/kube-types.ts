/**
 * The few fields of Kubernetes objects the restarter reads, as the API server sends them in
 * JSON. Everything is optional where the API may omit it: the planner must cope with any pod.
 */

export type StringMap = Readonly<Record<string, string>>;

export interface OwnerReference {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly uid: string;
  /** The one owner that manages the object (a pod's ReplicaSet, a ReplicaSet's Deployment). */
  readonly controller?: boolean;
}

export interface ObjectMeta {
  readonly name: string;
  readonly namespace?: string;
  readonly uid?: string;
  readonly labels?: StringMap;
  readonly annotations?: StringMap;
  readonly ownerReferences?: readonly OwnerReference[];
  /** Set once the object is being deleted. */
  readonly deletionTimestamp?: string;
}

export interface Container {
  readonly name: string;
  readonly image?: string;
  /** `Always` on an init container makes it a native sidecar. */
  readonly restartPolicy?: string;
}

export interface PodCondition {
  readonly type: string;
  readonly status: string;
}

export interface Pod {
  readonly metadata: ObjectMeta;
  readonly spec?: {
    readonly containers?: readonly Container[];
    readonly initContainers?: readonly Container[];
  };
  readonly status?: {
    /** `Pending`, `Running`, `Succeeded`, `Failed` or `Unknown`. */
    readonly phase?: string;
    readonly conditions?: readonly PodCondition[];
  };
}

export interface Namespace {
  readonly metadata: ObjectMeta;
}

export interface ReplicaSet {
  readonly metadata: ObjectMeta;
  readonly spec?: {
    readonly replicas?: number;
    readonly template?: { readonly metadata?: { readonly annotations?: StringMap } };
  };
  readonly status?: { readonly replicas?: number };
}

/** What a PATCH of a Deployment, StatefulSet or DaemonSet answers with, as far as it is read. */
export interface Workload {
  readonly metadata: ObjectMeta;
  readonly spec?: {
    /** A paused Deployment does not roll out a changed template. */
    readonly paused?: boolean;
    /** StatefulSets and DaemonSets with `OnDelete` replace a pod only when it is deleted. */
    readonly updateStrategy?: { readonly type?: string };
  };
}

/** One page of a list response. */
export interface ObjectList<T> {
  readonly items?: readonly T[];
  readonly metadata?: { readonly continue?: string };
}

/** A core/v1 Event as the restarter creates it. */
export interface KubeEvent {
  readonly apiVersion: 'v1';
  readonly kind: 'Event';
  readonly metadata: { readonly generateName: string; readonly namespace: string };
  readonly involvedObject: {
    readonly apiVersion: string;
    readonly kind: string;
    readonly namespace: string;
    readonly name: string;
    readonly uid?: string;
  };
  readonly reason: string;
  readonly message: string;
  readonly type: 'Normal' | 'Warning';
  readonly source: { readonly component: string };
  readonly reportingComponent: string;
  readonly reportingInstance: string;
  readonly firstTimestamp: string;
  readonly lastTimestamp: string;
  readonly count: number;
}
