/**
 * Where the upgrade guard finds "the last committed render": the version records of the output
 * folder at a Git ref (HEAD by default), or the folder on disk when it is not in Git. Reading
 * Git rather than the working tree means two renders in a row cannot walk a cluster two minors
 * without anyone committing (and so reviewing) the step in between.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hasGitHead, readGitTree } from '../review/git-tree';
import { parseVersionRecord, VERSION_RECORD_FILE, type VersionRecord } from './version-record';

export interface Baseline {
  /** By cluster name. */
  readonly records: ReadonlyMap<string, VersionRecord>;
  /** For messages, e.g. `dist at HEAD`. */
  readonly description: string;
}

const isRecord = (path: string) => {
  const parts = path.split('/');
  return parts.length === 2 && parts[1] === VERSION_RECORD_FILE;
};

/** `ref` unset: HEAD when `outDir` is in a Git repository with commits, else the folder itself. */
export function readBaseline(outDir: string, ref?: string): Baseline {
  if (ref !== undefined || hasGitHead(outDir)) {
    const at = ref ?? 'HEAD';
    return collect(readGitTree(outDir, at, isRecord), `${outDir} at ${at}`, (p) => `${outDir}/${p} (at ${at})`);
  }
  const files = new Map<string, string>();
  if (existsSync(outDir)) {
    for (const entry of readdirSync(outDir, { withFileTypes: true })) {
      const file = join(outDir, entry.name, VERSION_RECORD_FILE);
      if (entry.isDirectory() && existsSync(file)) files.set(`${entry.name}/${VERSION_RECORD_FILE}`, readFileSync(file, 'utf8'));
    }
  }
  return collect(files, outDir, (p) => `${outDir}/${p}`);
}

function collect(files: ReadonlyMap<string, string>, description: string, name: (path: string) => string): Baseline {
  const records = new Map<string, VersionRecord>();
  for (const [path, text] of [...files].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const record = parseVersionRecord(name(path), text);
    records.set(path.split('/')[0], record);
  }
  return { records, description };
}
