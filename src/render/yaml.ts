/**
 * YAML text for everything meshc writes: stable key order, no line folding, so the same
 * input gives the same bytes on every machine.
 *
 * The output is exactly what the `yaml` package prints with the options below (a test holds
 * the two together). Building a `yaml` Document per object was most of the cost of a render,
 * so plain data is laid out here directly; only the scalars whose quoting rules are subtle
 * (anything but a simple word, path or name) are formatted by the package, once each.
 */
import { stringify } from 'yaml';
import { compare } from '../util/compare';

export interface YamlOptions {
  /** Sort mapping keys alphabetically (for embedded documents that have no natural order). */
  readonly sortKeys?: boolean;
}

/** The `yaml` package options meshc's output follows. */
export const YAML_OPTIONS = { lineWidth: 0, minContentWidth: 0, indentSeq: true, aliasDuplicateObjects: false } as const;

export function toYaml(value: unknown, options: YamlOptions = {}): string {
  if (!isCollection(value)) return stringify(value, { ...YAML_OPTIONS, sortMapEntries: options.sortKeys ?? false });
  const lines: string[] = [];
  emitCollection(value, '', lines, options.sortKeys ?? false);
  return lines.join('\n') + '\n';
}

type Collection = Record<string, unknown> | unknown[];

function isCollection(value: unknown): value is Collection {
  if (Array.isArray(value)) return true;
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function isEmpty(value: Collection): boolean {
  return Array.isArray(value) ? value.length === 0 : Object.keys(value).length === 0;
}

/** Appends the lines of a non-empty collection whose entries start at column `indent`. */
function emitCollection(value: Collection, indent: string, lines: string[], sortKeys: boolean): void {
  if (Array.isArray(value)) {
    for (const item of value) emitEntry(`${indent}- `, item, indent, lines, sortKeys, true);
    return;
  }
  const keys = Object.keys(value).filter((k) => value[k] !== undefined);
  if (sortKeys) keys.sort(compare);
  for (const key of keys) emitEntry(`${indent}${formatKey(key, indent === '')}:`, value[key], indent, lines, sortKeys, false);
}

/**
 * One map entry (`head` is `key:`) or sequence item (`head` is `- `). A nested map or sequence
 * under a sequence item starts on the item's own line, as the package prints it.
 */
function emitEntry(head: string, value: unknown, indent: string, lines: string[], sortKeys: boolean, item: boolean): void {
  const sep = item ? '' : ' ';
  if (!isCollection(value)) {
    lines.push(`${head}${sep}${formatScalar(value === undefined ? null : value, indent)}`);
    return;
  }
  if (isEmpty(value)) {
    lines.push(`${head}${sep}${Array.isArray(value) ? '[]' : '{}'}`);
    return;
  }
  const inner = `${indent}  `;
  if (!item) {
    lines.push(head);
    emitCollection(value, inner, lines, sortKeys);
    return;
  }
  const start = lines.length;
  emitCollection(value, inner, lines, sortKeys);
  lines[start] = head + lines[start].slice(inner.length);
}

/**
 * Strings the package prints plain, unquoted, on one line: a letter, `_`, `/` or `$` first (so
 * never a number, an indicator or a quote), then name and path characters, with a colon or a
 * single space only where neither reads as YAML syntax. Everything else goes to the package.
 */
const SIMPLE = /^[A-Za-z_/$](?:[A-Za-z0-9_./$=+@(),-]|:(?=[^ ])| (?=[^ ]))*$/;
const RESERVED = /^(?:true|false|null|yes|no|on|off|y|n)$/i;

const formatted = new Map<string, string>();

function formatKey(key: string, topLevel: boolean): string {
  if (SIMPLE.test(key) && !RESERVED.test(key) && !key.endsWith(':')) return key;
  // A key at the start of a line at column 0 could read as a document marker (`---`): the
  // package quotes it there and nowhere else.
  const cacheKey = `${topLevel ? 'K' : 'k'}\0${key}`;
  let text = formatted.get(cacheKey);
  if (text === undefined) {
    const out = topLevel ? stringify({ [key]: null }, YAML_OPTIONS) : stringify({ k: { [key]: null } }, YAML_OPTIONS).slice('k:\n  '.length);
    text = out.slice(0, out.length - ': null\n'.length);
    formatted.set(cacheKey, text);
  }
  return text;
}

function formatScalar(value: unknown, indent: string): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number' && Number.isSafeInteger(value) && !Object.is(value, -0)) return String(value);
  if (typeof value === 'string' && SIMPLE.test(value) && !RESERVED.test(value) && !value.endsWith(':')) return value;
  if (typeof value !== 'string' && typeof value !== 'number') throw new Error(`toYaml: cannot write a ${typeof value === 'object' ? (value as object).constructor?.name ?? 'object' : typeof value}`);

  const cacheKey = `${typeof value}\0${String(value)}`;
  let text = formatted.get(cacheKey);
  if (text === undefined) {
    // As the value of a top-level key: block scalars then indent their lines by two, which is
    // what they get below any entry, relative to that entry's column.
    const out = stringify({ k: value }, YAML_OPTIONS);
    text = out.slice('k: '.length, out.length - 1);
    formatted.set(cacheKey, text);
  }
  if (indent === '' || !text.includes('\n')) return text;
  return text
    .split('\n')
    .map((line, i) => (i === 0 || line === '' ? line : indent + line))
    .join('\n');
}
