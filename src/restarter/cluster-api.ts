/**
 * The restarter's calls to the API server, and nothing else: exactly what its Role grants
 * (list namespaces, pods and ReplicaSets; patch workloads; create Events; delete pods).
 */
import type { KubeClient } from './kube-client';
import type { KubeEvent, Namespace, Pod, ReplicaSet, Workload } from './kube-types';
import type { ObjectRef, WorkloadKind } from './owners';

export interface ClusterApi {
  listNamespaces(): Promise<Namespace[]>;
  /** Pods of one namespace, or of all namespaces. */
  listPods(namespace?: string): Promise<Pod[]>;
  listReplicaSets(namespace?: string): Promise<ReplicaSet[]>;
  /** Sets one pod-template annotation, which makes the controller roll the workload. Answers the patched object. */
  patchTemplateAnnotation(workload: ObjectRef & { readonly kind: WorkloadKind }, key: string, value: string): Promise<Workload>;
  deletePod(namespace: string, name: string): Promise<void>;
  createEvent(event: KubeEvent): Promise<void>;
}

const RESOURCES: Record<WorkloadKind, string> = { Deployment: 'deployments', StatefulSet: 'statefulsets', DaemonSet: 'daemonsets' };

function scoped(prefix: string, resource: string, namespace?: string): string {
  return namespace === undefined ? `${prefix}/${resource}` : `${prefix}/namespaces/${encodeURIComponent(namespace)}/${resource}`;
}

export function clusterApi(client: KubeClient, pageSize = 500): ClusterApi {
  return {
    listNamespaces: () => client.list<Namespace>('/api/v1/namespaces', {}, pageSize),
    listPods: (namespace) => client.list<Pod>(scoped('/api/v1', 'pods', namespace), {}, pageSize),
    listReplicaSets: (namespace) => client.list<ReplicaSet>(scoped('/apis/apps/v1', 'replicasets', namespace), {}, pageSize),
    patchTemplateAnnotation: (workload, key, value) =>
      client.mergePatch<Workload>(`${scoped('/apis/apps/v1', RESOURCES[workload.kind], workload.namespace)}/${encodeURIComponent(workload.name)}`, {
        spec: { template: { metadata: { annotations: { [key]: value } } } },
      }),
    deletePod: (namespace, name) => client.delete(`${scoped('/api/v1', 'pods', namespace)}/${encodeURIComponent(name)}`),
    createEvent: async (event) => {
      await client.create<unknown>(scoped('/api/v1', 'events', event.metadata.namespace), event);
    },
  };
}
