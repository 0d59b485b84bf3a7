/**
 * What a run did, for the exit code, for people (one line) and for machines (one JSON line,
 * the last line of every run, so log scrapers find it without parsing the rest).
 */
import type { RestartReason } from './expectation';
import type { ObjectRef } from './owners';
import type { Deferred, Skipped } from './plan';

export interface OwnerOutcome {
  readonly owner: ObjectRef;
  readonly action: 'patch' | 'delete';
  readonly target: string;
  readonly reasons: readonly RestartReason[];
  readonly message: string;
}

export interface RunSummary {
  readonly cluster: string;
  readonly dryRun: boolean;
  /** Whether the maintenance window is open, in words; unset without a window. */
  readonly window?: string;
  /** What the plan restarts in this run (in a dry run: what a real run would restart). */
  readonly planned: readonly OwnerOutcome[];
  /** Patched and ready, or deleted (bare pods). Empty in a dry run. */
  readonly restarted: readonly OwnerOutcome[];
  /** Required restarts that did not happen: the patch failed, or the pods did not become ready. */
  readonly failed: readonly OwnerOutcome[];
  /** Planned, but not tried because an earlier batch failed. */
  readonly notStarted: readonly OwnerOutcome[];
  readonly skipped: readonly Skipped[];
  readonly deferred: readonly Deferred[];
  readonly upToDate: number;
}

/** Non-zero exactly when a required restart failed. */
export function exitCodeOf(summary: RunSummary): number {
  return summary.failed.length > 0 ? 1 : 0;
}

export function summaryLine(s: RunSummary): string {
  const head = `summary: cluster ${s.cluster}${s.dryRun ? ' (dry run)' : ''}:`;
  const counts = s.dryRun
    ? [`${s.planned.length} to restart`]
    : [`${s.restarted.length} restarted`, `${s.failed.length} failed`, ...(s.notStarted.length ? [`${s.notStarted.length} not started`] : [])];
  return `${head} ${[...counts, `${s.skipped.length} skipped`, `${s.deferred.length} deferred`, `${s.upToDate} up to date`].join(', ')}`;
}

const ref = (r: ObjectRef) => ({ kind: r.kind, namespace: r.namespace, name: r.name });

/** One line of JSON: counts, and each owner with its reason, for alerts and dashboards. */
export function summaryJson(s: RunSummary, error?: string): string {
  const outcomes = (list: readonly OwnerOutcome[]) => list.map((o) => ({ ...ref(o.owner), action: o.action, target: o.target, reasons: o.reasons, message: o.message }));
  return JSON.stringify({
    kind: 'MeshcRestarterSummary',
    cluster: s.cluster,
    dryRun: s.dryRun,
    exitCode: error ? 1 : exitCodeOf(s),
    ...(error ? { error } : {}),
    ...(s.window ? { window: s.window } : {}),
    counts: {
      planned: s.planned.length,
      restarted: s.restarted.length,
      failed: s.failed.length,
      notStarted: s.notStarted.length,
      skipped: s.skipped.length,
      deferred: s.deferred.length,
      upToDate: s.upToDate,
    },
    planned: outcomes(s.planned),
    restarted: outcomes(s.restarted),
    failed: outcomes(s.failed),
    notStarted: outcomes(s.notStarted),
    skipped: s.skipped.map((x) => ({ ...ref(x.owner), reason: x.reason, message: x.message })),
    deferred: s.deferred.map((x) => ({ ...ref(x.owner), reason: x.reason, message: x.message, target: x.restart.expectation.target })),
  });
}

/** The summary of a run that could not plan (e.g. the cluster could not be listed). */
export function emptySummary(cluster: string, dryRun: boolean): RunSummary {
  return { cluster, dryRun, planned: [], restarted: [], failed: [], notStarted: [], skipped: [], deferred: [], upToDate: 0 };
}
