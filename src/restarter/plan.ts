/**
 * The restart plan: which workloads to restart, in which batches, and why every other
 * workload with an outdated sidecar is left alone. Pure: plain objects in, plain objects out,
 * so every rule is tested without a cluster and a dry run shows exactly what a real run does.
 */
import { Labels } from '../labels';
import type { RestarterConfig } from './config';
import { isInjected, judgePod, type Expectation, type PodVerdict, type RestartReason } from './expectation';
import type { Namespace, Pod, ReplicaSet } from './kube-types';
import { ReplicaSetIndex, ownerOf, refKey, type ObjectRef, type Ownership, type OwnerReportReason, type WorkloadKind } from './owners';
import { describeInstant, describeWindow, windowState } from './window';

/** Label the StatefulSet and DaemonSet controllers put on each pod: the template revision it was made from. */
export const CONTROLLER_REVISION_LABEL = Labels.CONTROLLER_REVISION;
/** Annotation on a Deployment's ReplicaSets: its rollout number (the highest is the current template). */
export const DEPLOYMENT_REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';

/** Why an owner with an outdated sidecar is not restarted (now or ever). */
export type SkipReason =
  | 'namespace-opted-out'
  | 'workload-opted-out'
  | 'no-target-revision'
  | 'no-proxy-container'
  | 'bare-pod'
  | 'already-restarted'
  | 'rollout-in-progress'
  | OwnerReportReason;

/** Why an owner that should be restarted waits for a later run. */
export type DeferReason = 'outside-window' | 'run-limit';

export interface PlannedRestart {
  /** A Deployment, StatefulSet or DaemonSet (patched), or a bare Pod (deleted). */
  readonly owner: ObjectRef;
  readonly action: 'patch' | 'delete';
  readonly expectation: Expectation;
  readonly reasons: readonly RestartReason[];
  /** Why, for people: the differences of the first outdated pod and how many pods are outdated. */
  readonly message: string;
  /** The outdated pods, sorted. */
  readonly pods: readonly string[];
}

export interface Skipped {
  readonly owner: ObjectRef;
  readonly reason: SkipReason;
  readonly message: string;
}

export interface Deferred {
  readonly owner: ObjectRef;
  readonly reason: DeferReason;
  readonly message: string;
  /** What would have been done. */
  readonly restart: PlannedRestart;
}

export interface Plan {
  /** Restarted in this order, one batch after the other. */
  readonly batches: readonly (readonly PlannedRestart[])[];
  readonly skipped: readonly Skipped[];
  readonly deferred: readonly Deferred[];
  /** Owners (incl. Jobs and bare pods) whose injected pods all run what the cluster injects. */
  readonly upToDate: number;
  /** Set when the config has a window: whether it is open, in words. */
  readonly window?: { readonly open: boolean; readonly message: string };
}

export interface PlanInput {
  readonly config: RestarterConfig;
  readonly namespaces: readonly Namespace[];
  readonly pods: readonly Pod[];
  readonly replicaSets: readonly ReplicaSet[];
  readonly now: Date;
}

const DISABLED = 'disabled';

/** Pods that run: terminating and finished pods are on their way out and run no proxy worth judging. */
function isLive(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return !pod.metadata.deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed';
}

function byName<T extends { metadata: { namespace?: string; name: string } }>(a: T, b: T): number {
  return compare(a.metadata.namespace ?? '', b.metadata.namespace ?? '') || compare(a.metadata.name, b.metadata.name);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Deterministic order of owners: namespace, kind, name. */
export function compareRefs(a: ObjectRef, b: ObjectRef): number {
  return compare(a.namespace, b.namespace) || compare(a.kind, b.kind) || compare(a.name, b.name);
}

interface Group {
  readonly ownership: Ownership;
  readonly pods: Pod[];
}

export function planRestarts(input: PlanInput): Plan {
  const { config } = input;
  const namespaces = new Map(input.namespaces.map((n) => [n.metadata.name, n]));
  const replicaSets = new ReplicaSetIndex(input.replicaSets);

  const groups = new Map<string, Group>();
  for (const pod of [...input.pods].sort(byName)) {
    if (!isInjected(pod) || !isLive(pod)) continue;
    const ownership = ownerOf(pod, replicaSets);
    const key = refKey(ownership.ref);
    const group = groups.get(key) ?? { ownership, pods: [] };
    group.pods.push(pod);
    groups.set(key, group);
  }

  const skipped: Skipped[] = [];
  const candidates: PlannedRestart[] = [];
  let upToDate = 0;
  for (const group of [...groups.values()].sort((a, b) => compareRefs(a.ownership.ref, b.ownership.ref))) {
    const { ownership, pods } = group;
    const owner = ownership.ref;
    const namespace = namespaces.get(owner.namespace);
    const judged = pods.map((pod) => ({ pod, verdict: judgePod(config, namespace, pod) }));
    const outdated = judged.filter((j): j is { pod: Pod; verdict: Exclude<PodVerdict, { kind: 'up-to-date' }> } => j.verdict.kind !== 'up-to-date');
    if (outdated.length === 0) {
      upToDate++;
      continue;
    }
    // Pods of one owner share a template and a namespace, so they agree; if not, the first by name decides.
    const verdict = outdated[0]!.verdict;
    const skip = (reason: SkipReason, message: string) => skipped.push({ owner, reason, message });

    if (namespace?.metadata.labels?.[config.namespaceOptOutLabel] === DISABLED) {
      skip('namespace-opted-out', `namespace ${owner.namespace} has ${config.namespaceOptOutLabel}=${DISABLED}; ${describeVerdict(verdict)}`);
      continue;
    }
    if (verdict.kind === 'unknown') {
      skip(verdict.reason, verdict.message);
      continue;
    }
    if (ownership.kind === 'report') {
      skip(ownership.reason, `${ownership.message}; ${verdict.message}`);
      continue;
    }
    const optOut = pods.find((p) => p.metadata.annotations?.[config.workloadOptOutAnnotation] === DISABLED);
    if (optOut) {
      skip('workload-opted-out', `pod ${optOut.metadata.name} has ${config.workloadOptOutAnnotation}=${DISABLED}; ${verdict.message}`);
      continue;
    }
    const { expectation, reasons } = verdict;
    const podNames = outdated.map((j) => j.pod.metadata.name);
    const restart: PlannedRestart = {
      owner,
      action: ownership.kind === 'bare' ? 'delete' : 'patch',
      expectation,
      reasons,
      message: `${verdict.message} (${podNames.length} of ${pods.length} pod${pods.length === 1 ? '' : 's'} outdated)`,
      pods: podNames,
    };
    if (ownership.kind === 'bare') {
      if (!config.deleteBarePods) {
        skip('bare-pod', `no controller recreates the pod, so it is only reported (deleteBarePods is off); ${verdict.message}`);
        continue;
      }
    } else {
      const held = holdBack(config, ownership.ref.kind, owner, pods, expectation.target, replicaSets);
      if (held) {
        skip(held.reason, held.message);
        continue;
      }
    }
    candidates.push(restart);
  }

  return { ...schedule(config, candidates, input.now), skipped, upToDate };
}

function describeVerdict(verdict: Exclude<PodVerdict, { kind: 'up-to-date' }>): string {
  return verdict.kind === 'outdated' ? `restarting would mean: ${verdict.message}` : verdict.message;
}

/** Reasons to leave a workload that needs a restart alone for now: already restarted, or rolling. */
function holdBack(
  config: RestarterConfig,
  kind: WorkloadKind,
  owner: ObjectRef,
  pods: readonly Pod[],
  target: string,
  replicaSets: ReplicaSetIndex,
): { reason: SkipReason; message: string } | undefined {
  const key = config.restartAnnotation;
  const ownReplicaSets = kind === 'Deployment' ? replicaSets.ofDeployment(owner.namespace, owner.name) : [];
  const current = [...ownReplicaSets].sort((a, b) => rolloutNumber(b) - rolloutNumber(a))[0];
  const restartedPod = pods.find((p) => p.metadata.annotations?.[key] === target);
  if (current?.spec?.template?.metadata?.annotations?.[key] === target || restartedPod) {
    return {
      reason: 'already-restarted',
      message: `its pod template already carries ${key}=${target}; not patched again (a rollout is under way, or the injector does not give the pods what the restarter expects)`,
    };
  }
  if (kind === 'Deployment') {
    const active = ownReplicaSets.filter((rs) => (rs.status?.replicas ?? 0) > 0 || (rs.spec?.replicas ?? 0) > 0);
    if (active.length > 1) {
      const names = active.map((rs) => rs.metadata.name).sort();
      return { reason: 'rollout-in-progress', message: `${active.length} ReplicaSets have pods (${names.join(', ')}); restarted once its rollout is done` };
    }
  } else {
    const hashes = new Set(pods.map((p) => p.metadata.labels?.[CONTROLLER_REVISION_LABEL] ?? ''));
    if (hashes.size > 1) {
      return { reason: 'rollout-in-progress', message: `its pods come from ${hashes.size} revisions (${[...hashes].sort().join(', ')}); restarted once its rollout is done` };
    }
  }
  return undefined;
}

function rolloutNumber(rs: ReplicaSet): number {
  return Number(rs.metadata.annotations?.[DEPLOYMENT_REVISION_ANNOTATION] ?? 0) || 0;
}

/** The maintenance window and the run limit, then batches of at most `size`, `maxPerNamespace` of a namespace each. */
function schedule(config: RestarterConfig, candidates: readonly PlannedRestart[], now: Date): Pick<Plan, 'batches' | 'deferred' | 'window'> {
  const sorted = [...candidates].sort((a, b) => compareRefs(a.owner, b.owner));
  let window: Plan['window'];
  if (config.window) {
    const state = windowState(config.window, now);
    const when = state.nextOpen ? `; it opens next at ${describeInstant(state.nextOpen, config.window.timeZone)}` : '';
    window = state.open
      ? { open: true, message: `inside the maintenance window (${describeWindow(config.window)})` }
      : { open: false, message: `outside the maintenance window (${describeWindow(config.window)})${when}` };
    if (!state.open) {
      const message = window.message;
      return { batches: [], deferred: sorted.map((restart) => ({ owner: restart.owner, reason: 'outside-window', message, restart })), window };
    }
  }
  const { size, maxPerNamespace, maxPerRun } = config.batches;
  const limit = Math.max(0, maxPerRun);
  const deferred: Deferred[] = sorted.slice(limit).map((restart) => ({
    owner: restart.owner,
    reason: 'run-limit',
    message: `at most ${maxPerRun} workloads are restarted per run (batches.maxPerRun); the next run takes it`,
    restart,
  }));
  const batches: PlannedRestart[][] = [];
  let rest = sorted.slice(0, limit);
  while (rest.length > 0) {
    const batch: PlannedRestart[] = [];
    const perNamespace = new Map<string, number>();
    const later: PlannedRestart[] = [];
    for (const restart of rest) {
      const n = perNamespace.get(restart.owner.namespace) ?? 0;
      if (batch.length < Math.max(1, size) && n < Math.max(1, maxPerNamespace)) {
        batch.push(restart);
        perNamespace.set(restart.owner.namespace, n + 1);
      } else {
        later.push(restart);
      }
    }
    batches.push(batch);
    rest = later;
  }
  return { batches, deferred, ...(window ? { window } : {}) };
}
