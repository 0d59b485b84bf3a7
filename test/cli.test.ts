/**
 * The `meshc` command as users and CI run it: the built bin in a fresh process.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readTree } from '../src/output/tree-writer';
import { singleCluster } from './support/fleet';
import { copyExampleFleet, REPO } from './support/objects';

const BIN = join(REPO, 'bin', 'meshc.js');
let work: string;
beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'meshc-cli-'));
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

function meshc(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: work, encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('meshc CLI', () => {
  it('prints its version and help', () => {
    expect(meshc(['--version'])).toMatchObject({ code: 0, stdout: `${require('../package.json').version}\n` });
    const help = meshc(['--help']);
    expect(help.code).toBe(0);
    for (const cmd of ['synth', 'validate', 'check', 'diff', 'schema']) expect(help.stdout).toContain(`  ${cmd}`);
    for (const cmd of ['synth', 'validate', 'check', 'diff', 'schema']) {
      const r = meshc([cmd, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`Usage: meshc ${cmd}`);
    }
  });

  it('exits 2 on usage errors', () => {
    expect(meshc([]).code).toBe(2);
    expect(meshc(['synthesize'])).toMatchObject({ code: 2, stderr: expect.stringContaining('unknown command "synthesize"') });
    expect(meshc(['synth', '--confg', 'x'])).toMatchObject({ code: 2, stderr: expect.stringContaining('unknown option --confg') });
    expect(meshc(['synth', '--config'])).toMatchObject({ code: 2, stderr: expect.stringContaining('option --config needs a value') });
  });

  it('renders mesh.yaml into dist by default', () => {
    copyExampleFleet(work);
    const r = meshc(['synth']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^dist: 4 clusters rendered; \d+ added, 0 changed, 0 removed\n$/);
    expect(r.stderr).toBe('');
    expect(readTree(join(work, 'dist')).has('prod-eu-west/control-plane/istio-system/deployment-istiod.yaml')).toBe(true);
    expect(meshc(['synth']).stdout).toBe('dist: up to date (4 clusters)\n');
  });

  it('validate reports a valid fleet and writes nothing', () => {
    writeFileSync(join(work, 'fleet.yaml'), singleCluster());
    const r = meshc(['validate', '--config', 'fleet.yaml']);
    expect(r).toMatchObject({ code: 0, stdout: 'fleet.yaml: valid (one)\n', stderr: '' });
    expect(readTree(work).size).toBe(1);
  });

  it('on bad input exits 1, names file, line and field, and leaves dist untouched', () => {
    writeFileSync(join(work, 'fleet.yaml'), singleCluster());
    expect(meshc(['synth', '--config', 'fleet.yaml', '--out', 'out']).code).toBe(0);
    const before = readTree(join(work, 'out'));
    writeFileSync(join(work, 'fleet.yaml'), singleCluster('    security: { meshMtls: strict }\n'));
    const r = meshc(['synth', '--config', 'fleet.yaml', '--out', 'out']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('fleet.yaml:8:27: error: clusters[0].security.meshMtls: "strict" is not one of STRICT, PERMISSIVE, off; did you mean "STRICT"?');
    expect(r.stderr).toContain('1 error; nothing was written');
    expect(readTree(join(work, 'out'))).toEqual(before);
  });

  it('exits 1 for a missing fleet file', () => {
    const r = meshc(['validate', '--config', 'nope.yaml']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('nope.yaml:1:1: error: cannot read the fleet file: no such file');
  });

  it('check exits 1 and lists stale files until synth runs', () => {
    writeFileSync(join(work, 'mesh.yaml'), singleCluster());
    meshc(['synth']);
    expect(meshc(['check'])).toMatchObject({ code: 0, stdout: 'dist: up to date\n' });
    writeFileSync(join(work, 'mesh.yaml'), singleCluster('', { name: 'two' }));
    const r = meshc(['check']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('missing   dist/two/kustomization.yaml');
    expect(r.stderr).toContain('extra     dist/one/kustomization.yaml');
    meshc(['synth']);
    expect(readTree(join(work, 'dist')).has('one/kustomization.yaml')).toBe(false);
    expect(meshc(['check']).code).toBe(0);
  });

  it('check fails on a hand-edited file and names it', () => {
    writeFileSync(join(work, 'mesh.yaml'), singleCluster());
    meshc(['synth']);
    const file = join(work, 'dist', 'one', 'control-plane', 'istio-system', 'deployment-istiod.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('--keepaliveMaxServerConnectionAge', '--keepaliveMaxServerConnectionAgeX'));
    const r = meshc(['check']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('differs   dist/one/control-plane/istio-system/deployment-istiod.yaml');
  });

  it('authz check decides from the example fleet\'s rendered policies', () => {
    copyExampleFleet(work);
    const allowed = meshc(['authz', 'check', '--cluster', 'prod-eu-west', '--from', 'payments/api', '--to', 'shop/cart', '--path', '/items']);
    expect(allowed.code).toBe(0);
    expect(allowed.stdout).toContain('ALLOWED: ALLOW policy shop/allow-service-accounts rule 0 matched');
    const denied = meshc(['authz', 'check', '--cluster', 'prod-eu-west', '--from', 'billing/worker', '--to', 'shop/cart']);
    expect(denied.code).toBe(1);
    expect(denied.stdout).toMatch(/^DENIED: no ALLOW policy matched/);
    const admin = meshc(['authz', 'check', '--cluster', 'prod-eu-west', '--from', '203.0.113.9', '--to', 'shop/cart', '--path', '/admin/users']);
    expect(admin.code).toBe(1);
    expect(admin.stdout).toContain('shop/block-admin-from-outside');
  });

  it('the example fleet is clean: no static check fires', () => {
    copyExampleFleet(work);
    expect(meshc(['validate'])).toMatchObject({ code: 0, stderr: '' });
  });

  it('refuses to overwrite a folder it did not write', () => {
    writeFileSync(join(work, 'mesh.yaml'), singleCluster());
    const r = meshc(['synth', '--out', '.']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('refusing to replace .');
  });

  it('renders byte-identical output in any time zone and locale', () => {
    copyExampleFleet(work);
    meshc(['synth', '--out', 'a'], { TZ: 'Pacific/Chatham', LANG: 'tr_TR.UTF-8', LC_ALL: 'tr_TR.UTF-8' });
    meshc(['synth', '--out', 'b'], { TZ: 'UTC', LANG: 'C', LC_ALL: 'C' });
    const a = readTree(join(work, 'a'));
    expect(a.size).toBeGreaterThan(10);
    expect(readTree(join(work, 'b'))).toEqual(a);
  });
});
