#!/usr/bin/env node
// Regenerates imports/ from an Istio CRD file: `npm run import -- <crd-all.gen.yaml> [--out DIR]`.
// The CRDs' description texts are stripped first: the project keeps the types, not the
// upstream prose. The version catalog names the file each Istio version ships.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, readdirSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments, stringify } from 'yaml';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const outIndex = args.indexOf('--out');
const target = outIndex >= 0 ? resolve(args[outIndex + 1] ?? '') : join(root, 'imports');
if (outIndex >= 0) args.splice(outIndex, 2);
const source = args[0];
if (!source || args.length !== 1) {
  console.error('usage: npm run import -- <path to crd-all.gen.yaml> [--out DIR]');
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
  execFileSync(join(root, 'node_modules', '.bin', 'cdk8s'), ['import', stripped, '--language', 'typescript', '--output', out, '--no-check-upgrade'], {
    stdio: ['ignore', 'ignore', 'inherit'],
    cwd: work,
  });
  mkdirSync(target, { recursive: true });
  for (const file of readdirSync(target)) {
    if (file.endsWith('.istio.io.ts')) rmSync(join(target, file));
  }
  for (const file of readdirSync(out)) renameSync(join(out, file), join(target, file));
  console.log(`${target}: regenerated from ${docs.length} CRDs`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
