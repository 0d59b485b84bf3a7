/**
 * The render record lets `meshc synth` skip a render only when nothing it depends on changed:
 * the fleet file, the files it names, the output folder (any touched, removed or extra file)
 * and the upgrade guard's baseline. Whatever it skips, the output is what a render would give.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main, type Io } from '../src/cli';
import { CACHE_FILE } from '../src/output/render-cache';
import { readTree } from '../src/output/tree-writer';
import { synthShortcut } from '../src/synth-shortcut';
import { HEADER } from './support/fleet';
import { LAB_ROOT } from './support/topology-fleet';
import { REPO } from './support/objects';

let work: string;
beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'meshc-cache-'));
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

const FLEET = `${HEADER}defaults:
  kubernetesVersion: "1.33"
  istio: { version: "1.30.3" }
  mesh: { dnsProxying: false }
clusters:
  - name: one
    clusterDomain: one.local
    trustDomain: one.example
  - name: two
federations:
  pair:
    members:
      - { cluster: one, gateway: { addresses: [192.0.2.1] }, rootCertificate: { file: certs/one.pem } }
      - { cluster: two, gateway: { addresses: [192.0.2.2] }, rootCertificate: { file: certs/one.pem } }
`;

function synth(args: string[] = []): { code: number; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (l) => out.push(l), err: (l) => err.push(l) };
  const code = main(['synth', '--config', join(work, 'mesh.yaml'), '--out', join(work, 'dist'), ...args], io);
  return { code, out, err };
}

/** Inode and modification time of every output file: what changes when a file is written. */
function stamps(): Map<string, string> {
  const out = new Map<string, string>();
  for (const path of readTree(join(work, 'dist')).keys()) {
    const s = statSync(join(work, 'dist', path), { bigint: true });
    out.set(path, `${s.ino}:${s.mtimeNs}`);
  }
  return out;
}

beforeEach(() => {
  mkdirSync(join(work, 'certs'));
  writeFileSync(join(work, 'certs', 'one.pem'), LAB_ROOT);
  writeFileSync(join(work, 'mesh.yaml'), FLEET);
});

describe('render record', () => {
  it('answers a synth with nothing to do from the record: same message, same warnings, nothing written', () => {
    const first = synth();
    expect(first.code).toBe(0);
    expect(first.out[0]).toMatch(/ 2 clusters rendered; /);
    // dnsProxying off in a federation: a warning the shortcut must repeat.
    expect(first.err).toHaveLength(2);
    for (const w of first.err) expect(w).toContain('has mesh.dnsProxying off');
    const before = stamps();
    const record = statSync(join(work, 'dist', CACHE_FILE)).mtimeMs;

    const second = synth();
    expect(second).toEqual({ code: 0, out: [`${join(work, 'dist')}: up to date (2 clusters)`], err: first.err });
    expect(stamps()).toEqual(before);
    expect(statSync(join(work, 'dist', CACHE_FILE)).mtimeMs).toBe(record);
    // Git never sees the record.
    expect(readFileSync(join(work, 'dist', '.gitignore'), 'utf8')).toBe(`${CACHE_FILE}\n`);
  });

  it('renders again when the fleet file or a file it names changes', () => {
    synth();
    writeFileSync(join(work, 'mesh.yaml'), FLEET.replace('  - name: two\n', '  - name: two\n    controlPlane: { istiod: { autoscale: { min: 3 } } }\n'));
    const changed = synth();
    expect(changed.out[0]).toMatch(/ 2 clusters rendered; \d+ added, \d+ changed, 0 removed/);

    synth();
    writeFileSync(join(work, 'certs', 'one.pem'), LAB_ROOT.replace('-----END CERTIFICATE-----', '-----END CERTIFICATE-----\n\n'));
    // Same certificate after trimming: the render is identical, but it had to be made to know that.
    expect(synth().out).toEqual([`${join(work, 'dist')}: up to date (2 clusters)`]);
    writeFileSync(join(work, 'certs', 'one.pem'), '-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n');
    const bad = synth();
    expect(bad.code).toBe(1);
    expect(bad.err.join('\n')).toContain('contains a PEM private key');
  });

  it('restores an output file that was edited, removed, or joined by a stranger', () => {
    synth();
    const file = join(work, 'dist', 'one', 'kustomization.yaml');
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text + '# edited\n');
    expect(synth().out[0]).toMatch(/ 0 added, 1 changed, 0 removed/);
    expect(readFileSync(file, 'utf8')).toBe(text);

    unlinkSync(file);
    expect(synth().out[0]).toMatch(/ 1 added, 0 changed, 0 removed/);
    writeFileSync(join(work, 'dist', 'one', 'stray.yaml'), 'x: 1\n');
    expect(synth().out[0]).toMatch(/ 0 added, 0 changed, 1 removed/);
    expect(synth().out[0]).toMatch(/up to date/);
  });

  it('is a shortcut of the command line only for a plain synth, and only when up to date', () => {
    const io: Io = { out: () => undefined, err: () => undefined };
    const args = ['--config', join(work, 'mesh.yaml'), '--out', join(work, 'dist')];
    expect(synthShortcut(['synth', ...args], io)).toBeUndefined();
    synth();
    const out: string[] = [];
    expect(synthShortcut(['synth', ...args], { out: (l) => out.push(l), err: () => undefined })).toBe(0);
    expect(out).toEqual([`${join(work, 'dist')}: up to date (2 clusters)`]);
    for (const other of [['check', ...args], ['synth', ...args, '--help'], ['synth', '--config'], ['synth', '--out', '--config', 'x']]) {
      expect(synthShortcut(other, io)).toBeUndefined();
    }
  });

  it('is used by the built command line, which then prints what a render would', () => {
    synth();
    const r = spawnSync(process.execPath, [join(REPO, 'bin', 'meshc.js'), 'synth', '--config', 'mesh.yaml', '--out', 'dist'], { cwd: work, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('dist: up to date (2 clusters)\n');
    expect(r.stderr).toContain('has mesh.dnsProxying off');
  });
});
