#!/usr/bin/env node
// Regenerates imports/ from an Istio CRD file: `npm run import -- <crd-all.gen.yaml>`.
// The CRDs' description texts are stripped first: the project keeps the types, not the
// upstream prose. The version catalog names the file each Istio version ships.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, readdirSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments, stringify } from 'yaml';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const source = process.argv[2];
if (!source) {
  console.error('usage: npm run import -- <path to crd-all.gen.yaml>');
  process.exit(2);
}

function stripDescriptions(node) {
  if (Array.isArray(node)) return node.map(stripDescriptions);
  if (node && typeof node === 'object') {
    const out = {};
    for (const [key, value] of Object.entries(node)) {
      if (key === 'description' && typeof value === 'string') continue;
      out[key] = stripDescriptions(value);
    }
    return out;
  }
  return node;
}

const docs = parseAllDocuments(readFileSync(source, 'utf8'))
  .map((d) => d.toJS())
  .filter((d) => d && d.kind === 'CustomResourceDefinition');
if (docs.length === 0) {
  console.error(`${source}: no CustomResourceDefinition found`);
  process.exit(1);
}
const work = mkdtempSync(join(tmpdir(), 'meshc-import-'));
try {
  const stripped = join(work, 'crds.yaml');
  writeFileSync(stripped, docs.map((d) => stringify(stripDescriptions(d))).join('---\n'));
  const out = join(work, 'out');
  execFileSync(join(root, 'node_modules', '.bin', 'cdk8s'), ['import', stripped, '--language', 'typescript', '--output', out], {
    stdio: 'inherit',
    cwd: work,
  });
  for (const file of readdirSync(join(root, 'imports'))) {
    if (file.endsWith('.istio.io.ts')) rmSync(join(root, 'imports', file));
  }
  for (const file of readdirSync(out)) renameSync(join(out, file), join(root, 'imports', file));
  console.log(`imports/ regenerated from ${docs.length} CRDs`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
