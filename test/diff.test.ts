/**
 * `meshc diff`: structural field paths, the text and Markdown reports, and both kinds of base.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeTree } from '../src/output/tree-writer';
import { loadFleetText } from '../src/pipeline';
import { renderFleet } from '../src/render/render';
import { diffCommand } from '../src/review/diff-command';
import { formatMarkdown, formatText } from '../src/review/format';
import { diffTrees, diffValues, parseTree } from '../src/review/structural-diff';
import { HEADER, singleCluster } from './support/fleet';

let work: string;
beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'meshc-diff-'));
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

function fakeIo() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) }, out, err };
}

function render(fleetText: string) {
  return renderFleet(loadFleetText('mesh.yaml', fleetText).fleet);
}

/** Renders `baseFleet` into `<work>/base`, writes `headFleet` as the fleet file, runs the command. */
function diffAgainstDir(baseFleet: string, headFleet: string, opts: Record<string, string> = {}) {
  writeTree(join(work, 'base'), render(baseFleet));
  writeFileSync(join(work, 'mesh.yaml'), headFleet);
  const r = fakeIo();
  const code = diffCommand.run({ config: join(work, 'mesh.yaml'), 'base-dir': join(work, 'base'), ...opts }, r.io);
  return { code, out: r.out, err: r.err };
}

const FIXED = (replicas: number) => `    controlPlane:\n      istiod:\n        autoscale: { enabled: false }\n        replicas: ${replicas}\n`;
const twoClusters = (second: boolean) =>
  `${HEADER}defaults:\n  istio: { version: "1.30.3" }\n  kubernetesVersion: "1.33"\nclusters:\n  - name: one\n${second ? '  - name: two\n' : ''}`;

describe('structural diff', () => {
  it('names fields by path: named list items, quoted keys, indices, additions and removals', () => {
    const old = {
      metadata: { labels: { 'app.kubernetes.io/version': '1.29.6', keep: 'x' } },
      spec: {
        replicas: 2,
        template: { spec: { containers: [{ name: 'discovery', env: [{ name: 'A', value: '1' }, { name: 'PILOT_TRACE_SAMPLING', value: '1' }] }] } },
        ports: [{ port: 80 }, { port: 443 }],
      },
    };
    const next = {
      metadata: { labels: { 'app.kubernetes.io/version': '1.30.3' }, annotations: { note: 'y' } },
      spec: {
        replicas: 3,
        template: { spec: { containers: [{ name: 'discovery', env: [{ name: 'A', value: '1' }, { name: 'PILOT_TRACE_SAMPLING', value: '5' }] }] } },
        ports: [{ port: 8080 }],
      },
    };
    expect(diffValues(old, next)).toEqual([
      { op: 'changed', path: 'metadata.labels["app.kubernetes.io/version"]', old: '1.29.6', new: '1.30.3' },
      { op: 'removed', path: 'metadata.labels.keep', old: 'x' },
      { op: 'added', path: 'metadata.annotations', new: { note: 'y' } },
      { op: 'changed', path: 'spec.replicas', old: 2, new: 3 },
      { op: 'changed', path: 'spec.template.spec.containers[name=discovery].env[name=PILOT_TRACE_SAMPLING].value', old: '1', new: '5' },
      { op: 'changed', path: 'spec.ports[0].port', old: 80, new: 8080 },
      { op: 'removed', path: 'spec.ports[1]', old: { port: 443 } },
    ]);
    expect(diffValues(old, structuredClone(old))).toEqual([]);
  });

  it('aligns plain lists, reports named-list reordering and looks inside embedded YAML', () => {
    expect(diffValues({ r: ['a', 'b', 'c'] }, { r: ['a', 'x', 'b', 'c'] })).toEqual([{ op: 'added', path: 'r[1]', new: 'x' }]);
    expect(diffValues([{ name: 'a' }, { name: 'b' }], [{ name: 'b' }, { name: 'a' }])).toEqual([
      { op: 'changed', path: '{order}', old: ['a', 'b'], new: ['b', 'a'] },
    ]);
    expect(diffValues({ data: { mesh: 'a: 1\nb:\n  c: 2\n' } }, { data: { mesh: 'a: 1\nb:\n  c: 3\n' } })).toEqual([
      { op: 'changed', path: 'data.mesh{yaml}.b.c', old: 2, new: 3 },
    ]);
    expect(diffValues({ t: 'one\n{{ x }\nthree' }, { t: 'one\n{{ y }\nthree' })).toEqual([
      { op: 'changed', path: 't', old: '{{ x }', new: '{{ y }', line: 2 },
    ]);
  });

  const base = new Map([
    ['.meshc-output', 'marker'],
    ['c1/a/deployment-x.yaml', 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\n  namespace: ns\nspec:\n  replicas: 2\n'],
    ['c1/kustomization.yaml', 'resources:\n  - a/deployment-x.yaml\n'],
    ['c2/a/configmap-y.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: y\n'],
    ['gone/a/namespace-z.yaml', 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: z\n'],
  ]);
  const head = new Map([
    ['c1/a/deployment-x.yaml', 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\n  namespace: ns\nspec:\n  replicas: 3\n'],
    ['c1/a/stuff.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: p|q\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n'],
    ['c1/kustomization.yaml', 'resources:\n  - a/deployment-x.yaml\n  - a/stuff.yaml\n'],
    ['c2/a/configmap-y.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: y\n'],
  ]);
  const diff = diffTrees(parseTree(base), parseTree(head));

  it('prints a summary line per bundle, then the details', () => {
    expect(formatText(diff)).toEqual([
      'c1: 2 added, 0 removed, 2 changed',
      'c2: no changes',
      'gone: removed (1 object)',
      '',
      'c1',
      '  + ConfigMap p|q',
      '  + Secret s',
      '  ~ Deployment.apps ns/x',
      '      ~ spec.replicas: 2 → 3',
      '  ~ kustomization.yaml',
      '      + resources[1]: "a/stuff.yaml"',
      '',
      'gone',
      '  - Namespace z',
    ]);
  });

  it('writes a pull-request comment', () => {
    expect(formatMarkdown(diff, { config: 'mesh.yaml', base: '`dist` at `origin/main`' })).toEqual([
      '### meshc diff',
      '',
      'Render of `mesh.yaml` compared with `dist` at `origin/main`.',
      '',
      '| cluster | changes |',
      '| --- | --- |',
      '| `c1` | 2 added, 0 removed, 2 changed |',
      '| `c2` | no changes |',
      '| `gone` | removed (1 object) |',
      '',
      '<details><summary><b>c1</b>: 2 added, 0 removed, 2 changed</summary>',
      '',
      '**Added**',
      '',
      '- `ConfigMap p\\|q`',
      '- `Secret s`',
      '',
      '**Changed**',
      '',
      '`Deployment.apps ns/x`',
      '',
      '| field | old | new |',
      '| --- | --- | --- |',
      '| `spec.replicas` | `2` | `3` |',
      '',
      '`kustomization.yaml`',
      '',
      '| field | old | new |',
      '| --- | --- | --- |',
      '| `resources[1]` | – | `"a/stuff.yaml"` |',
      '',
      '</details>',
      '',
      '<details><summary><b>gone</b>: removed (1 object)</summary>',
      '',
      '**Removed**',
      '',
      '- `Namespace z`',
      '',
      '</details>',
    ]);
  });

  it('cuts long values', () => {
    const long = `a: "${'z'.repeat(500)}"\n`;
    const lines = formatText(diffTrees(parseTree(new Map([['c/x.yaml', 'a: 1\n']])), parseTree(new Map([['c/x.yaml', long]]))));
    expect(lines.at(-1)).toBe(`      ~ a: 1 → "${'z'.repeat(198)}…`);
  });
});

describe('meshc diff --base-dir', () => {
  it('exits 0 and says "no changes" when the render is the base', () => {
    const r = diffAgainstDir(singleCluster(), singleCluster());
    expect(r).toEqual({ code: 0, out: ['one: no changes'], err: [] });
  });

  it('reports the replica count of istiod by field path', () => {
    const r = diffAgainstDir(singleCluster(FIXED(2)), singleCluster(FIXED(3)));
    expect(r.code).toBe(1);
    expect(r.out).toEqual(['one: 0 added, 0 removed, 1 changed', '', 'one', '  ~ Deployment.apps istio-system/istiod', '      ~ spec.replicas: 2 → 3']);
  });

  it('reports the PeerAuthentication that STRICT mTLS adds', () => {
    const r = diffAgainstDir(singleCluster("    security: { meshMtls: 'off' }\n"), singleCluster('    security: { meshMtls: STRICT }\n'));
    expect(r.code).toBe(1);
    expect(r.out[0]).toBe('one: 1 added, 0 removed, 1 changed');
    expect(r.out).toContain('  + PeerAuthentication.security.istio.io istio-system/default');
    expect(r.out).toContainEqual(expect.stringMatching(/^ {6}\+ resources\[\d+\]: "policies\/istio-system\/peerauthentication-default\.yaml"$/));
  });

  it('reports a cluster removed from the fleet', () => {
    const r = diffAgainstDir(twoClusters(true), twoClusters(false), { format: 'markdown' });
    expect(r.code).toBe(1);
    expect(r.out).toContain('| `one` | no changes |');
    const removed = r.out.find((l) => l.startsWith('| `two` |'));
    expect(removed).toMatch(/^\| `two` \| removed \(\d+ objects\) \|$/);
    expect(r.out).toContain('- `Deployment.apps istio-system/istiod`');
  });

  it('exits 2 on usage errors and 1 on a bad fleet file', () => {
    expect(diffAgainstDir(singleCluster(), singleCluster(), { format: 'html' })).toMatchObject({ code: 2, err: ['meshc diff: unknown format "html" (text or markdown)'] });
    expect(diffAgainstDir(singleCluster(), singleCluster(), { base: 'HEAD' })).toMatchObject({ code: 2, err: ['meshc diff: give --base or --base-dir, not both'] });
    const bad = diffAgainstDir(singleCluster(), singleCluster('    security: { meshMtls: strict }\n'));
    expect(bad.code).toBe(1);
    expect(bad.out).toEqual([]);
    expect(bad.err.at(-1)).toBe('1 error; nothing was compared');
  });
});

describe('meshc diff --base', () => {
  function git(...args: string[]) {
    const r = spawnSync('git', args, { cwd: work, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  }

  /** A repository with the render of `fleet` committed under `deploy/dist`. */
  function repoWithRender(fleet: string) {
    git('init', '-q');
    git('config', 'user.email', 'ci@example.com');
    git('config', 'user.name', 'CI');
    git('config', 'commit.gpgsign', 'false');
    writeFileSync(join(work, 'README'), 'x\n');
    git('add', '.');
    git('commit', '-q', '-m', 'empty');
    mkdirSync(join(work, 'deploy'));
    writeTree(join(work, 'deploy', 'dist'), render(fleet));
    writeFileSync(join(work, 'mesh.yaml'), fleet);
    git('add', '.');
    git('commit', '-q', '-m', 'render');
  }

  function run(opts: Record<string, string>) {
    const r = fakeIo();
    const code = diffCommand.run({ config: join(work, 'mesh.yaml'), out: join(work, 'deploy', 'dist'), ...opts }, r.io);
    return { code, out: r.out, err: r.err };
  }

  it('compares with the output folder as committed at HEAD by default', () => {
    repoWithRender(singleCluster(FIXED(2)));
    expect(run({})).toEqual({ code: 0, out: ['one: no changes'], err: [] });
    writeFileSync(join(work, 'mesh.yaml'), singleCluster(FIXED(3)));
    // The working-tree folder is irrelevant: only the commit counts.
    rmSync(join(work, 'deploy', 'dist'), { recursive: true });
    expect(run({ base: 'HEAD' }).out).toEqual(['one: 0 added, 0 removed, 1 changed', '', 'one', '  ~ Deployment.apps istio-system/istiod', '      ~ spec.replicas: 2 → 3']);
    // Before the render was committed, every object is new.
    const first = run({ base: 'HEAD~1' });
    expect(first.code).toBe(1);
    expect(first.out[0]).toMatch(/^one: new \(\d+ objects\)$/);
  });

  it('exits 2 for an unknown ref or outside a repository', () => {
    writeFileSync(join(work, 'mesh.yaml'), singleCluster());
    // Even when the temporary folder lies inside some repository, git must not look above it.
    const ceiling = process.env.GIT_CEILING_DIRECTORIES;
    process.env.GIT_CEILING_DIRECTORIES = tmpdir();
    try {
      expect(run({})).toMatchObject({ code: 2, err: [expect.stringMatching(/^meshc diff: .*dist is not inside a Git repository/)] });
    } finally {
      if (ceiling === undefined) delete process.env.GIT_CEILING_DIRECTORIES;
      else process.env.GIT_CEILING_DIRECTORIES = ceiling;
    }
    repoWithRender(singleCluster());
    expect(run({ base: 'no-such-branch' })).toEqual({ code: 2, out: [], err: ['meshc diff: unknown Git ref "no-such-branch"'] });
  });
});
