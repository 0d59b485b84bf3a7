/**
 * Upstream programs the tests run: Kubernetes' API server and controller manager, etcd, Flux's
 * apply code, and Istio's istiod, istioctl and injection webhook. Each comes from a Go module
 * under test/e2e/ with pinned versions (go.mod, go.sum), built once per module content into a
 * cache outside the repository and reused while nothing in it changes.
 *
 * Cache: $MESHC_E2E_CACHE, else $XDG_CACHE_HOME/meshc-e2e, else ~/.cache/meshc-e2e. Go's own
 * build and module caches are used as they are configured (GOCACHE, GOMODCACHE), so a warm
 * machine rebuilds only what changed. Nothing is downloaded except through the Go module proxy.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, relative, resolve } from 'node:path';

const E2E_DIR = __dirname;

export interface Toolchain {
  /** Folder of the Go module, relative to test/e2e. */
  readonly module: string;
  /** Binary name → Go package (an import path, or ./cmd/... inside the module). */
  readonly binaries: Readonly<Record<string, string>>;
  /** Linker flags, e.g. the version stamp upstream's release builds set. */
  readonly ldflags?: string;
}

/**
 * The Istio code that judges each catalog release, and how close it is to that release. Only
 * commits the Go module proxy serves can be built here (see docs/testing.md).
 */
export interface IstioJudge {
  readonly toolchain: string;
  /** The upstream commit built, as go.mod pins it. */
  readonly commit: string;
  /** What it is, for messages and docs. */
  readonly describes: string;
}

const ISTIO_BINARIES = {
  'pilot-discovery': 'istio.io/istio/pilot/cmd/pilot-discovery',
  istioctl: 'istio.io/istio/istioctl/cmd/istioctl',
  'istio-inject': './cmd/istio-inject',
};

export const TOOLCHAINS: Readonly<Record<string, Toolchain>> = {
  kube: {
    module: 'kube',
    binaries: {
      'kube-apiserver': 'k8s.io/kubernetes/cmd/kube-apiserver',
      'kube-controller-manager': 'k8s.io/kubernetes/cmd/kube-controller-manager',
      etcd: './cmd/etcd',
    },
  },
  // Its own module: Flux's libraries follow newer Kubernetes client libraries than the server above.
  flux: {
    module: 'flux',
    binaries: { 'flux-apply': './cmd/flux-apply' },
  },
  'istio-1.30': {
    module: 'istio',
    binaries: ISTIO_BINARIES,
    // istiod reports this as its version (and proxies compare theirs with it).
    ldflags: '-X istio.io/istio/pkg/version.buildVersion=1.30.3',
  },
};

/** Catalog release → the upstream Istio code the tests run for it. */
export const ISTIO_JUDGES: Readonly<Record<string, IstioJudge>> = {
  '1.30.3': {
    toolchain: 'istio-1.30',
    commit: '9739e10eb9d7',
    describes: 'istio/istio release-1.30 at 9739e10eb9d7 (2026-08-26, after 1.30.3), the newest 1.30 commit the Go module proxy serves',
  },
};

export function judgeFor(istioVersion: string): IstioJudge {
  const judge = ISTIO_JUDGES[istioVersion];
  if (!judge) {
    throw new Error(`no upstream Istio code to run for ${istioVersion}: the Go module proxy serves none of its commits (docs/testing.md)`);
  }
  return judge;
}

/**
 * The istiod a live test runs for a revision: its release's own judge, or, for a release with
 * none, the newest judge standing in (`standIn` set), so that a cluster running such a revision
 * beside others can still be brought up. What a stand-in shows is about the render, not about
 * that release's istiod.
 */
export function istiodFor(istioVersion: string): IstioJudge & { readonly standIn: boolean } {
  const own = ISTIO_JUDGES[istioVersion];
  if (own) return { ...own, standIn: false };
  const newest = Object.keys(ISTIO_JUDGES).sort(compareVersions).pop()!;
  return { ...ISTIO_JUDGES[newest], standIn: true };
}

function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

export function cacheRoot(): string {
  if (process.env.MESHC_E2E_CACHE) return resolve(process.env.MESHC_E2E_CACHE);
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'meshc-e2e');
}

function filesOf(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesOf(path));
    else if (/\.(go|mod|sum)$/.test(entry.name)) out.push(path);
  }
  return out.sort();
}

let goVersion: string | undefined;
function goVersionLine(): string {
  if (goVersion === undefined) {
    const r = spawnSync('go', ['version'], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`the tests need Go on the PATH (go version failed: ${r.stderr || r.error?.message})`);
    goVersion = r.stdout.trim();
  }
  return goVersion;
}

/** Content key of a toolchain: its module's sources, its build settings and the Go version. */
function toolchainKey(name: string): string {
  const tc = TOOLCHAINS[name];
  const dir = join(E2E_DIR, tc.module);
  const hash = createHash('sha256');
  hash.update(goVersionLine()).update('\0').update(JSON.stringify(tc)).update('\0');
  for (const file of filesOf(dir)) hash.update(relative(dir, file)).update('\0').update(readFileSync(file)).update('\0');
  return hash.digest('hex').slice(0, 16);
}

function binDir(name: string): string {
  return join(cacheRoot(), `${name}-${toolchainKey(name)}`);
}

/** Path of a built binary; throws (naming the build step) when it has not been built. */
export function tool(toolchain: string, binary: string): string {
  const path = join(binDir(toolchain), binary);
  if (!existsSync(path)) {
    throw new Error(`${binary} of ${toolchain} is not built at ${path}; the test run builds it in its global setup (test/e2e/global-setup.ts)`);
  }
  return path;
}

export interface BuildReport {
  readonly toolchain: string;
  readonly dir: string;
  readonly built: boolean;
  readonly seconds: number;
}

/**
 * Builds a toolchain unless its binaries for this content are cached. Builds into a temporary
 * folder beside the final one and renames it into place, so concurrent runs never see half a set.
 */
export function ensureBuilt(name: string): BuildReport {
  const tc = TOOLCHAINS[name];
  const started = Date.now();
  const target = binDir(name);
  const names = Object.keys(tc.binaries);
  if (names.every((b) => existsSync(join(target, b)))) {
    return { toolchain: name, dir: target, built: false, seconds: 0 };
  }
  mkdirSync(cacheRoot(), { recursive: true });
  const staging = `${target}.tmp-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const moduleDir = join(E2E_DIR, tc.module);
  // One `go build` per binary: a multi-package `go build -o dir/` works too, but a failure
  // then names no binary.
  for (const [binary, pkg] of Object.entries(tc.binaries)) {
    const args = ['build', '-mod=readonly', '-trimpath', '-ldflags', `-s -w ${tc.ldflags ?? ''}`.trim(), '-o', join(staging, binary), pkg];
    const r = spawnSync('go', args, {
      cwd: moduleDir,
      encoding: 'utf8',
      env: { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-buildvcs=false' },
      maxBuffer: 64 * 1024 * 1024,
    });
    if (r.status !== 0) {
      rmSync(staging, { recursive: true, force: true });
      throw new Error(`building ${binary} (${pkg}) in test/e2e/${tc.module} failed:\n${r.stderr || r.error?.message}`);
    }
  }
  writeFileSync(join(staging, 'BUILT'), `${goVersionLine()}\n${new Date(started).toISOString()}\n`);
  try {
    renameSync(staging, target);
  } catch (err) {
    // Another run finished the same build first: keep theirs.
    rmSync(staging, { recursive: true, force: true });
    if (!existsSync(target) || !statSync(target).isDirectory()) throw err;
  }
  pruneStale(name, target);
  return { toolchain: name, dir: target, built: true, seconds: (Date.now() - started) / 1000 };
}

/** Removes this toolchain's builds for older module contents (they are hundreds of MB each). */
function pruneStale(name: string, keep: string): void {
  for (const entry of readdirSync(cacheRoot())) {
    const path = join(cacheRoot(), entry);
    if (path !== keep && entry.startsWith(`${name}-`) && !entry.includes('.tmp-')) {
      rmSync(path, { recursive: true, force: true });
    }
  }
}

/** Where Go's module cache holds a module a toolchain requires (its source and test data), e.g. istio.io/istio. */
export function moduleDir(toolchain: string, modulePath: string): string {
  const r = spawnSync('go', ['list', '-m', '-f', '{{.Dir}}', modulePath], { cwd: join(E2E_DIR, TOOLCHAINS[toolchain].module), encoding: 'utf8' });
  const dir = r.stdout?.trim();
  if (r.status !== 0 || !dir) throw new Error(`go list -m ${modulePath} in test/e2e/${TOOLCHAINS[toolchain].module} failed: ${r.stderr}`);
  return dir;
}
