import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot, restarterScript } from '../src/restarter/bundle';

const root = join(__dirname, '..');
let dir: string;
let bundle: string;

function bundleInto(outfile: string): string {
  return execFileSync(process.execPath, [join(root, 'scripts', 'bundle-restarter.mjs'), '--outfile', outfile], { cwd: root, encoding: 'utf8' });
}

/** Runs the bundle as the Job does, outside any cluster. */
function runBundle(args: string[]) {
  const env = { ...process.env };
  delete env.KUBERNETES_SERVICE_HOST;
  return spawnSync(process.execPath, [bundle, ...args], { encoding: 'utf8', env });
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'meshc-bundle-'));
  bundle = join(dir, 'a', 'restarter.js');
  bundleInto(bundle);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('restarter bundle', () => {
  it('is one small file that needs nothing but node: builtins', () => {
    expect(readdirSync(join(dir, 'a'))).toEqual(['restarter.js']);
    const text = readFileSync(bundle, 'utf8');
    expect(text.split('\n')[0]).toBe('// meshc data-plane restarter — generated from src/restarter; do not edit');
    const required = [...text.matchAll(/\brequire\(\s*(["'`])([^"'`]*)\1\s*\)/g)].map((m) => m[2]);
    expect(required.length).toBeGreaterThan(0);
    expect(required.filter((r) => !r!.startsWith('node:'))).toEqual([]);
    // No require of a computed name either.
    expect(text.match(/\brequire\(/g)).toHaveLength(required.length);
    expect(Buffer.byteLength(text)).toBeLessThan(60 * 1024);
    expect(text).not.toContain(root);
  });

  it('is byte-identical when built again', () => {
    const again = join(dir, 'b', 'restarter.js');
    bundleInto(again);
    expect(readFileSync(again).equals(readFileSync(bundle))).toBe(true);
  });

  it('exits non-zero with a clear message when its config is missing or wrong', () => {
    const missing = runBundle(['--config', join(dir, 'absent.json')]);
    expect(missing.status).toBe(1);
    expect(missing.stdout).toBe(`restarter: config file ${join(dir, 'absent.json')} not found\n`);

    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ cluster: 'x', revisions: [], tags: {}, initContainer: 'istio-cni', batches: { size: 0 } }));
    const invalid = runBundle(['--config', bad]);
    expect(invalid.status).toBe(1);
    expect(invalid.stdout).toContain(`${bad}: invalid restarter configuration:`);
    expect(invalid.stdout).toContain('initContainer: expected "istio-init" or "istio-validation"');
    expect(invalid.stdout).toContain('batches.size: expected a whole number of at least 1');

    const usage = runBundle(['--confg', bad]);
    expect(usage.status).toBe(2);
    expect(usage.stdout).toContain('usage: node restarter.js --config FILE [--dry-run]');
  });

  it('refuses to run outside a pod', () => {
    const good = join(dir, 'good.json');
    writeFileSync(
      good,
      JSON.stringify({
        cluster: 'x',
        revisions: [{ name: 'default', version: '1.30.3', proxyImage: 'docker.io/istio/proxyv2:1.30.3' }],
        tags: {},
        initContainer: 'istio-init',
        restartAnnotation: 'a/b',
        namespaceOptOutLabel: 'a/c',
        workloadOptOutAnnotation: 'a/c',
        window: { days: ['Mon'], start: '22:00', end: '02:00', timeZone: 'Europe/Berlin' },
        batches: { size: 1, maxPerNamespace: 1, maxPerRun: 1, readinessTimeoutSeconds: 60 },
        deleteBarePods: false,
      }),
    );
    const result = runBundle(['--config', good, '--dry-run']);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('restarter: not running in a Kubernetes pod: KUBERNETES_SERVICE_HOST is not set\n');
  });
});

describe('restarterScript', () => {
  it('finds the package root from its own folder', () => {
    expect(packageRoot()).toBe(root);
    expect(packageRoot(join(root, 'build', 'src', 'restarter'))).toBe(root);
  });

  it('reads the built bundle, and says how to build it when it is missing', () => {
    const fake = mkdtempSync(join(tmpdir(), 'meshc-root-'));
    try {
      expect(() => restarterScript(fake)).toThrow('the data-plane restarter is not built (build/restarter/restarter.js is missing): run npm run build');
      mkdirSync(join(fake, 'build', 'restarter'), { recursive: true });
      writeFileSync(join(fake, 'build', 'restarter', 'restarter.js'), '// bundle\n');
      expect(restarterScript(fake)).toBe('// bundle\n');
    } finally {
      rmSync(fake, { recursive: true, force: true });
    }
  });
});
