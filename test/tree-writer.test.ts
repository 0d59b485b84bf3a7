/**
 * The output folder is replaced as a whole or not at all.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OUTPUT_MARKER, OutputError, diffTree, readTree, writeTree } from '../src/output/tree-writer';

let root: string;
let out: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'meshc-writer-'));
  out = join(root, 'dist');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const tree = (entries: Record<string, string>) => new Map(Object.entries(entries));

describe('writeTree', () => {
  it('creates the folder with the files and the meshc marker', () => {
    const diff = writeTree(out, tree({ 'a/x.yaml': 'x: 1\n', 'b.yaml': 'b: 2\n' }));
    expect(diff.added).toEqual(['.gitignore', OUTPUT_MARKER, 'a/x.yaml', 'b.yaml']);
    expect([...readTree(out).keys()]).toEqual(['.gitignore', OUTPUT_MARKER, 'a/x.yaml', 'b.yaml']);
    expect(readTree(out).get('a/x.yaml')).toBe('x: 1\n');
  });

  it('removes files and folders that are no longer rendered', () => {
    writeTree(out, tree({ 'gone/x.yaml': 'x\n', 'kept.yaml': 'k\n' }));
    const diff = writeTree(out, tree({ 'kept.yaml': 'k2\n' }));
    expect(diff).toEqual({ added: [], changed: ['kept.yaml'], removed: ['gone/x.yaml'] });
    expect(existsSync(join(out, 'gone'))).toBe(false);
    expect([...readTree(out).keys()]).toEqual(['.gitignore', OUTPUT_MARKER, 'kept.yaml']);
  });

  it('writes only the files that changed: the others keep their inode and modification time', () => {
    writeTree(out, tree({ 'one/a.yaml': 'a\n', 'two/b.yaml': 'b\n', 'two/c.yaml': 'c\n' }));
    const stat = (p: string) => statSync(join(out, p), { bigint: true });
    const before = { a: stat('one/a.yaml'), b: stat('two/b.yaml'), c: stat('two/c.yaml') };
    writeTree(out, tree({ 'one/a.yaml': 'a2\n', 'two/b.yaml': 'b\n', 'two/c.yaml': 'c\n' }));
    expect(stat('two/b.yaml').ino).toBe(before.b.ino);
    expect(stat('two/b.yaml').mtimeNs).toBe(before.b.mtimeNs);
    expect(stat('two/c.yaml').ino).toBe(before.c.ino);
    expect(stat('one/a.yaml').ino).not.toBe(before.a.ino);
    expect(readTree(out).get('one/a.yaml')).toBe('a2\n');
    // The swap leaves one name per file: nothing of the previous folder survives beside it.
    expect(readdirSync(root)).toEqual(['dist']);
    expect(Number(stat('two/b.yaml').nlink)).toBe(1);
  });

  it('writes nothing when the folder already holds the tree', () => {
    const t = tree({ 'a.yaml': 'a\n' });
    writeTree(out, t);
    const before = statSync(join(out, 'a.yaml')).mtimeMs;
    const inode = statSync(out).ino;
    const diff = writeTree(out, t);
    expect(diff).toEqual({ added: [], changed: [], removed: [] });
    expect(statSync(out).ino).toBe(inode);
    expect(statSync(join(out, 'a.yaml')).mtimeMs).toBe(before);
  });

  it('leaves the folder exactly as it was when writing fails half-way', () => {
    writeTree(out, tree({ 'old.yaml': 'old\n' }));
    const before = readTree(out);
    // A file and a folder of the same name cannot both be written: the staging write fails.
    expect(() => writeTree(out, tree({ 'a.yaml': 'a\n', clash: 'file\n', 'clash/b.yaml': 'b\n' }))).toThrow(OutputError);
    expect(readTree(out)).toEqual(before);
    expect(readdirSync(root)).toEqual(['dist']);
  });

  it('refuses to replace a folder meshc did not write', () => {
    mkdirSync(out);
    writeFileSync(join(out, 'precious.txt'), 'keep me');
    expect(() => writeTree(out, tree({ 'a.yaml': 'a\n' }))).toThrow(/refusing to replace .*not written by meshc/);
    expect(readTree(out)).toEqual(new Map([['precious.txt', 'keep me']]));
  });

  it('writes into an existing empty folder', () => {
    mkdirSync(out);
    writeTree(out, tree({ 'a.yaml': 'a\n' }));
    expect(readTree(out).get('a.yaml')).toBe('a\n');
  });
});

describe('diffTree', () => {
  it('lists missing, differing and extra files', () => {
    writeTree(out, tree({ 'a.yaml': 'a\n', 'b.yaml': 'b\n' }));
    expect(diffTree(out, tree({ 'a.yaml': 'A\n', 'c.yaml': 'c\n' }))).toEqual({ added: ['c.yaml'], changed: ['a.yaml'], removed: ['b.yaml'] });
  });
});
