/**
 * Applies a rendered cluster the way an Argo CD sync does: objects ordered by phase (PostSync
 * hooks last), sync wave, kind (Argo's kind order: namespaces and CRDs first, workloads late,
 * unknown kinds such as webhooks and Istio resources last) and name, with namespaces and CRDs
 * moved before the first object needing them; each wave applied with server-side apply by
 * kubectl, and its workloads waited for until healthy before the next wave starts.
 * The order is gitops-engine's (pkg/sync/sync_tasks.go); the apply is kubectl's own.
 */
import { stringify } from 'yaml';
import type { LiveCluster } from './cluster';
import { waitFor } from './processes';

type Obj = Record<string, any>;

const WAVE = 'argocd.argoproj.io/sync-wave';
const HOOK = 'argocd.argoproj.io/hook';

const KIND_ORDER = [
  'Namespace', 'NetworkPolicy', 'ResourceQuota', 'LimitRange', 'PodSecurityPolicy', 'PodDisruptionBudget', 'ServiceAccount',
  'Secret', 'SecretList', 'ConfigMap', 'StorageClass', 'PersistentVolume', 'PersistentVolumeClaim', 'CustomResourceDefinition',
  'ClusterRole', 'ClusterRoleList', 'ClusterRoleBinding', 'ClusterRoleBindingList', 'Role', 'RoleList', 'RoleBinding',
  'RoleBindingList', 'Service', 'DaemonSet', 'Pod', 'ReplicationController', 'ReplicaSet', 'Deployment', 'HorizontalPodAutoscaler',
  'StatefulSet', 'Job', 'CronJob', 'IngressClass', 'Ingress', 'APIService',
];
/** Known kinds sort before unknown ones (rank 0), as in gitops-engine. */
const kindRank = (kind: string) => (KIND_ORDER.includes(kind) ? KIND_ORDER.indexOf(kind) - KIND_ORDER.length : 0);

export type Phase = 'Sync' | 'PostSync';

export interface SyncTask {
  readonly object: Obj;
  readonly phase: Phase;
  wave: number;
}

export const phaseOf = (o: Obj): Phase => (o.metadata?.annotations?.[HOOK] === 'PostSync' ? 'PostSync' : 'Sync');
const waveOf = (o: Obj): number => Number(o.metadata?.annotations?.[WAVE] ?? 0);
const groupOf = (o: Obj) => (String(o.apiVersion).includes('/') ? String(o.apiVersion).split('/')[0] : '');

/** Argo CD's sync order for a set of objects. */
export function argoOrder(objects: readonly Obj[]): SyncTask[] {
  const phaseRank = (p: Phase) => (p === 'Sync' ? 0 : 1);
  const tasks: SyncTask[] = objects.map((object) => ({ object, phase: phaseOf(object), wave: waveOf(object) }));
  tasks.sort(
    (a, b) =>
      phaseRank(a.phase) - phaseRank(b.phase) ||
      a.wave - b.wave ||
      kindRank(a.object.kind) - kindRank(b.object.kind) ||
      (a.object.metadata.name < b.object.metadata.name ? -1 : a.object.metadata.name > b.object.metadata.name ? 1 : 0),
  );
  moveBeforeDependents(tasks, (o) => (o.kind === 'Namespace' && groupOf(o) === '' ? o.metadata.name : undefined), (o) => o.metadata.namespace);
  moveBeforeDependents(
    tasks,
    (o) => (o.kind === 'CustomResourceDefinition' ? `${o.spec.group}/${o.spec.names.kind}` : undefined),
    (o) => `${groupOf(o)}/${o.kind}`,
  );
  return tasks;
}

/** A dependency listed after its first dependent moves to just before it, taking its phase and wave. */
function moveBeforeDependents(tasks: SyncTask[], provides: (o: Obj) => string | undefined, needs: (o: Obj) => string | undefined): void {
  const firstUse = new Map<string, number>();
  for (let i = 0; i < tasks.length; i++) {
    const t = tasks[i];
    const key = provides(t.object);
    if (key !== undefined) {
      const at = firstUse.get(key);
      if (at === undefined) continue;
      const moved = { ...t, phase: tasks[at].phase, wave: tasks[at].wave };
      tasks.splice(i, 1);
      tasks.splice(at, 0, moved);
      for (const [k, idx] of firstUse) if (idx >= at) firstUse.set(k, idx + 1);
    } else {
      const need = needs(t.object);
      if (need !== undefined && !firstUse.has(need)) firstUse.set(need, i);
    }
  }
}

export interface Rejection {
  readonly object: string;
  readonly message: string;
}

export interface SyncStep {
  readonly phase: Phase;
  readonly wave: number;
  readonly objects: readonly Obj[];
}

/** The steps of a sync: one per phase and wave, in order. */
export function syncSteps(objects: readonly Obj[]): SyncStep[] {
  const steps: SyncStep[] = [];
  for (const t of argoOrder(objects)) {
    const last = steps[steps.length - 1];
    if (last && last.phase === t.phase && last.wave === t.wave) (last.objects as Obj[]).push(t.object);
    else steps.push({ phase: t.phase, wave: t.wave, objects: [t.object] });
  }
  return steps;
}

export const describe = (o: Obj) => `${o.kind}/${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;

/**
 * Applies objects with server-side apply, in the order given, as Argo CD's controller does
 * (field manager `argocd-controller`); returns what the API server rejected.
 */
export function serverSideApply(cluster: LiveCluster, objects: readonly Obj[]): Rejection[] {
  const apply = ['apply', '--server-side', '--field-manager=argocd-controller', '-f', '-'];
  // One kubectl for the whole step (it applies documents in order); only when something was
  // refused is each object applied on its own, to say precisely which.
  if (cluster.kubectl(apply, objects.map((o) => stringify(o)).join('---\n')).status === 0) return [];
  const rejections: Rejection[] = [];
  for (const object of objects) {
    const r = cluster.kubectl(apply, stringify(object));
    if (r.status !== 0) rejections.push({ object: describe(object), message: r.stderr.trim() });
  }
  return rejections;
}

/** Waits until the workloads among `objects` are healthy as Argo CD judges them. */
export async function waitHealthy(cluster: LiveCluster, objects: readonly Obj[], timeoutMs = 120_000): Promise<void> {
  const api = cluster.admin();
  for (const o of objects) {
    const ns = o.metadata.namespace;
    if (o.kind === 'CustomResourceDefinition') {
      await waitFor(`${describe(o)} established`, async () => {
        const crd = await api.request<Obj>('GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${o.metadata.name}`);
        return crd.status?.conditions?.some((c: Obj) => c.type === 'Established' && c.status === 'True') ? true : undefined;
      }, timeoutMs);
    } else if (o.kind === 'Deployment' || o.kind === 'StatefulSet') {
      const plural = o.kind === 'Deployment' ? 'deployments' : 'statefulsets';
      await waitFor(`${describe(o)} available`, async () => {
        const d = await api.request<Obj>('GET', `/apis/apps/v1/namespaces/${ns}/${plural}/${o.metadata.name}`);
        const want = d.spec.replicas ?? 1;
        const s = d.status ?? {};
        return s.observedGeneration >= d.metadata.generation && (s.updatedReplicas ?? 0) >= want && (s.availableReplicas ?? 0) >= want ? true : undefined;
      }, timeoutMs);
    } else if (o.kind === 'DaemonSet') {
      await waitFor(`${describe(o)} ready`, async () => {
        const d = await api.request<Obj>('GET', `/apis/apps/v1/namespaces/${ns}/daemonsets/${o.metadata.name}`);
        const s = d.status ?? {};
        return s.observedGeneration >= d.metadata.generation && s.desiredNumberScheduled > 0 && s.numberReady === s.desiredNumberScheduled ? true : undefined;
      }, timeoutMs);
    }
  }
}
