/**
 * The upgrade guard: the rules as a pure function, their messages at the fleet file's line, the
 * explicit consent, and the baseline read from Git (HEAD, --base) or from the output folder.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findRelease, type IstioRelease } from '../src/catalog/versions';
import { InputError, formatDiagnostic } from '../src/config/diagnostic';
import type { IstioInstall, RevisionConfig } from '../src/config/resolve-istio';
import { main } from '../src/cli';
import { upgradeViolations } from '../src/lifecycle/upgrade-guard';
import { parseVersionRecord, serializeVersionRecord, VERSION_RECORD_FILE, type VersionRecord } from '../src/lifecycle/version-record';
import { loadFleetText } from '../src/pipeline';
import { HEADER } from './support/fleet';

/** A release as the guard sees it; versions outside the catalog let the rules be tested ahead of time. */
const release = (version: string): IstioRelease => findRelease(version) ?? ({ version, minor: version.split('.').slice(0, 2).join('.') } as IstioRelease);
const rev = (name: string, version: string): RevisionConfig => ({ name, release: release(version), compatibilityEnv: {}, proxyImage: `hub/proxyv2:${version}`, path: ['istio', 'revisions', 0] });
const install = (...revs: RevisionConfig[]): IstioInstall => ({ release: revs[revs.length - 1].release, hub: 'hub', proxyImageName: 'proxyv2', revisions: revs, tags: [] });
const record = (...revs: [string, string][]): VersionRecord => ({ cluster: 'c1', revisions: revs.map(([name, version]) => ({ name, version })), tags: {} });
const kinds = (prev: VersionRecord, next: IstioInstall) => upgradeViolations(prev, next).map((v) => `${v.kind} ${v.revision.name} ${v.from}→${v.to}`);

describe('guard rules', () => {
  it('lets an in-place upgrade move one minor (and any patch), not two', () => {
    expect(kinds(record(['default', '1.29.6']), install(rev('default', '1.30.3')))).toEqual([]);
    expect(kinds(record(['default', '1.30.1']), install(rev('default', '1.30.3')))).toEqual([]);
    expect(kinds(record(['default', '1.28.10']), install(rev('default', '1.30.3')))).toEqual(['skip default 1.28.10→1.30.3']);
  });

  it('lets a canary beside running revisions move two minors from the oldest, not three', () => {
    expect(kinds(record(['1-28-10', '1.28.10']), install(rev('1-28-10', '1.28.10'), rev('1-30-3', '1.30.3')))).toEqual([]);
    expect(kinds(record(['1-28-10', '1.28.10']), install(rev('1-28-10', '1.28.10'), rev('1-31-0', '1.31.0')))).toEqual(['skip 1-31-0 1.28.10→1.31.0']);
    expect(kinds(record(['a', '1.28.10'], ['b', '1.29.6']), install(rev('b', '1.29.6'), rev('c', '1.31.0')))).toEqual(['skip c 1.28.10→1.31.0']);
  });

  it('treats a new revision replacing every old one as in place', () => {
    expect(kinds(record(['default', '1.29.6']), install(rev('1-30-3', '1.30.3')))).toEqual([]);
    expect(kinds(record(['default', '1.28.10']), install(rev('1-30-3', '1.30.3')))).toEqual(['skip 1-30-3 1.28.10→1.30.3']);
  });

  it('refuses downgrades (in place, by patch, or a new revision older than the newest running) and major changes', () => {
    expect(kinds(record(['default', '1.30.3']), install(rev('default', '1.29.6')))).toEqual(['downgrade default 1.30.3→1.29.6']);
    expect(kinds(record(['default', '1.30.3']), install(rev('default', '1.30.2')))).toEqual(['downgrade default 1.30.3→1.30.2']);
    expect(kinds(record(['1-30-3', '1.30.3']), install(rev('1-29-6', '1.29.6'), rev('1-30-3', '1.30.3')))).toEqual(['downgrade 1-29-6 1.30.3→1.29.6']);
    expect(kinds(record(['default', '1.30.3']), install(rev('default', '2.0.0')))).toEqual(['major default 1.30.3→2.0.0']);
  });

  it('allows rolling a canary back by removing it, and changing nothing', () => {
    expect(kinds(record(['1-29-6', '1.29.6'], ['1-30-3', '1.30.3']), install(rev('1-29-6', '1.29.6')))).toEqual([]);
    expect(kinds(record(['default', '1.30.3']), install(rev('default', '1.30.3')))).toEqual([]);
  });
});

const fleetAt = (istio: string) => `${HEADER}clusters:\n  - name: c1\n    kubernetesVersion: "1.32"\n    istio:\n${istio}`;
const previous = new Map([['c1', record(['default', '1.28.10'])]]);

function diagnostics(text: string, prev = previous) {
  try {
    const loaded = loadFleetText('mesh.yaml', text, { previous: prev, baseline: 'dist at HEAD' });
    return { errors: [] as string[], warnings: loaded.warnings.map(formatDiagnostic), fleet: loaded.fleet };
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    return { errors: err.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic), warnings: [], fleet: undefined };
  }
}

describe('guard in the fleet file', () => {
  it('names the cluster, both versions and the line, and says how to consent', () => {
    expect(diagnostics(fleetAt('      version: "1.30.3"\n')).errors).toEqual([
      'mesh.yaml:7:16: error: clusters[0].istio.version: cluster "c1": Istio 1.28.10 → 1.30.3 moves 2 minor versions in place; an in-place upgrade may move one (add the new version as a canary revision beside the old one, which may move two) (compared with dist at HEAD). To do it anyway, set istio.allowVersionChange: { from: "1.28.10", to: "1.30.3", reason: "..." }',
    ]);
  });

  it('points at the revision entry of a refused canary', () => {
    const prev = new Map([['c1', record(['default', '1.30.3'])]]);
    const out = diagnostics(fleetAt('      revisions:\n        - { name: default, version: "1.30.3" }\n        - version: "1.29.6"\n'), prev);
    expect(out.errors).toEqual([expect.stringMatching(/^mesh\.yaml:9:20: error: clusters\[0\]\.istio\.revisions\[1\]\.version: cluster "c1": revision 1-29-6: Istio 1\.30\.3 → 1\.29\.6 is a downgrade/)]);
  });

  it('accepts exactly the consented change and records it with its reason', () => {
    const consent = '      allowVersionChange: { from: "1.28.10", to: "1.30.3", reason: "1.29 never reached this cluster; tested on staging" }\n';
    const ok = diagnostics(fleetAt(`      version: "1.30.3"\n${consent}`));
    expect(ok.errors).toEqual([]);
    expect(ok.fleet!.clusters[0].istio.versionChange).toEqual({ from: '1.28.10', to: '1.30.3', reason: '1.29 never reached this cluster; tested on staging' });
    const other = diagnostics(fleetAt(`      version: "1.30.3"\n${consent.replace('1.28.10', '1.29.6')}`));
    expect(other.errors).toHaveLength(1);
  });

  it('warns about a consent that is no longer needed and does not record it', () => {
    const prev = new Map([['c1', record(['default', '1.30.3'])]]);
    const out = diagnostics(fleetAt('      version: "1.30.3"\n      allowVersionChange: { from: "1.28.10", to: "1.30.3", reason: "skipped 1.29 on purpose" }\n'), prev);
    expect(out.warnings).toEqual([
      'mesh.yaml:8:27: warning: clusters[0].istio.allowVersionChange: cluster "c1": allowVersionChange 1.28.10 → 1.30.3 is not needed for this render (compared with dist at HEAD); remove it',
    ]);
    expect(out.fleet!.clusters[0].istio.versionChange).toBeUndefined();
  });

  it('warns when a revision disappears, since its sidecars still point at its istiod', () => {
    const prev = new Map([['c1', record(['1-29-6', '1.29.6'], ['1-30-3', '1.30.3'])]]);
    const out = diagnostics(fleetAt('      revisions:\n        - version: "1.30.3"\n      tags: { default: 1-30-3 }\n'), prev);
    expect(out.errors).toEqual([]);
    expect(out.warnings).toEqual([
      'mesh.yaml:6:5: warning: clusters[0].istio: cluster "c1": revision 1-29-6 (Istio 1.29.6) is removed; workloads still injected by it lose their control plane until restarted. Check first: meshc restart --dry-run',
    ]);
  });

  it('does not guard a cluster rendered for the first time', () => {
    expect(diagnostics(fleetAt('      version: "1.30.3"\n'), new Map()).errors).toEqual([]);
  });
});

describe('version record', () => {
  it('round-trips and refuses files that are not records', () => {
    const r: VersionRecord = { cluster: 'c1', revisions: [{ name: '1-30-3', version: '1.30.3', compatibilityVersion: '1.29' }], tags: { default: '1-30-3' }, defaultRevision: '1-30-3' };
    expect(parseVersionRecord('f', serializeVersionRecord(r))).toEqual(r);
    expect(() => parseVersionRecord('dist/c1/meshc-versions.json', '{')).toThrow(/^dist\/c1\/meshc-versions\.json: not valid JSON/);
    expect(() => parseVersionRecord('f', '{"cluster":"c1"}')).toThrow('f: not a meshc version record (expected "meshcVersions": 1)');
  });
});

describe('baseline: the last committed render', () => {
  let work: string;
  const io = () => {
    const out: string[] = [];
    const err: string[] = [];
    return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) }, out, err };
  };
  const git = (...args: string[]) => {
    const r = spawnSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', '-c', 'commit.gpgsign=false', ...args], { cwd: work, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
  };
  const setVersion = (v: string) => writeFileSync(join(work, 'mesh.yaml'), fleetAt(`      version: "${v}"\n`));
  const synth = (...extra: string[]) => {
    const r = io();
    const code = main(['synth', '--config', join(work, 'mesh.yaml'), '--out', join(work, 'dist'), ...extra], r.io);
    return { code, err: r.err.join('\n') };
  };
  const recorded = () => JSON.parse(readFileSync(join(work, 'dist', 'c1', VERSION_RECORD_FILE), 'utf8')).revisions[0].version;

  beforeEach(() => {
    work = mkdtempSync(join(tmpdir(), 'meshc-guard-'));
  });
  afterEach(() => rmSync(work, { recursive: true, force: true }));

  it('compares with HEAD, so two uncommitted steps cannot skip a minor', () => {
    git('init', '-q');
    setVersion('1.28.10');
    expect(synth().code).toBe(0);
    git('add', '-A');
    git('commit', '-q', '-m', 'render 1.28');
    setVersion('1.29.6');
    expect(synth().code).toBe(0);
    expect(recorded()).toBe('1.29.6');
    setVersion('1.30.3');
    const refused = synth();
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('Istio 1.28.10 → 1.30.3 moves 2 minor versions in place');
    expect(refused.err).toContain(`compared with ${join(work, 'dist')} at HEAD`);
    expect(recorded()).toBe('1.29.6');
    git('add', '-A');
    git('commit', '-q', '-m', 'render 1.29');
    expect(synth().code).toBe(0);
    expect(recorded()).toBe('1.30.3');
  });

  it('compares with --base when given, and reports an unknown ref as a usage error', () => {
    git('init', '-q');
    setVersion('1.28.10');
    synth();
    git('add', '-A');
    git('commit', '-q', '-m', 'one');
    git('tag', 'released');
    setVersion('1.29.6');
    synth();
    git('add', '-A');
    git('commit', '-q', '-m', 'two');
    setVersion('1.30.3');
    expect(synth().code).toBe(0);
    expect(synth('--base', 'released')).toMatchObject({ code: 1, err: expect.stringContaining('at released') });
    expect(synth('--base', 'no-such-ref')).toMatchObject({ code: 2, err: expect.stringContaining('unknown Git ref "no-such-ref"') });
  });

  it('uses the output folder itself outside Git, and refuses a corrupt record without writing', () => {
    setVersion('1.28.10');
    expect(synth().code).toBe(0);
    setVersion('1.30.3');
    expect(synth()).toMatchObject({ code: 1, err: expect.stringContaining(`compared with ${join(work, 'dist')})`) });
    writeFileSync(join(work, 'dist', 'c1', VERSION_RECORD_FILE), '{"meshcVersions": 7}');
    const corrupt = synth();
    expect(corrupt.code).toBe(1);
    expect(corrupt.err).toContain(`${join(work, 'dist')}/c1/${VERSION_RECORD_FILE}: not a meshc version record`);
    expect(existsSync(join(work, 'dist', 'c1', 'kustomization.yaml'))).toBe(true);
  });
});
