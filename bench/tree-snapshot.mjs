/**
 * What a run wrote, seen from outside: a snapshot maps every file under a folder to its inode,
 * size and modification time; a file counts as written when it is new or any of these changed.
 * Independent of meshc's own report, so the benchmark can check what meshc claims.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

export function snapshot(dir) {
  const out = new Map();
  if (!existsSync(dir)) return out;
  const walk = (d) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      // meshc's render record (see src/output/render-cache.ts) is bookkeeping, not output.
      else if (!(d === dir && entry.name === '.meshc-cache.json')) {
        const s = statSync(full, { bigint: true });
        out.set(relative(dir, full).split(sep).join('/'), { ino: s.ino, size: Number(s.size), mtimeNs: s.mtimeNs });
      }
    }
  };
  walk(dir);
  return out;
}

export function writtenSince(before, after) {
  const files = [];
  let bytes = 0;
  for (const [path, now] of after) {
    const then = before.get(path);
    if (!then || then.ino !== now.ino || then.mtimeNs !== now.mtimeNs || then.size !== now.size) {
      files.push(path);
      bytes += now.size;
    }
  }
  const removed = [...before.keys()].filter((p) => !after.has(p));
  return { files: files.sort(), bytes, removed: removed.sort() };
}
