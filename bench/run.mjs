/**
 * `npm run bench`: renders synthetic fleets of 10, 100 and 1000 clusters with the CLI, each run
 * in a fresh process, and prints per size the cold render, a no-op re-render and a re-render
 * with one cluster changed: wall and CPU seconds, peak RSS, files and bytes written, and
 * milliseconds per cluster. A table for people, then one JSON line for machines.
 *
 * The benchmark checks its own premises and exits 1 when they fail: the no-op run must write
 * no file, and the one-cluster run must write only files of that cluster. Time and memory
 * targets are reported against, never asserted in unit tests.
 *
 *   node bench/run.mjs [--sizes 10,100,1000] [--repeat 3] [--keep] [--meshc PATH/bin/meshc.js]
 *
 * File-system costs on a shared machine vary from run to run: each size below 1000 is measured
 * `--repeat` times, each time in a fresh folder after flushing the disk's pending writes, and
 * the run with the median cold wall time is reported (1000 clusters runs once: it takes minutes).
 * `--meshc` measures another build (e.g. a checkout of an earlier commit) with the same fleets.
 */
import { spawnSync } from 'node:child_process';
import { cpus, totalmem, tmpdir } from 'node:os';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateFleet } from './generate-fleet.mjs';
import { snapshot, writtenSince } from './tree-snapshot.mjs';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..');
let MESHC = join(REPO, 'bin', 'meshc.js');
const MEASURE = join(REPO, 'bench', 'measure.cjs');

/** Targets of issue "Benchmark": reported, never asserted in tests. */
export const TARGETS = { wallSeconds100: 3, rssMiB100: 1024, perClusterRatio: 1.3, noopSeconds100: 1 };

function parseArgs(argv) {
  const args = { sizes: [10, 100, 1000], keep: false, repeat: 3 };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--sizes') args.sizes = argv[++i].split(',').map(Number);
    else if (argv[i] === '--keep') args.keep = true;
    else if (argv[i] === '--repeat') args.repeat = Math.max(1, Number(argv[++i]));
    else if (argv[i] === '--meshc') MESHC = argv[++i];
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  return args;
}

/** One CLI run in a fresh process: wall, CPU, peak RSS, and which files it wrote. */
function synth(dir) {
  const report = join(dir, '.bench-report.json');
  const before = snapshot(join(dir, 'dist'));
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['--require', MEASURE, MESHC, 'synth', '--config', 'mesh.yaml', '--out', 'dist'], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, MESHC_BENCH_REPORT: report },
    maxBuffer: 64 * 1024 * 1024,
  });
  const wallSeconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (r.status !== 0) throw new Error(`meshc synth failed in ${dir} (exit ${r.status}):\n${r.stderr}`);
  const usage = JSON.parse(readFileSync(report, 'utf8'));
  rmSync(report);
  const written = writtenSince(before, snapshot(join(dir, 'dist')));
  return {
    wallSeconds,
    cpuSeconds: (usage.userMicros + usage.systemMicros) / 1e6,
    peakRssMiB: usage.maxRssKiB / 1024,
    filesWritten: written.files.length,
    bytesWritten: written.bytes,
    removed: written.removed.length,
    written: written.files,
    stdout: r.stdout.trim(),
  };
}

function benchSize(n, keep) {
  const dir = mkdtempSync(join(tmpdir(), `meshc-bench-${n}-`));
  try {
    const fleet = generateFleet(n);
    writeFileSync(join(dir, 'mesh.yaml'), fleet.text);
    for (const [path, text] of Object.entries(fleet.files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    // Writes another run left pending would otherwise be flushed, and paid for, during this one.
    spawnSync('sync');
    const cold = synth(dir);
    const noop = synth(dir);
    // One cluster changes: its istiod gets another replica floor. Only its files may be written.
    const changed = 'c' + '0'.repeat(String(n - 1).length);
    const text = fleet.text.replace(`  - name: ${changed}\n`, `  - name: ${changed}\n    controlPlane: { istiod: { autoscale: { min: 3 } } }\n`);
    if (text === fleet.text) throw new Error(`cannot find cluster ${changed} in the generated fleet`);
    writeFileSync(join(dir, 'mesh.yaml'), text);
    const one = synth(dir);

    const problems = [];
    if (noop.filesWritten !== 0 || noop.removed !== 0) problems.push(`no-op re-render wrote ${noop.filesWritten} and removed ${noop.removed} files (must be 0)`);
    const foreign = one.written.filter((p) => !p.startsWith(`${changed}/`) && p !== 'FLEET.md');
    if (one.filesWritten === 0) problems.push('the one-cluster change wrote nothing');
    if (foreign.length) problems.push(`the one-cluster change wrote files outside ${changed}/: ${foreign.slice(0, 5).join(', ')}${foreign.length > 5 ? ', ...' : ''}`);
    return { clusters: n, dir: keep ? dir : undefined, cold, noop, one, problems };
  } finally {
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
}

const fmt = (x, digits = 2) => x.toFixed(digits);

function table(results) {
  const rows = [['clusters', 'run', 'wall s', 'CPU s', 'peak RSS MiB', 'files written', 'MiB written', 'ms/cluster']];
  for (const r of results) {
    for (const [name, run] of [['cold', r.cold], ['no-op', r.noop], ['one changed', r.one]]) {
      rows.push([String(r.clusters), name, fmt(run.wallSeconds), fmt(run.cpuSeconds), fmt(run.peakRssMiB, 0), String(run.filesWritten), fmt(run.bytesWritten / 2 ** 20, 1), fmt((run.wallSeconds * 1000) / r.clusters, 1)]);
    }
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  return rows.map((row, j) => row.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ') + (j === 0 ? '\n' + widths.map((w) => '-'.repeat(w)).join('  ') : '')).join('\n');
}

function targets(results) {
  const by = new Map(results.map((r) => [r.clusters, r]));
  const lines = [];
  const h = by.get(100);
  if (h) {
    lines.push(`100 clusters: ${fmt(h.cold.wallSeconds)} s wall (target ≤ ${TARGETS.wallSeconds100}), ${fmt(h.cold.peakRssMiB, 0)} MiB peak RSS (target ≤ ${TARGETS.rssMiB100})`);
    lines.push(`100 clusters no-op: ${fmt(h.noop.wallSeconds)} s, ${h.noop.filesWritten} files written (target ≤ ${TARGETS.noopSeconds100} s, 0 files)`);
  }
  const k = by.get(1000);
  if (h && k) {
    const ratio = k.cold.wallSeconds / 1000 / (h.cold.wallSeconds / 100);
    lines.push(`cost per cluster at 1000 / at 100: ${fmt(ratio)} (target ≤ ${TARGETS.perClusterRatio})`);
  }
  return lines.join('\n');
}

const args = parseArgs(process.argv.slice(2));
const machine = { cores: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, platform: `${process.platform}-${process.arch}` };
const results = [];
for (const n of args.sizes) {
  const times = n >= 1000 ? 1 : args.repeat;
  const runs = [];
  for (let i = 0; i < times; i++) {
    process.stderr.write(`rendering ${n} clusters (${i + 1}/${times}) ...\n`);
    runs.push(benchSize(n, args.keep));
  }
  runs.sort((a, b) => a.cold.wallSeconds - b.cold.wallSeconds);
  const median = runs[Math.floor((runs.length - 1) / 2)];
  // Every repetition's checks count, not only the reported one's.
  results.push({ ...median, runs: runs.length, coldWallSeconds: runs.map((r) => r.cold.wallSeconds), problems: [...new Set(runs.flatMap((r) => r.problems))] });
}
console.log(`machine: ${machine.cores} cores (${machine.cpu}), ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.platform}`);
console.log(`meshc: ${MESHC}\n`);
console.log(table(results));
console.log(`\nmedian of ${args.repeat} runs per size below 1000 (cold wall s: ${results.filter((r) => r.runs > 1).map((r) => `${r.clusters}: ${r.coldWallSeconds.map((s) => fmt(s)).join(', ')}`).join('; ') || 'single runs'})`);
console.log(targets(results));
const problems = results.flatMap((r) => r.problems.map((p) => `${r.clusters} clusters: ${p}`));
for (const p of problems) console.log(`PROBLEM: ${p}`);
const strip = ({ written, stdout, ...run }) => run;
console.log(JSON.stringify({ machine, results: results.map((r) => ({ clusters: r.clusters, runs: r.runs, coldWallSeconds: r.coldWallSeconds, cold: strip(r.cold), noop: strip(r.noop), oneChanged: strip(r.one), problems: r.problems })) }));
process.exitCode = problems.length ? 1 : 0;
