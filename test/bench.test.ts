/**
 * The benchmark's own correctness (its figures are reported by `npm run bench`, never asserted
 * here): the synthetic fleet is a valid fleet with what the benchmark promises, the snapshot
 * sees every kind of write, and a small run passes the benchmark's checks: a no-op re-render
 * writes nothing and a one-cluster change writes only that cluster's files.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadFleetText } from '../src/pipeline';
import { renderClusterObjects } from '../src/render/render';
import { REPO } from './support/objects';

const node = (script: string, args: string[] = []) => {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script, ...args], { cwd: REPO, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout;
};

describe('benchmark', () => {
  it('generates a valid fleet: control plane, two gateways, 50 namespaces of policies, mesh pairs and a federation', () => {
    const { text, files } = JSON.parse(node("import { generateFleet } from './bench/generate-fleet.mjs'; process.stdout.write(JSON.stringify(generateFleet(6)));"));
    const { fleet } = loadFleetText('mesh.yaml', text, { readFile: (p: string) => files[p] });
    expect(fleet.clusters).toHaveLength(6);
    const c0 = fleet.clusters[0];
    expect(c0.gateways.gateways.filter((g) => g.role === 'ingress' || g.role === 'egress')).toHaveLength(2);
    const objects = renderClusterObjects(c0).map((o) => o.manifest as { kind: string; metadata: { namespace?: string } });
    const inApps = objects.filter((o) => o.metadata.namespace?.startsWith('app-'));
    expect(inApps.filter((o) => o.kind === 'PeerAuthentication')).toHaveLength(50);
    expect(inApps.filter((o) => o.kind === 'AuthorizationPolicy')).toHaveLength(150);
    expect(fleet.clusters.map((c) => c.wiring.multicluster?.mesh)).toEqual(['pair-0', 'pair-0', 'pair-1', 'pair-1', 'pair-2', 'pair-2']);
    // One member per pair (members need their own domains): 3 members, 20 exports each.
    expect(fleet.clusters.filter((c) => c.wiring.federation).map((c) => c.name)).toEqual(['c0', 'c2', 'c4']);
    expect(c0.wiring.federation!.exported).toHaveLength(20);
    expect(c0.wiring.federation!.imported).toHaveLength(40);
  });

  it('counts a file as written when it is new, rewritten in place or replaced, and not otherwise', () => {
    const dir = mkdtempSync(join(tmpdir(), 'meshc-snapshot-'));
    try {
      writeFileSync(join(dir, 'same'), 'a');
      writeFileSync(join(dir, 'edited'), 'a');
      writeFileSync(join(dir, 'gone'), 'a');
      const out = node(
        `import { snapshot, writtenSince } from './bench/tree-snapshot.mjs';
         import { writeFileSync, unlinkSync, renameSync } from 'node:fs';
         const dir = process.argv[1];
         const before = snapshot(dir);
         await new Promise((r) => setTimeout(r, 20));
         writeFileSync(dir + '/edited', 'b');
         writeFileSync(dir + '/new', 'c');
         unlinkSync(dir + '/gone');
         process.stdout.write(JSON.stringify(writtenSince(before, snapshot(dir))));`,
        [dir],
      );
      expect(JSON.parse(out)).toEqual({ files: ['edited', 'new'], bytes: 2, removed: ['gone'] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs a small fleet end to end and finds nothing wrong with the no-op and one-cluster re-renders', () => {
    const r = spawnSync(process.execPath, ['bench/run.mjs', '--sizes', '4', '--repeat', '1'], { cwd: REPO, encoding: 'utf8' });
    expect(r.stderr).toContain('rendering 4 clusters (1/1)');
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    const [size] = report.results;
    expect(size.clusters).toBe(4);
    expect(size.problems).toEqual([]);
    expect(size.cold.filesWritten).toBeGreaterThan(4 * 250);
    expect(size.noop.filesWritten).toBe(0);
    expect(size.noop.removed).toBe(0);
    expect(size.oneChanged.filesWritten).toBeGreaterThan(0);
    expect(size.oneChanged.filesWritten).toBeLessThan(10);
    expect(report.machine.cores).toBeGreaterThan(0);
    expect(r.stdout).toMatch(/clusters +run +wall s +CPU s +peak RSS MiB +files written +MiB written +ms\/cluster/);
  });
});
