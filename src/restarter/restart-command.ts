/**
 * `meshc restart` from a workstation: the Job's run, connected through a kubeconfig instead of
 * the pod's service account. The CLI turns the fleet file into the RestarterConfig.
 */
import type { RestarterConfig } from './config';
import { connectionFromKubeconfig } from './kubeconfig';
import { runRestarter, type RunOptions } from './run';

export interface RestartCommandArgs {
  readonly config: RestarterConfig;
  /** Default: $KUBECONFIG, else ~/.kube/config. */
  readonly kubeconfig?: string;
  /** Default: the kubeconfig's current context. */
  readonly context?: string;
  readonly dryRun: boolean;
  readonly log: (line: string) => void;
  /** For tests: waits, clock and jitter (see RunOptions). */
  readonly run?: Omit<RunOptions, 'dryRun' | 'log'>;
}

/** Resolves to the exit code: 0 done, 1 a restart failed or the cluster could not be reached. */
export async function restartCommand(args: RestartCommandArgs): Promise<number> {
  let conn;
  try {
    conn = await connectionFromKubeconfig({
      ...(args.kubeconfig !== undefined ? { path: args.kubeconfig } : {}),
      ...(args.context !== undefined ? { context: args.context } : {}),
    });
  } catch (err) {
    args.log(`error: ${(err as Error).message}`);
    return 1;
  }
  return runRestarter(args.config, conn, { ...args.run, dryRun: args.dryRun, log: args.log });
}
