/**
 * Lets `meshc synth` skip a render that cannot change anything. A render is a function of the
 * fleet file, the files it names, the upgrade guard's baseline and meshc itself; after a
 * successful synth, a record of all of these (as digests) and of every output file (size,
 * modification time, inode) is kept in the output folder, ignored by Git. The next synth
 * recomputes the digests and stats the files: when all match, the output is already the render,
 * and meshc says so and repeats the warnings of that render, without rendering.
 *
 * Anything unexpected (no record, another meshc, a touched or extra file, an unreadable input)
 * means a full render: the record can make a run faster, never different.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { packageRoot, RESTARTER_BUNDLE } from '../restarter/bundle';

/** The record, at the root of the output folder. */
export const CACHE_FILE = '.meshc-cache.json';
/** Keeps the record out of Git; part of every rendered tree. */
export const OUTPUT_GITIGNORE = { path: '.gitignore', text: `${CACHE_FILE}\n` } as const;

const FORMAT = 2;

interface CacheRecord {
  readonly format: number;
  readonly key: string;
  /** Input files (absolute) → sha256 of their content. */
  readonly inputs: Readonly<Record<string, string>>;
  /** Digest of every output file's relative path and `size:mtime:inode`, in path order. */
  readonly outputs: string;
  readonly clusters: number;
  readonly warnings: readonly string[];
}

export interface CacheKeyParts {
  readonly config: string;
  readonly out: string;
  /** What the upgrade guard compares with, as read (description and record texts). */
  readonly baseline: string;
  readonly base?: string;
}

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

let identity: string | undefined;
/** meshc's own code and the packages that shape its output: another build means another render. */
function meshcIdentity(): string {
  if (identity !== undefined) return identity;
  const hash = createHash('sha256');
  // This module sits in <root>/src/output (sources) or <root>/build/src/output (compiled).
  const srcRoot = resolve(__dirname, '..');
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.(js|ts|json)$/.test(entry.name)) hash.update(relative(srcRoot, full)).update('\0').update(readFileSync(full)).update('\0');
    }
  };
  walk(srcRoot);
  // The generated CRD classes beside it (imports/) shape objects too.
  const imports = resolve(srcRoot, '..', 'imports');
  if (existsSync(imports)) walk(imports);
  const restarter = join(packageRoot(), RESTARTER_BUNDLE);
  if (existsSync(restarter)) hash.update(readFileSync(restarter));
  for (const pkg of ['yaml', 'cdk8s', 'cdk8s-plus-28', 'constructs']) {
    try {
      hash.update(`${pkg}@${(JSON.parse(readFileSync(require.resolve(`${pkg}/package.json`), 'utf8')) as { version: string }).version}`);
    } catch {
      hash.update(`${pkg}@?`);
    }
  }
  return (identity = hash.digest('hex'));
}

export function cacheKey(parts: CacheKeyParts): string {
  return sha256(
    JSON.stringify({
      format: FORMAT,
      meshc: meshcIdentity(),
      // As given too: messages replayed from the record name the file as the command line did.
      config: [parts.config, resolve(parts.config)],
      out: [parts.out, resolve(parts.out)],
      base: parts.base ?? null,
      baseline: sha256(parts.baseline),
    }),
  );
}

/** Size, modification time and inode: any rewrite, replacement or edit changes one of them. */
function fingerprint(file: string): string | undefined {
  try {
    const s = statSync(file);
    return `${s.size}:${s.mtimeMs}:${s.ino}`;
  } catch {
    return undefined;
  }
}

/** Every file under `out` (relative, `/`), the record itself left out. */
function outputFiles(out: string): string[] {
  const files: string[] = [];
  const walk = (dir: string, prefix: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(dir + sep + entry.name, `${prefix}${entry.name}/`);
      else if (!(prefix === '' && entry.name === CACHE_FILE)) files.push(prefix + entry.name);
    }
  };
  walk(out, '');
  return files;
}

/** One digest over the files' paths and fingerprints; undefined when one cannot be read. */
function outputsDigest(out: string, files: Iterable<string>): string | undefined {
  const hash = createHash('sha256');
  for (const f of [...files].sort()) {
    const fp = fingerprint(out + sep + f.split('/').join(sep));
    if (fp === undefined) return undefined;
    hash.update(f).update('\0').update(fp).update('\n');
  }
  return hash.digest('hex');
}

/**
 * The record of the last synth into `out` when it still describes the output exactly and was
 * made from the same inputs; undefined otherwise.
 */
export function freshRender(out: string, key: string): { clusters: number; warnings: readonly string[] } | undefined {
  let record: CacheRecord;
  try {
    record = JSON.parse(readFileSync(join(out, CACHE_FILE), 'utf8')) as CacheRecord;
  } catch {
    return undefined;
  }
  if (record.format !== FORMAT || record.key !== key) return undefined;
  for (const [file, digest] of Object.entries(record.inputs)) {
    try {
      if (sha256(readFileSync(file)) !== digest) return undefined;
    } catch {
      return undefined;
    }
  }
  let digest: string | undefined;
  try {
    digest = outputsDigest(out, outputFiles(out));
  } catch {
    return undefined;
  }
  if (digest === undefined || digest !== record.outputs) return undefined;
  return { clusters: record.clusters, warnings: record.warnings };
}

/**
 * Records a successful synth of `files` (relative paths: exactly what the output folder now holds)
 * into `out`. Failing to record only costs the next run its shortcut.
 */
export function recordRender(out: string, key: string, files: Iterable<string>, inputs: readonly string[], clusters: number, warnings: readonly string[]): void {
  try {
    const inputDigests: Record<string, string> = {};
    for (const file of [...new Set(inputs.map((f) => resolve(f)))].sort()) inputDigests[file] = sha256(readFileSync(file));
    const outputs = outputsDigest(out, files);
    if (outputs === undefined) return;
    const record: CacheRecord = { format: FORMAT, key, inputs: inputDigests, outputs, clusters, warnings: [...warnings] };
    writeFileSync(join(out, CACHE_FILE), JSON.stringify(record));
  } catch {
    // The record is an optimisation; the render itself succeeded.
  }
}
