/**
 * One run of the restarter against one cluster: read it, plan, act, report. The Job's entry
 * point and `meshc restart` both call this, so a dry run from a workstation shows exactly what
 * the Job would do.
 */
import type { RestarterConfig } from './config';
import { clusterApi } from './cluster-api';
import { executePlan } from './execute';
import { KubeClient, defaultSleep, type KubeConnection } from './kube-client';
import { planRestarts } from './plan';
import { emptySummary, exitCodeOf, summaryJson, summaryLine } from './summary';

export interface RunOptions {
  /** Change nothing: print the plan. */
  readonly dryRun: boolean;
  readonly log: (line: string) => void;
  readonly now?: () => Date;
  /** Every wait (retry backoff, readiness polling) goes through this; tests make it instant. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Jitter of retry backoff, in [0, 1). */
  readonly random?: () => number;
  readonly pollIntervalMs?: number;
  /** Attempts per API request (default 6). */
  readonly maxAttempts?: number;
  /** Items per page when listing (default 500). */
  readonly pageSize?: number;
  /** Reporting instance of the Events (default `meshc-restarter`). */
  readonly instance?: string;
}

/** Runs the restarter; resolves to the process exit code (non-zero iff a required restart failed or nothing could be planned). */
export async function runRestarter(config: RestarterConfig, conn: KubeConnection, options: RunOptions): Promise<number> {
  const { log } = options;
  const now = options.now ?? (() => new Date());
  const sleep = options.sleep ?? defaultSleep;
  let client: KubeClient;
  try {
    client = new KubeClient(conn, {
      sleep,
      ...(options.random ? { random: options.random } : {}),
      ...(options.maxAttempts ? { maxAttempts: options.maxAttempts } : {}),
      onRetry: (message) => log(`retry: ${message}`),
    });
  } catch (err) {
    return fail(config, options, `cannot connect: ${(err as Error).message}`);
  }
  try {
    const api = clusterApi(client, options.pageSize);
    let namespaces, pods, replicaSets;
    try {
      [namespaces, pods] = await Promise.all([api.listNamespaces(), api.listPods()]);
      // After the pods: every listed pod's ReplicaSet is then in the list (a ReplicaSet outlives its pods).
      replicaSets = await api.listReplicaSets();
    } catch (err) {
      return fail(config, options, `cannot read the cluster: ${(err as Error).message}`);
    }
    const plan = planRestarts({ config, namespaces, pods, replicaSets, now: now() });
    const count = plan.batches.flat().length;
    log(
      `cluster ${config.cluster}: ${pods.length} pods in ${namespaces.length} namespaces; ${count} workload${count === 1 ? '' : 's'} to restart in ${plan.batches.length} batch${plan.batches.length === 1 ? '' : 'es'}` +
        (plan.window ? `; ${plan.window.message}` : '') +
        (options.dryRun ? ' (dry run: nothing is changed)' : ''),
    );
    const summary = await executePlan(plan, config, api, {
      dryRun: options.dryRun,
      log,
      now,
      sleep,
      ...(options.pollIntervalMs !== undefined ? { pollIntervalMs: options.pollIntervalMs } : {}),
      ...(options.instance ? { instance: options.instance } : {}),
    });
    log(summaryLine(summary));
    log(summaryJson(summary));
    return exitCodeOf(summary);
  } finally {
    client.close();
  }
}

function fail(config: RestarterConfig, options: RunOptions, message: string): number {
  options.log(`error: ${message}`);
  options.log(summaryJson(emptySummary(config.cluster, options.dryRun), message));
  return 1;
}
