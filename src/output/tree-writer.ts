/**
 * Writes a rendered tree to the output folder all at once: the new tree is staged beside the
 * folder and swapped in by rename, so a failing run leaves the folder exactly as it was and
 * objects removed from the fleet disappear with it. Files whose content did not change are
 * hard-linked into the stage rather than written again: a change to one cluster writes only
 * that cluster's files, and the others keep their inode and modification time.
 */
import { existsSync, linkSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, sep } from 'node:path';
import type { RenderedTree } from '../render/render';
import { CACHE_FILE, OUTPUT_GITIGNORE } from './render-cache';
import { compare } from '../render/render';

/** Marks a folder as meshc's to replace; meshc refuses to replace a folder without it. */
export const OUTPUT_MARKER = '.meshc-output';
const MARKER_TEXT = 'This folder is rendered by meshc from the fleet file. Do not edit it: change the fleet file and run `meshc synth`.\n';

export class OutputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OutputError';
  }
}

export interface TreeDiff {
  readonly added: readonly string[];
  readonly changed: readonly string[];
  readonly removed: readonly string[];
}

export function isEmptyDiff(diff: TreeDiff): boolean {
  return diff.added.length + diff.changed.length + diff.removed.length === 0;
}

/** The tree with the marker file and the .gitignore of the render record, exactly as it lands on disk. */
function withMarker(tree: RenderedTree): Map<string, string> {
  return new Map([[OUTPUT_GITIGNORE.path, OUTPUT_GITIGNORE.text], [OUTPUT_MARKER, MARKER_TEXT], ...tree]);
}

/** Files on disk under `dir` (relative, `/`-separated) and their contents; the render record is not output. */
export function readTree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  if (!existsSync(dir)) return out;
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true }).sort((a, b) => compare(a.name, b.name))) {
      const full = join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (!(d === dir && entry.name === CACHE_FILE)) out.set(relative(dir, full).split(sep).join('/'), readFileSync(full, 'utf8'));
    }
  };
  walk(dir);
  return out;
}

/** Every file (relative) the output folder holds once `tree` is written. */
export function outputPaths(tree: RenderedTree): string[] {
  return [...withMarker(tree).keys()];
}

/** What writing `tree` to `dir` would change. */
export function diffTree(dir: string, tree: RenderedTree): TreeDiff {
  return diffOf(withMarker(tree), readTree(dir));
}

function diffOf(want: ReadonlyMap<string, string>, have: ReadonlyMap<string, string>): TreeDiff {
  const added: string[] = [];
  const changed: string[] = [];
  for (const [path, content] of want) {
    const current = have.get(path);
    if (current === undefined) added.push(path);
    else if (current !== content) changed.push(path);
  }
  const removed = [...have.keys()].filter((p) => !want.has(p));
  return { added: added.sort(compare), changed: changed.sort(compare), removed: removed.sort(compare) };
}

/**
 * Replaces `dir` with `tree`. Writes nothing when the folder already holds exactly the tree.
 * Throws OutputError, leaving `dir` untouched, when it cannot.
 */
export function writeTree(dir: string, tree: RenderedTree): TreeDiff {
  assertReplaceable(dir);
  const want = withMarker(tree);
  const have = readTree(dir);
  const diff = diffOf(want, have);
  if (isEmptyDiff(diff)) return diff;

  const stage = siblingPath(dir, 'new');
  const old = siblingPath(dir, 'old');
  rmSync(stage, { recursive: true, force: true });
  rmSync(old, { recursive: true, force: true });
  try {
    const made = new Set<string>();
    for (const [path, content] of want) {
      const target = join(stage, ...path.split('/'));
      const folder = dirname(target);
      if (!made.has(folder)) {
        mkdirSync(folder, { recursive: true });
        made.add(folder);
      }
      if (have.get(path) !== content || !tryLink(join(dir, ...path.split('/')), target)) writeFileSync(target, content);
    }
  } catch (err) {
    rmSync(stage, { recursive: true, force: true });
    throw new OutputError(`cannot write ${dir}: ${(err as Error).message}`);
  }
  const hadDir = existsSync(dir);
  try {
    if (hadDir) renameSync(dir, old);
  } catch (err) {
    rmSync(stage, { recursive: true, force: true });
    throw new OutputError(`cannot replace ${dir}: ${(err as Error).message}`);
  }
  try {
    renameSync(stage, dir);
  } catch (err) {
    if (hadDir) renameSync(old, dir);
    rmSync(stage, { recursive: true, force: true });
    throw new OutputError(`cannot replace ${dir}: ${(err as Error).message}`);
  }
  rmSync(old, { recursive: true, force: true });
  return diff;
}

/** Hard-links an unchanged file into the stage; false where the file system cannot (then it is written). */
function tryLink(from: string, to: string): boolean {
  try {
    linkSync(from, to);
    return true;
  } catch {
    return false;
  }
}

function siblingPath(dir: string, role: string): string {
  return join(dirname(dir), `.${basename(dir)}.meshc-${role}`);
}

function assertReplaceable(dir: string): void {
  if (!existsSync(dir)) return;
  if (!lstatSync(dir).isDirectory()) throw new OutputError(`${dir} exists and is not a directory`);
  const entries = readdirSync(dir);
  if (entries.length > 0 && !entries.includes(OUTPUT_MARKER)) {
    throw new OutputError(`refusing to replace ${dir}: it is not empty and was not written by meshc (no ${OUTPUT_MARKER} file)`);
  }
}
