/**
 * Evaluates injection templates with Go's text/template, sprig and Istio's template functions
 * and data model, merged into the pod as istiod merges them (test/injection/harness).
 *
 * Needs Go and Debian's Go packages (GOPATH mode, no module downloads):
 *   apt-get install -y golang-go golang-github-masterminds-sprig-dev golang-k8s-sigs-yaml-dev golang-gopkg-yaml.v3-dev
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const HARNESS_DIR = resolve(__dirname, '..', 'injection', 'harness');
/** Debian installs Go libraries here; the harness builds in GOPATH mode against them. */
const GOPATH = '/usr/share/gocode';
// A private build cache keeps the build working where HOME is unset or read-only.
const GO_ENV = { ...process.env, GO111MODULE: 'off', GOPATH, GOFLAGS: '', GOCACHE: process.env.GOCACHE || join(tmpdir(), 'meshc-go-build-cache') };
const REQUIRED_GO_PACKAGES = ['github.com/Masterminds/sprig', 'sigs.k8s.io/yaml'];

export interface InjectionCase {
  /** The `config` key of the istio-sidecar-injector ConfigMap (YAML). */
  config: string;
  /** Its `values` key (JSON). */
  values: string;
  /** The `mesh` key of the istio ConfigMap (YAML). */
  meshConfig: string;
  revision: string;
  nativeSidecars: boolean;
  /** A Pod, or a workload with a pod template. */
  workload: Record<string, unknown>;
  /** Webhook path whose parameters override cluster/network (e.g. `/inject/cluster/c1/net/n1`); unset as for istioctl kube-inject. */
  injectionPath?: string;
  /** istiod's COMPLIANCE_POLICY. */
  compliancePolicy?: string;
}

/** Go toolchain and the Go packages the harness imports are installed. */
export function harnessAvailable(): boolean {
  const go = spawnSync('go', ['version'], { env: GO_ENV, encoding: 'utf8' });
  if (go.status !== 0) return false;
  return REQUIRED_GO_PACKAGES.every((p) => existsSync(join(GOPATH, 'src', p)));
}

function sourceHash(): string {
  const hash = createHash('sha256');
  for (const f of readdirSync(HARNESS_DIR).filter((n) => n.endsWith('.go')).sort()) {
    hash.update(f).update('\0').update(readFileSync(join(HARNESS_DIR, f))).update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

let built: string | undefined;

/**
 * Builds the harness once per source version into the OS temp directory and returns the
 * binary's path. Parallel test workers may race: each builds into its own directory and
 * renames the result into place, so a reader never sees a half-written binary.
 */
export function buildHarness(): string {
  if (built && existsSync(built)) return built;
  const binary = join(tmpdir(), `meshc-injection-harness-${sourceHash()}`);
  if (!existsSync(binary)) {
    const work = mkdtempSync(join(tmpdir(), 'meshc-injection-harness-build-'));
    try {
      const out = join(work, 'harness');
      const result = spawnSync('go', ['build', '-o', out, '.'], { cwd: HARNESS_DIR, env: GO_ENV, encoding: 'utf8' });
      if (result.status !== 0) {
        throw new Error(`building the injection harness failed:\n${result.stderr || result.error?.message}`);
      }
      renameSync(out, binary);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  built = binary;
  return binary;
}

/** Injects the workload; throws with the harness's message when istiod would have failed. */
export function inject(c: InjectionCase): Record<string, unknown> {
  const binary = buildHarness();
  const dir = mkdtempSync(join(tmpdir(), 'meshc-injection-case-'));
  try {
    const input = join(dir, 'input.json');
    writeFileSync(input, JSON.stringify(c));
    let stdout: string;
    try {
      stdout = execFileSync(binary, [input], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new Error((e.stderr ?? '').trim() || e.message);
    }
    return JSON.parse(stdout) as Record<string, unknown>;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
