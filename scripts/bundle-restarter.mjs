#!/usr/bin/env node
// Bundles the data-plane restarter (src/restarter/main.ts) into one dependency-free file the
// Job runs with a plain `node` image: `node scripts/bundle-restarter.mjs [--outfile PATH]`
// (default build/restarter/restarter.js). Fails if the bundle would need anything but
// node: builtins, since nothing else exists in the Job's container.
import { build } from 'esbuild';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
let outfile = join(root, 'build', 'restarter', 'restarter.js');
for (let i = 0; i < args.length; i++) {
  const arg = args[i];
  if (arg === '--outfile' && args[i + 1]) outfile = resolve(args[++i]);
  else if (arg.startsWith('--outfile=')) outfile = resolve(arg.slice('--outfile='.length));
  else {
    console.error(`bundle-restarter: unexpected argument "${arg}"\nusage: node scripts/bundle-restarter.mjs [--outfile PATH]`);
    process.exit(2);
  }
}

const result = await build({
  // Paths in the bundle's comments and the metafile are relative to the package root: the
  // output is the same on every machine.
  absWorkingDir: root,
  entryPoints: ['src/restarter/main.ts'],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: false,
  sourcemap: false,
  legalComments: 'none',
  charset: 'utf8',
  banner: { js: '// meshc data-plane restarter — generated from src/restarter; do not edit' },
  metafile: true,
  // Written below, once the check passed: a bundle that would fail in the Job is never left behind.
  write: false,
  logLevel: 'warning',
});

const problems = [];
for (const [input, info] of Object.entries(result.metafile.inputs)) {
  // src/labels.ts is a plain list of names with no imports: one source of truth for them.
  if (!input.startsWith('src/restarter/') && input !== 'src/labels.ts') problems.push(`${input} is bundled, but only src/restarter/ and src/labels.ts may be`);
  for (const imp of info.imports) {
    if (imp.external && !imp.path.startsWith('node:')) problems.push(`${input} imports "${imp.path}", which is not a node: builtin`);
  }
}
for (const output of Object.values(result.metafile.outputs)) {
  for (const imp of output.imports) {
    if (!imp.path.startsWith('node:')) problems.push(`the bundle imports "${imp.path}", which is not a node: builtin`);
  }
}
if (problems.length > 0) {
  console.error(`bundle-restarter: the restarter must depend on node: builtins only:\n  ${problems.join('\n  ')}`);
  process.exitCode = 1;
} else if (result.outputFiles.length !== 1) {
  console.error(`bundle-restarter: expected one output file, got ${result.outputFiles.map((f) => f.path).join(', ')}`);
  process.exitCode = 1;
} else {
  const [file] = result.outputFiles;
  mkdirSync(dirname(file.path), { recursive: true });
  writeFileSync(file.path, file.contents);
  const shown = relative(root, file.path);
  const name = shown.startsWith('..') ? file.path : shown.split(sep).join('/');
  console.log(`bundle-restarter: wrote ${name} (${Math.round(file.contents.length / 1024)} KiB)`);
}
