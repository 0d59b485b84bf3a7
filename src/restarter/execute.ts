/**
 * Carrying out a plan, batch by batch: patch each workload's pod template (the controller
 * then rolls it the way its update strategy says), delete planned bare pods, record an Event
 * on each, and wait for the batch to be ready before the next one. A batch that does not get
 * ready in time stops the run: something is wrong, and rolling more workloads into it would
 * spread the damage.
 */
import type { RestarterConfig } from './config';
import type { ClusterApi } from './cluster-api';
import { differences } from './expectation';
import type { KubeEvent, Pod, ReplicaSet, Workload } from './kube-types';
import { ReplicaSetIndex, describeRef, ownerOf, refKey, type ObjectRef, type WorkloadKind } from './owners';
import type { Deferred, Plan, PlannedRestart } from './plan';
import type { OwnerOutcome, RunSummary } from './summary';
import { describeWindow, windowState } from './window';

export const EVENT_SOURCE = 'meshc-restarter';
export const EVENT_RESTARTED = 'SidecarRestart';
export const EVENT_FAILED = 'SidecarRestartFailed';

export interface ExecuteOptions {
  /** Change nothing: report what the plan would do. */
  readonly dryRun: boolean;
  readonly log: (line: string) => void;
  readonly now: () => Date;
  readonly sleep: (ms: number) => Promise<void>;
  /** Pause between two readiness checks of a batch (default 5 s). */
  readonly pollIntervalMs?: number;
  /** `reportingInstance` of the Events, e.g. the pod's host name. */
  readonly instance?: string;
}

/** A workload patched in the current batch, waited for. */
type Rolling = PlannedRestart & { readonly owner: ObjectRef & { readonly kind: WorkloadKind } };

type Readiness = { readonly state: 'ready' } | { readonly state: 'waiting' | 'still-outdated'; readonly detail: string };

function outcome(restart: PlannedRestart, message: string): OwnerOutcome {
  return { owner: restart.owner, action: restart.action, target: restart.expectation.target, reasons: restart.reasons, message };
}

export async function executePlan(plan: Plan, config: RestarterConfig, api: ClusterApi, options: ExecuteOptions): Promise<RunSummary> {
  const { log } = options;
  const restarted: OwnerOutcome[] = [];
  const failed: OwnerOutcome[] = [];
  const notStarted: OwnerOutcome[] = [];
  const deferred: Deferred[] = [...plan.deferred];
  const planned = plan.batches.flat().map((r) => outcome(r, r.message));
  const total = plan.batches.length;

  for (const s of plan.skipped) log(`skip ${describeRef(s.owner)}: ${s.reason}: ${s.message}`);
  for (const d of plan.deferred) log(`defer ${describeRef(d.owner)}: ${d.reason}: ${d.restart.reasons.join(', ')}: ${d.restart.message}; ${d.message}`);

  if (options.dryRun) {
    plan.batches.forEach((batch, i) => {
      for (const r of batch) log(`would ${verb(r)} ${describeRef(r.owner)} (batch ${i + 1} of ${total}): ${r.reasons.join(', ')}: ${r.message}`);
    });
  } else {
    for (let i = 0; i < total; i++) {
      const batch = plan.batches[i]!;
      const label = `batch ${i + 1} of ${total}`;
      // A long run may outlast the window: no batch starts after it closed.
      const window = config.window;
      if (i > 0 && window && !windowState(window, options.now()).open) {
        const message = `the maintenance window (${describeWindow(window)}) closed during the run`;
        for (const restart of plan.batches.slice(i).flat()) {
          deferred.push({ owner: restart.owner, reason: 'outside-window', message, restart });
          log(`defer ${describeRef(restart.owner)}: outside-window: ${message}`);
        }
        break;
      }
      const rolling: Rolling[] = [];
      for (const restart of batch) {
        const started = await start(restart, config, api, options, label);
        if (started.ok) {
          if (started.wait) rolling.push(started.wait);
          else restarted.push(outcome(restart, started.message));
        } else {
          failed.push(outcome(restart, started.message));
        }
      }
      const stopped = await awaitBatch(rolling, config, api, options, label, restarted, failed);
      if (stopped) {
        for (const r of plan.batches.slice(i + 1).flat()) {
          notStarted.push(outcome(r, `not started: ${label} did not become ready`));
          log(`not started ${describeRef(r.owner)}: ${label} did not become ready`);
        }
        break;
      }
    }
  }

  return {
    cluster: config.cluster,
    dryRun: options.dryRun,
    ...(plan.window ? { window: plan.window.message } : {}),
    planned,
    restarted,
    failed,
    notStarted,
    skipped: plan.skipped,
    deferred,
    upToDate: plan.upToDate,
  };
}

function verb(restart: PlannedRestart): string {
  return restart.action === 'delete' ? 'delete pod' : 'restart';
}

type Started =
  | { readonly ok: true; readonly message: string; readonly wait?: Rolling }
  | { readonly ok: false; readonly message: string };

/** Patch (or delete) one owner and record an Event on it. */
async function start(restart: PlannedRestart, config: RestarterConfig, api: ClusterApi, options: ExecuteOptions, label: string): Promise<Started> {
  const { owner, expectation } = restart;
  const why = `${restart.reasons.join(', ')}: ${restart.message}`;
  let result: Started;
  let workload: Workload | undefined;
  try {
    if (restart.action === 'delete') {
      await api.deletePod(owner.namespace, owner.name);
      result = { ok: true, message: `deleted: ${why}` };
    } else {
      const target = { ...owner, kind: owner.kind as WorkloadKind };
      workload = await api.patchTemplateAnnotation(target, config.restartAnnotation, expectation.target);
      const stuck = wontRoll(workload);
      result = stuck ? { ok: false, message: `patched, but ${stuck}` } : { ok: true, message: `restarted for ${expectation.target}: ${why}`, wait: { ...restart, owner: target } };
    }
  } catch (err) {
    result = { ok: false, message: `${restart.action === 'delete' ? 'delete' : 'patch'} failed: ${(err as Error).message}` };
  }
  options.log(`${result.ok ? (restart.action === 'delete' ? 'deleted pod' : 'restarted') : 'failed'} ${describeRef(owner)} (${label}): ${result.ok ? why : result.message}`);
  await record(restart, workload, result, api, options);
  return result;
}

/** Why a patched workload will not roll on its own, if it will not. */
function wontRoll(workload: Workload | undefined): string | undefined {
  if (workload?.spec?.paused) return 'the Deployment is paused: it rolls out once resumed';
  if (workload?.spec?.updateStrategy?.type === 'OnDelete') return 'its update strategy is OnDelete: its pods get the new sidecar only when deleted';
  return undefined;
}

/** One Event per owner; failing to record it is logged, never fatal. */
async function record(restart: PlannedRestart, workload: Workload | undefined, result: Started, api: ClusterApi, options: ExecuteOptions): Promise<void> {
  const { owner } = restart;
  const at = options.now().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const uid = workload?.metadata.uid ?? owner.uid;
  const event: KubeEvent = {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { generateName: `${owner.name}.`, namespace: owner.namespace },
    involvedObject: {
      apiVersion: owner.kind === 'Pod' ? 'v1' : 'apps/v1',
      kind: owner.kind,
      namespace: owner.namespace,
      name: owner.name,
      ...(uid ? { uid } : {}),
    },
    reason: result.ok ? EVENT_RESTARTED : EVENT_FAILED,
    message: (result.ok ? `${EVENT_SOURCE} ${restart.action === 'delete' ? 'deleted the pod' : 'restarted the workload'} for ${restart.expectation.target}: ${restart.reasons.join(', ')}: ${restart.message}` : result.message).slice(0, 1024),
    type: result.ok ? 'Normal' : 'Warning',
    source: { component: EVENT_SOURCE },
    reportingComponent: EVENT_SOURCE,
    reportingInstance: options.instance ?? EVENT_SOURCE,
    firstTimestamp: at,
    lastTimestamp: at,
    count: 1,
  };
  try {
    await api.createEvent(event);
  } catch (err) {
    options.log(`warning: no Event recorded on ${describeRef(owner)}: ${(err as Error).message}`);
  }
}

/**
 * Polls the batch's pods until every patched workload is ready, or the readiness timeout. Moves
 * each workload to `restarted` or `failed`; answers whether the run must stop.
 */
async function awaitBatch(
  rolling: readonly Rolling[],
  config: RestarterConfig,
  api: ClusterApi,
  options: ExecuteOptions,
  label: string,
  restarted: OwnerOutcome[],
  failed: OwnerOutcome[],
): Promise<boolean> {
  if (rolling.length === 0) return false;
  const timeoutMs = config.batches.readinessTimeoutSeconds * 1000;
  const started = options.now().getTime();
  let waiting = [...rolling];
  let lastDetail = new Map<string, string>();
  options.log(`${label}: waiting up to ${config.batches.readinessTimeoutSeconds}s for ${waiting.length} workload${waiting.length === 1 ? '' : 's'} to become ready`);
  for (;;) {
    const states = await check(waiting, config, api, options);
    const still: Rolling[] = [];
    lastDetail = new Map();
    for (const w of waiting) {
      const state = states.get(refKey(w.owner)) ?? { state: 'waiting', detail: 'pods could not be listed' };
      if (state.state === 'ready') {
        restarted.push(outcome(w, `restarted for ${w.expectation.target}`));
        options.log(`ready ${describeRef(w.owner)} after ${seconds(options.now().getTime() - started)}`);
      } else if (state.state === 'still-outdated') {
        failed.push(outcome(w, `rolled out, but ${state.detail}`));
        options.log(`failed ${describeRef(w.owner)}: rolled out, but ${state.detail}`);
      } else {
        still.push(w);
        lastDetail.set(refKey(w.owner), state.detail);
      }
    }
    waiting = still;
    if (waiting.length === 0) return false;
    if (options.now().getTime() - started >= timeoutMs) break;
    await options.sleep(options.pollIntervalMs ?? 5000);
  }
  for (const w of waiting) {
    const message = `not ready within ${config.batches.readinessTimeoutSeconds}s: ${lastDetail.get(refKey(w.owner)) ?? 'no pods seen'}`;
    failed.push(outcome(w, message));
    options.log(`failed ${describeRef(w.owner)}: ${message}`);
  }
  options.log(`${label} did not become ready in time; stopping`);
  return true;
}

function seconds(ms: number): string {
  return `${Math.round(ms / 1000)}s`;
}

/** The readiness of each waiting workload, from one listing of pods (and ReplicaSets) per namespace. */
async function check(waiting: readonly Rolling[], config: RestarterConfig, api: ClusterApi, options: ExecuteOptions): Promise<Map<string, Readiness>> {
  const states = new Map<string, Readiness>();
  const namespaces = [...new Set(waiting.map((w) => w.owner.namespace))].sort();
  for (const ns of namespaces) {
    const here = waiting.filter((w) => w.owner.namespace === ns);
    let pods: Pod[];
    let replicaSets: ReplicaSet[] = [];
    try {
      pods = await api.listPods(ns);
      if (here.some((w) => w.owner.kind === 'Deployment')) replicaSets = await api.listReplicaSets(ns);
    } catch (err) {
      options.log(`warning: cannot list pods of namespace ${ns} (will try again): ${(err as Error).message}`);
      continue;
    }
    const index = new ReplicaSetIndex(replicaSets);
    const byOwner = new Map<string, Pod[]>();
    for (const pod of pods) {
      const phase = pod.status?.phase;
      if (phase === 'Succeeded' || phase === 'Failed') continue;
      const key = refKey(ownerOf(pod, index).ref);
      byOwner.set(key, [...(byOwner.get(key) ?? []), pod]);
    }
    for (const w of here) {
      const key = refKey(w.owner);
      states.set(key, readiness(w, byOwner.get(key) ?? [], config));
    }
  }
  return states;
}

function isReady(pod: Pod): boolean {
  return pod.status?.phase === 'Running' && (pod.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/**
 * Ready: every pod comes from the patched template (it carries the annotation), is Ready, none
 * is terminating. Such pods that still differ from the expectation mean the injector gives
 * something else than the restarter expected; waiting longer would not change that.
 */
export function readiness(restart: PlannedRestart, pods: readonly Pod[], config: RestarterConfig): Readiness {
  const target = restart.expectation.target;
  if (pods.length === 0) return { state: 'waiting', detail: 'no pods yet' };
  const terminating = pods.filter((p) => p.metadata.deletionTimestamp).length;
  const old = pods.filter((p) => p.metadata.annotations?.[config.restartAnnotation] !== target).length;
  const unready = pods.filter((p) => !isReady(p)).length;
  if (terminating > 0 || old > 0 || unready > 0) {
    const parts = [old > 0 ? `${old} from the old template` : '', unready > 0 ? `${unready} not ready` : '', terminating > 0 ? `${terminating} terminating` : ''];
    return { state: 'waiting', detail: `${pods.length} pods: ${parts.filter(Boolean).join(', ')}` };
  }
  for (const pod of pods) {
    const { details } = differences(config, pod, restart.expectation);
    if (details.length > 0) return { state: 'still-outdated', detail: `pod ${pod.metadata.name}: ${details.join('; ')}` };
  }
  return { state: 'ready' };
}
