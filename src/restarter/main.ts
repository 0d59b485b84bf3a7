/**
 * Entry point of the data-plane restarter Job: `node restarter.js --config FILE [--dry-run]`.
 * Bundled into one file that needs nothing but Node.js, so it imports only node builtins and
 * restarter modules (never the kubeconfig reader, `yaml` or cdk8s).
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { parseRestarterConfig } from './config-file';
import { inClusterConnection } from './kube-client';
import { runRestarter } from './run';

const USAGE = 'usage: node restarter.js --config FILE [--dry-run]';

export async function main(args: readonly string[], log: (line: string) => void): Promise<number> {
  let file: string | undefined;
  let dryRun = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--dry-run') dryRun = true;
    else if (arg === '--config') file = args[++i];
    else if (arg.startsWith('--config=')) file = arg.slice('--config='.length);
    else {
      log(`restarter: unexpected argument "${arg}"\n${USAGE}`);
      return 2;
    }
  }
  if (!file) {
    log(`restarter: --config FILE is required\n${USAGE}`);
    return 2;
  }
  try {
    const config = parseRestarterConfig(readFileSync(file, 'utf8'), file);
    return await runRestarter(config, inClusterConnection(), { dryRun, log, instance: hostname() });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    log(`restarter: ${e.code === 'ENOENT' ? `config file ${file} not found` : e.message}`);
    return 1;
  }
}

main(process.argv.slice(2), (line) => console.log(line)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  },
);
