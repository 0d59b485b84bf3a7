/**
 * Upstream Istio's istioctl (built by test/e2e/toolchain.ts), run on rendered objects exactly as a
 * user would run it on meshc's output: `istioctl validate -f <folder>` on the files meshc writes
 * and `istioctl analyze --use-kube=false` on a cluster's whole bundle. Its answers are parsed into
 * data, so that a test can hold them to an exact list.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { LATEST_ISTIO } from '../../src/catalog/versions';
import type { ClusterConfig } from '../../src/config/cluster-config';
import { renderClusterObjects } from '../../src/render/render';
import { toYaml } from '../../src/render/yaml';
import { judgeFor, tool } from '../e2e/toolchain';

/**
 * The istioctl of the newest catalog release judges every cluster: istioctl ships the validation
 * and analyzers of its own release only, and older releases have no judge the tests can build
 * (test/e2e/toolchain.ts, ISTIO_JUDGES). On a cluster running an older revision it still checks
 * the objects against the newest rules, which those releases' objects must also meet to upgrade.
 */
export function istioctl(): string {
  return tool(judgeFor(LATEST_ISTIO.version).toolchain, 'istioctl');
}

function run(args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(istioctl(), args, {
    encoding: 'utf8',
    // No kubeconfig, no cluster: istioctl judges the files alone.
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/nonexistent', KUBECONFIG: '/nonexistent', TERM: 'dumb' },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export interface WrittenCluster {
  readonly cluster: ClusterConfig;
  /** The cluster's folder: one file per object, at the path meshc writes it to. */
  readonly dir: string;
  /** Every object in one multi-document file, in apply order. */
  readonly bundle: string;
  /** The `mesh` key of the mesh ConfigMap istiod reads by default, when the cluster renders one. */
  readonly meshConfig?: string;
  readonly files: readonly string[];
  readonly manifests: readonly Manifest[];
}

type Manifest = Record<string, any>;

/** Writes a cluster's objects as meshc writes them (the version record, not a manifest, left out), and its bundle. */
export function writeCluster(root: string, cluster: ClusterConfig): WrittenCluster {
  const dir = join(root, cluster.name);
  const objects = renderClusterObjects(cluster);
  const files: string[] = [];
  for (const o of objects) {
    const file = join(dir, o.path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, toYaml(o.manifest));
    files.push(file);
  }
  const bundle = join(root, `${cluster.name}.bundle.yaml`);
  writeFileSync(bundle, objects.map((o) => toYaml(o.manifest)).join('---\n'));
  // The unrevisioned ConfigMap `istio` is what istiod of the default revision, and istioctl
  // against a live cluster, read; a cluster with only named revisions keeps its own per revision.
  const manifests = objects.map((o) => o.manifest as Manifest);
  const meshConfigMap = manifests.find((m) => m.kind === 'ConfigMap' && m.metadata.name === 'istio' && m.metadata.namespace === cluster.controlPlane.namespace && m.data?.mesh !== undefined);
  let meshConfig: string | undefined;
  if (meshConfigMap) {
    meshConfig = join(root, `${cluster.name}.mesh.yaml`);
    writeFileSync(meshConfig, meshConfigMap.data!.mesh);
  }
  return { cluster, dir, bundle, meshConfig, files, manifests };
}

export interface ValidateResult {
  /** Relative to the folder given, for every file istioctl read: `valid` or its warnings. */
  readonly files: ReadonlyMap<string, 'valid' | readonly string[]>;
  /** The errors istioctl reports (it then lists only the files with warnings). */
  readonly errors: readonly string[];
  /** Anything else istioctl printed: findings without a file, such as Deployments without telemetry labels. */
  readonly other: readonly string[];
  readonly status: number | null;
}

/**
 * `istioctl validate` on several folders in one process, with `istioNamespace` as the control-plane
 * namespace (istioctl skips its Services' port names, as istiod's own ports follow no convention).
 */
export function validate(root: string, dirs: readonly string[], istioNamespace: string): ValidateResult {
  const r = run(['validate', '--istioNamespace', istioNamespace, ...dirs.flatMap((d) => ['-f', d])]);
  const files = new Map<string, 'valid' | string[]>();
  const errors: string[] = [];
  const other: string[] = [];
  let warningsOf: string[] | undefined;
  let inErrors = false;
  for (const line of `${r.stdout}\n${r.stderr}`.split('\n')) {
    if (line.trim() === '') continue;
    const valid = /^"(.+)" is valid$/.exec(line);
    const warned = /^"(.+)" has warnings: $/.exec(line);
    const item = /^\t\* (.*)$/.exec(line);
    if (valid) {
      files.set(relative(root, valid[1]), 'valid');
      inErrors = false;
    } else if (warned) {
      warningsOf = [];
      files.set(relative(root, warned[1]), warningsOf);
      inErrors = false;
    } else if (/^Error: \d+ errors? occurred:$/.test(line)) {
      inErrors = true;
    } else if (item && inErrors) {
      errors.push(item[1]);
    } else if (item && warningsOf) {
      warningsOf.push(item[1]);
    } else {
      other.push(line);
    }
  }
  return { files, errors, other, status: r.status };
}

export interface AnalyzeMessage {
  readonly code: string;
  readonly level: string;
  /** `<Kind> <namespace>/<name>`. */
  readonly origin: string;
  readonly message: string;
}

export interface AnalyzeResult {
  readonly messages: readonly AnalyzeMessage[];
  /** What istioctl logged besides its findings, e.g. warnings about the mesh configuration it read. */
  readonly logs: readonly string[];
  readonly stderr: string;
  readonly status: number | null;
}

/** `istioctl analyze` with every analyzer on one cluster's bundle, files only, all namespaces. */
export function analyze(written: WrittenCluster): AnalyzeResult {
  const args = ['analyze', '--use-kube=false', '--all-namespaces', '--output', 'json', '--istioNamespace', written.cluster.controlPlane.namespace];
  if (written.meshConfig) args.push('--meshConfigFile', written.meshConfig);
  const r = run([...args, written.bundle]);
  // Log lines come first; the findings are the JSON list after them.
  const lines = r.stdout.split('\n');
  const start = lines.findIndex((l) => l.startsWith('['));
  const logs = (start < 0 ? lines : lines.slice(0, start)).filter((l) => l.trim() !== '');
  const messages = start < 0 ? [] : (JSON.parse(lines.slice(start).join('\n')) as AnalyzeMessage[]);
  return { messages: messages.map(({ code, level, origin, message }) => ({ code, level, origin, message })), logs, stderr: r.stderr, status: r.status };
}
