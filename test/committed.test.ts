/**
 * What the repository commits is exactly what its sources generate.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LATEST_ISTIO } from '../src/catalog/versions';
import { fleetJsonSchema, SCHEMA_PATH } from '../src/config/fleet-schema';
import { fleetReferenceMarkdown } from '../src/config/reference-doc';
import { diffTree, readTree } from '../src/output/tree-writer';
import { loadFleetFile } from '../src/pipeline';
import { renderFleet } from '../src/render/render';
import { SHARED_DIR } from './support/crd-validator';
import { EXAMPLE_FLEET, REPO } from './support/objects';

describe('committed files', () => {
  it('dist/ is the render of mesh.yaml', () => {
    const diff = diffTree(join(REPO, 'dist'), renderFleet(loadFleetFile(EXAMPLE_FLEET).fleet));
    expect(diff, 'dist/ is stale: run `npm run synth` and commit dist/').toEqual({ added: [], changed: [], removed: [] });
  });

  it('`npx cdk8s synth` renders the same fleet through cdk8s.yaml', () => {
    const out = mkdtempSync(join(tmpdir(), 'meshc-cdk8s-'));
    try {
      execFileSync(join(REPO, 'node_modules', '.bin', 'cdk8s'), ['synth', '--no-check-upgrade', '--output', out], { cwd: REPO, stdio: 'ignore' });
      expect(diffTree(out, renderFleet(loadFleetFile(EXAMPLE_FLEET).fleet))).toEqual({ added: [], changed: [], removed: [] });
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('rendering twice gives the same bytes', () => {
    const fleet = loadFleetFile(EXAMPLE_FLEET).fleet;
    expect(renderFleet(fleet)).toEqual(renderFleet(fleet));
  });

  it('the published JSON Schema is generated from the fleet schema', () => {
    const published = JSON.parse(readFileSync(join(REPO, SCHEMA_PATH), 'utf8'));
    expect(published, 'run `npm run schema`').toEqual(fleetJsonSchema());
    expect(readFileSync(EXAMPLE_FLEET, 'utf8').split('\n')[0]).toBe(`# yaml-language-server: $schema=./${SCHEMA_PATH}`);
  });

  it('the fleet file reference lists every field of the schema', () => {
    const doc = readFileSync(join(REPO, 'docs', 'fleet-reference.md'), 'utf8');
    expect(doc, 'run `npm run schema`').toBe(fleetReferenceMarkdown(fleetJsonSchema()));
    expect(doc).toContain('| `defaults.controlPlane.istiod.autoscale.min` | integer | `1` |');
  });

  it('imports/ is the description-free import of the newest catalog version\'s CRDs', () => {
    const out = mkdtempSync(join(tmpdir(), 'meshc-imports-'));
    try {
      const source = join(SHARED_DIR, 'istio', LATEST_ISTIO.version, 'crd-all.gen.yaml');
      execFileSync(process.execPath, [join(REPO, 'scripts', 'import-crds.mjs'), source, '--out', out], { stdio: 'ignore' });
      const fresh = readTree(out);
      const committed = new Map([...readTree(join(REPO, 'imports'))].filter(([p]) => p.endsWith('.istio.io.ts')));
      expect([...committed.keys()]).toEqual([...fresh.keys()]);
      for (const [path, text] of fresh) expect(committed.get(path), `imports/${path} is stale: run npm run import`).toBe(text);
      for (const text of committed.values()) expect(text).not.toMatch(/\bdescription:/);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
