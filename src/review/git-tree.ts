/**
 * Reads an output folder as committed at a Git ref, without touching the working tree, so
 * `meshc diff` can compare against `origin/main` from a pull-request checkout.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';

/** A base that cannot be read: a missing ref or no repository; a usage error, not bad input. */
export class BaseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BaseError';
  }
}

/** Rendered files are YAML; a whole fleet fits easily, but far beyond spawnSync's 1 MiB default. */
const MAX_BUFFER = 1 << 30;

function git(cwd: string, args: string[], input?: string): { ok: boolean; stdout: Buffer; stderr: string } {
  const r = spawnSync('git', args, { cwd, input, maxBuffer: MAX_BUFFER });
  if (r.error) throw new BaseError(`cannot run git: ${r.error.message}`);
  return { ok: r.status === 0, stdout: r.stdout, stderr: r.stderr.toString('utf8').trim() };
}

/** Whether `dir` lies in a Git work tree whose HEAD is a commit (a fresh `git init` has none). */
export function hasGitHead(dir: string): boolean {
  let cwd = realPathOf(dir);
  while (!existsSync(cwd)) cwd = dirname(cwd);
  return git(cwd, ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}']).ok;
}

/** The output folder's real path even when it does not exist in the working tree (deleted, or never synthesized). */
function realPathOf(dir: string): string {
  let existing = resolve(dir);
  const rest: string[] = [];
  while (!existsSync(existing)) {
    rest.unshift(basename(existing));
    const parent = dirname(existing);
    if (parent === existing) break;
    existing = parent;
  }
  return join(realpathSync(existing), ...rest);
}

/**
 * Files under `dir` at `ref` (paths relative to `dir`, `/`-separated) and their contents;
 * `include` limits which relative paths are read.
 */
export function readGitTree(dir: string, ref: string, include: (path: string) => boolean = () => true): Map<string, string> {
  const target = realPathOf(dir);
  let cwd = target;
  while (!existsSync(cwd)) cwd = dirname(cwd);
  const top = git(cwd, ['rev-parse', '--show-toplevel']);
  if (!top.ok) throw new BaseError(`${dir} is not inside a Git repository (${top.stderr}); use --base-dir to compare with a folder`);
  const root = realpathSync(top.stdout.toString('utf8').trim());
  if (!git(root, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]).ok) {
    throw new BaseError(`unknown Git ref "${ref}"`);
  }
  const prefix = relative(root, target).split(sep).join('/');
  if (prefix.startsWith('..')) throw new BaseError(`${dir} lies outside the Git repository at ${root}`);
  const listed = git(root, ['ls-tree', '-r', '-z', '--full-tree', '--name-only', ref, '--', prefix || '.']);
  if (!listed.ok) throw new BaseError(`cannot list ${dir} at ${ref}: ${listed.stderr}`);
  const paths = listed.stdout
    .toString('utf8')
    .split('\0')
    .filter((p) => p && (!prefix || p.startsWith(`${prefix}/`)) && include(prefix ? p.slice(prefix.length + 1) : p));
  const files = new Map<string, string>();
  if (paths.length === 0) return files;
  // One `cat-file --batch` instead of a `git show` per file: hundreds of files, one process.
  const batch = git(root, ['cat-file', '--batch'], paths.map((p) => `${ref}:${p}\n`).join(''));
  if (!batch.ok) throw new BaseError(`cannot read ${dir} at ${ref}: ${batch.stderr}`);
  const out = batch.stdout;
  let at = 0;
  for (const path of paths) {
    const eol = out.indexOf(0x0a, at);
    const header = out.subarray(at, eol).toString('utf8').split(' ');
    if (header.length < 3) throw new BaseError(`cannot read ${path} at ${ref}: ${header.join(' ')}`);
    const size = Number(header[2]);
    files.set(prefix ? path.slice(prefix.length + 1) : path, out.subarray(eol + 1, eol + 1 + size).toString('utf8'));
    at = eol + 1 + size + 1;
  }
  return files;
}
