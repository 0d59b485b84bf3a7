/**
 * `meshc restart`: what the post-sync Job does, run from a workstation against a kubeconfig.
 * With `--dry-run` it only prints the plan, which is how to preview an upgrade's restarts.
 */
import { formatDiagnostic, InputError } from '../config/diagnostic';
import { loadFleetFile } from '../pipeline';
import { restartCommand } from '../restarter/restart-command';
import { restarterConfig } from './restarter-config';

interface Io {
  out(line: string): void;
  err(line: string): void;
}

const USAGE = `meshc restart: restart workloads whose sidecar is outdated, as the post-sync Job does

Usage: meshc restart [--config FILE] [--cluster NAME] [--kubeconfig FILE] [--context NAME] [--dry-run]

Options:
  --config FILE     fleet file to read (default: mesh.yaml)
  --cluster NAME    the fleet's cluster the kubeconfig points at (required when the fleet has several)
  --kubeconfig FILE kubeconfig to use (default: $KUBECONFIG, else ~/.kube/config)
  --context NAME    kubeconfig context (default: its current context)
  --dry-run         print the plan; change nothing
  --help            show this help`;

const VALUED = ['config', 'cluster', 'kubeconfig', 'context'];

export async function restartCommandLine(args: string[], io: Io): Promise<number> {
  const opts: Record<string, string> = {};
  let dryRun = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--help' || arg === '-h') {
      io.out(USAGE);
      return 0;
    }
    if (arg === '--dry-run') {
      dryRun = true;
      continue;
    }
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    const name = m?.[1];
    if (!m || !name || !VALUED.includes(name)) {
      io.err(`meshc restart: ${m ? `unknown option --${name}` : `unexpected argument "${arg}"`}\n\n${USAGE}`);
      return 2;
    }
    const value = m[2] ?? args[++i];
    if (value === undefined || value === '' || value.startsWith('--')) {
      io.err(`meshc restart: option --${name} needs a value\n\n${USAGE}`);
      return 2;
    }
    opts[name] = value;
  }

  const file = opts.config ?? 'mesh.yaml';
  let clusters;
  try {
    const loaded = loadFleetFile(file, { vendoredCrds: false });
    for (const w of loaded.warnings) io.err(formatDiagnostic(w));
    clusters = loaded.fleet.clusters;
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    for (const d of err.diagnostics) io.err(formatDiagnostic(d));
    return 1;
  }
  const names = clusters.map((c) => c.name);
  const cluster = opts.cluster === undefined ? (clusters.length === 1 ? clusters[0] : undefined) : clusters.find((c) => c.name === opts.cluster);
  if (!cluster) {
    io.err(
      opts.cluster === undefined
        ? `meshc restart: ${file} has several clusters (${names.join(', ')}); name one with --cluster`
        : `meshc restart: ${file} has no cluster "${opts.cluster}" (clusters: ${names.join(', ')})`,
    );
    return 2;
  }
  return restartCommand({
    config: restarterConfig(cluster),
    ...(opts.kubeconfig ? { kubeconfig: opts.kubeconfig } : {}),
    ...(opts.context ? { context: opts.context } : {}),
    dryRun,
    log: (line) => io.out(line),
  });
}
