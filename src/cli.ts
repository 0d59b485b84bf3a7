/**
 * The `meshc` command line. Exit codes: 0 ok, 1 invalid input or stale output, 2 usage error.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { formatDiagnostic, InputError } from './config/diagnostic';
import { fleetJsonSchema } from './config/fleet-schema';
import { fleetReferenceMarkdown } from './config/reference-doc';
import { OutputError, diffTree, isEmptyDiff, outputPaths, writeTree, type TreeDiff } from './output/tree-writer';
import { loadFleetFile, type LoadedFleet } from './pipeline';
import { renderFleet } from './render/render';
import { authzCommand } from './authz/authz-command';
import { diffCommand } from './review/diff-command';
import { vendorCommand } from './delivery/vendor-command';
import { readBaseline, type Baseline } from './lifecycle/baseline';
import { recordRender } from './output/render-cache';
import { renderKey, reportIfUpToDate, upToDate } from './synth-shortcut';
import { BaseError } from './review/git-tree';
import { RecordError } from './lifecycle/version-record';
import { restartCommandLine } from './lifecycle/restart-cli';

export const EXIT_OK = 0;
export const EXIT_INVALID = 1;
export const EXIT_USAGE = 2;

/** Read on demand: the relative path holds for the compiled CLI (build/src/cli.js), which is what prints it. */
const version = (): string => require('../../package.json').version;

export interface Io {
  out(line: string): void;
  err(line: string): void;
}

const defaultIo: Io = {
  out: (line) => process.stdout.write(line + '\n'),
  err: (line) => process.stderr.write(line + '\n'),
};

/** A subcommand; options are `--name value` pairs named in `options` (keys like `--out DIR`). */
export interface Command {
  readonly summary: string;
  readonly usage: string;
  readonly options: Readonly<Record<string, string>>;
  run(opts: Record<string, string>, io: Io): number;
}

const CONFIG_OPT = { '--config FILE': 'fleet file to read (default: mesh.yaml)' };
const OUT_OPT = { '--out DIR': 'output folder (default: dist)' };
const BASE_OPT = { '--base REF': 'Git ref the upgrade guard compares versions with (default: HEAD, or the output folder when it is not in Git)' };

const COMMANDS: Record<string, Command> = {
  synth: {
    summary: 'render every cluster of the fleet into the output folder',
    usage: 'meshc synth [--config FILE] [--out DIR] [--base REF]',
    options: { ...CONFIG_OPT, ...OUT_OPT, ...BASE_OPT },
    run(opts, io) {
      const out = opts.out ?? 'dist';
      const baseline = readBaselineOrReport(opts, io);
      if (!baseline) return EXIT_INVALID;
      if (reportIfUpToDate(opts, baseline, io)) return EXIT_OK;
      const loaded = load(opts, io, baseline);
      if (!loaded) return EXIT_INVALID;
      const tree = renderFleet(loaded.fleet);
      const diff = writeTree(out, tree);
      const clusters = loaded.fleet.clusters.length;
      // Outside Git the next run's baseline is the records just written: key the record to that.
      const next = opts.base === undefined ? readBaselineOrReport(opts, io) : baseline;
      if (next) recordRender(out, renderKey(opts, next), outputPaths(tree), loaded.inputs, clusters, loaded.warnings.map(formatDiagnostic));
      io.out(isEmptyDiff(diff) ? upToDate(out, clusters) : `${out}: ${clusters} cluster${clusters === 1 ? '' : 's'} rendered; ${summarize(diff)}`);
      return EXIT_OK;
    },
  },
  validate: {
    summary: 'check the fleet file without writing anything',
    usage: 'meshc validate [--config FILE]',
    options: { ...CONFIG_OPT },
    run(opts, io) {
      const loaded = load(opts, io);
      if (!loaded) return EXIT_INVALID;
      const file = opts.config ?? 'mesh.yaml';
      io.out(`${file}: valid (${loaded.fleet.clusters.map((c) => c.name).join(', ')})`);
      return EXIT_OK;
    },
  },
  check: {
    summary: 'exit 1 when the output folder is not the render of the fleet file',
    usage: 'meshc check [--config FILE] [--out DIR] [--base REF]',
    options: { ...CONFIG_OPT, ...OUT_OPT, ...BASE_OPT },
    run(opts, io) {
      const baseline = readBaselineOrReport(opts, io);
      if (!baseline) return EXIT_INVALID;
      const loaded = load(opts, io, baseline);
      if (!loaded) return EXIT_INVALID;
      const out = opts.out ?? 'dist';
      const diff = diffTree(out, renderFleet(loaded.fleet));
      if (isEmptyDiff(diff)) {
        io.out(`${out}: up to date`);
        return EXIT_OK;
      }
      io.err(`${out} is stale; run \`meshc synth\` and commit the result:`);
      for (const p of diff.added) io.err(`  missing   ${out}/${p}`);
      for (const p of diff.changed) io.err(`  differs   ${out}/${p}`);
      for (const p of diff.removed) io.err(`  extra     ${out}/${p}`);
      return EXIT_INVALID;
    },
  },
  diff: diffCommand,
  authz: authzCommand,
  vendor: vendorCommand,
  schema: {
    summary: 'print the JSON Schema of the fleet file, or its Markdown reference',
    usage: 'meshc schema [--format json|markdown] [--out FILE]',
    options: { '--format FORMAT': 'json (default) or markdown', '--out FILE': 'write to FILE instead of standard output' },
    run(opts, io) {
      const format = opts.format ?? 'json';
      if (format !== 'json' && format !== 'markdown') {
        io.err(`meshc schema: unknown format "${format}" (json or markdown)`);
        return EXIT_USAGE;
      }
      const text = format === 'json' ? JSON.stringify(fleetJsonSchema(), null, 2) + '\n' : fleetReferenceMarkdown(fleetJsonSchema());
      if (opts.out) {
        mkdirSync(dirname(opts.out), { recursive: true });
        writeFileSync(opts.out, text);
        io.out(`${opts.out}: written`);
      } else {
        process.stdout.write(text);
      }
      return EXIT_OK;
    },
  },
};

function summarize(diff: TreeDiff): string {
  return `${diff.added.length} added, ${diff.changed.length} changed, ${diff.removed.length} removed`;
}

/** The upgrade guard's baseline, or undefined after reporting why it cannot be read. */
function readBaselineOrReport(opts: Record<string, string>, io: Io): Baseline | undefined {
  try {
    return readBaseline(opts.out ?? 'dist', opts.base);
  } catch (err) {
    if (!(err instanceof RecordError)) throw err;
    io.err(`${err.message}; nothing was written`);
    return undefined;
  }
}

/** Loads the fleet file, guarded by `baseline` when given; undefined after reporting why it cannot. */
function load(opts: Record<string, string>, io: Io, baseline?: Baseline): LoadedFleet | undefined {
  try {
    const loaded = loadFleetFile(opts.config ?? 'mesh.yaml', baseline ? { previous: baseline.records, baseline: baseline.description } : {});
    for (const w of loaded.warnings) io.err(formatDiagnostic(w));
    return loaded;
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    for (const d of err.diagnostics) io.err(formatDiagnostic(d));
    const errors = err.diagnostics.filter((d) => d.severity === 'error').length;
    io.err(`${errors} error${errors === 1 ? '' : 's'}; nothing was written`);
    return undefined;
  }
}

function help(): string {
  const lines = [
    'meshc: renders the Istio installation of every cluster in a fleet file as plain YAML.',
    '',
    'Usage: meshc <command> [options]',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)}${c.summary}`),
    `  ${'restart'.padEnd(10)}restart workloads whose sidecar is outdated (what the post-sync Job does); --dry-run prints the plan`,
    '',
    'Options:',
    '  --help     show help (also after a command)',
    '  --version  print the meshc version',
    '',
    'Exit codes: 0 ok, 1 invalid input or stale output, 2 usage error.',
  ];
  return lines.join('\n');
}

function commandHelp(name: string, c: Command): string {
  const opts = Object.entries(c.options).map(([flag, text]) => `  ${flag.padEnd(16)}${text}`);
  return [`meshc ${name}: ${c.summary}`, '', `Usage: ${c.usage}`, '', 'Options:', ...opts, `  ${'--help'.padEnd(16)}show this help`].join('\n');
}

/** Parses `--flag value` / `--flag=value` pairs; returns an error message on misuse. */
function parseOptions(args: string[], allowed: readonly string[]): Record<string, string> | string {
  const out: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith('--')) return `unexpected argument "${arg}"`;
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    if (!allowed.includes(name)) return `unknown option --${name}`;
    const value = eq >= 0 ? arg.slice(eq + 1) : args[++i];
    if (value === undefined || value === '' || (eq < 0 && value.startsWith('--'))) return `option --${name} needs a value`;
    if (name in out) return `option --${name} given twice`;
    out[name] = value;
  }
  return out;
}

/** Every command, including `restart`, which talks to a cluster and so is asynchronous. */
export async function run(argv: string[], io: Io = defaultIo): Promise<number> {
  if (argv[0] === 'restart') return restartCommandLine(argv.slice(1), io);
  return main(argv, io);
}

/** The commands that only read and write files. */
export function main(argv: string[], io: Io = defaultIo): number {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? io.err : io.out)(help());
    return name === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (name === '--version' || name === '-v') {
    io.out(version());
    return EXIT_OK;
  }
  // `authz check` has a subcommand and repeatable options, so it parses its own arguments.
  if (name === 'authz') return authzCommand.runArgv(rest, io);
  const command = COMMANDS[name];
  if (!command) {
    io.err(`meshc: unknown command "${name}"\n\n${help()}`);
    return EXIT_USAGE;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(commandHelp(name, command));
    return EXIT_OK;
  }
  const allowed = Object.keys(command.options).map((o) => o.split(' ')[0].slice(2));
  const opts = parseOptions(rest, allowed);
  if (typeof opts === 'string') {
    io.err(`meshc ${name}: ${opts}\n\n${commandHelp(name, command)}`);
    return EXIT_USAGE;
  }
  try {
    return command.run(opts, io);
  } catch (err) {
    if (err instanceof OutputError) {
      io.err(`meshc ${name}: ${err.message}`);
      return EXIT_INVALID;
    }
    if (err instanceof BaseError) {
      io.err(`meshc ${name}: ${err.message}`);
      return EXIT_USAGE;
    }
    throw err;
  }
}
