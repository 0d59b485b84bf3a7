/**
 * Structural diff of two rendered trees: objects matched by identity, not by file, and compared
 * field by field, so a review shows `spec.replicas: 2 → 3` instead of a wall of YAML lines.
 */
import { parseAllDocuments, parse } from 'yaml';
import { compare } from '../render/render';
import { FLEET_DOC } from '../fleet/fleet-doc';
import { CACHE_FILE, OUTPUT_GITIGNORE } from '../output/render-cache';

/** One parsed document of a tree, with the identity it is matched by. */
export interface TreeEntry {
  /** Display name and match key within its bundle, e.g. `Deployment.apps istio-system/istiod`. */
  readonly id: string;
  /** File the document came from, relative to its bundle. */
  readonly file: string;
  readonly value: unknown;
}

/** First path segment (a cluster, or a top-level folder such as `argocd`) → its documents by id. */
export type ParsedTree = ReadonlyMap<string, ReadonlyMap<string, TreeEntry>>;

export interface FieldChange {
  readonly op: 'added' | 'removed' | 'changed';
  /** e.g. `spec.template.spec.containers[name=discovery].env[name=PILOT_TRACE_SAMPLING].value` */
  readonly path: string;
  readonly old?: unknown;
  readonly new?: unknown;
  /** For multi-line strings: the 1-based line of the first difference, shown instead of the whole text. */
  readonly line?: number;
}

export interface ObjectChange {
  readonly id: string;
  readonly changes: readonly FieldChange[];
}

export interface BundleDiff {
  readonly bundle: string;
  /** `added`/`removed` when the whole bundle is new or gone (a cluster added to or removed from the fleet). */
  readonly status: 'added' | 'removed' | 'changed' | 'unchanged';
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly changed: readonly ObjectChange[];
}

export interface FleetDiff {
  readonly bundles: readonly BundleDiff[];
}

export function hasChanges(diff: FleetDiff): boolean {
  return diff.bundles.some((b) => b.status !== 'unchanged');
}

/** Files that describe the output folder rather than belong to a bundle (the marker, the fleet overview). */
const IGNORED_FILES = new Set(['.meshc-output', FLEET_DOC, OUTPUT_GITIGNORE.path, CACHE_FILE]);

/** Parses every YAML file of a tree (relative path → text) into documents keyed by identity. */
export function parseTree(files: ReadonlyMap<string, string>): ParsedTree {
  const bundles = new Map<string, Map<string, TreeEntry>>();
  for (const [path, text] of files) {
    if (IGNORED_FILES.has(path)) continue;
    const slash = path.indexOf('/');
    const bundle = slash < 0 ? '.' : path.slice(0, slash);
    const file = slash < 0 ? path : path.slice(slash + 1);
    let entries = bundles.get(bundle);
    if (!entries) bundles.set(bundle, (entries = new Map()));
    for (const entry of parseFile(file, text)) {
      // Two files holding the same object is a broken tree; keep both rather than hide one.
      const id = entries.has(entry.id) ? `${entry.id} (${file})` : entry.id;
      entries.set(id, { ...entry, id });
    }
  }
  return bundles;
}

function parseFile(file: string, text: string): TreeEntry[] {
  const docs = parseAllDocuments(text);
  const list = Array.isArray(docs) ? docs : [docs];
  if (list.some((d) => d.errors.length > 0)) return [{ id: file, file, value: text }];
  const values = list.map((d) => d.toJS({ maxAliasCount: -1 }) as unknown).filter((v) => v !== null && v !== undefined);
  return values.map((value, i) => ({ id: objectId(value) ?? (values.length === 1 ? file : `${file}#${i + 1}`), file, value }));
}

/**
 * `Kind.group namespace/name` (kubectl's resource.group convention); the version is left out so an
 * apiVersion bump shows as a field change of the same object.
 */
function objectId(value: unknown): string | undefined {
  if (!isPlainObject(value)) return undefined;
  const { apiVersion, kind, metadata } = value;
  if (typeof kind !== 'string' || !isPlainObject(metadata) || typeof metadata.name !== 'string') return undefined;
  if (typeof apiVersion !== 'string') return undefined;
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  const namespace = typeof metadata.namespace === 'string' && metadata.namespace ? `${metadata.namespace}/` : '';
  return `${kind}${group ? `.${group}` : ''} ${namespace}${metadata.name}`;
}

export function diffTrees(base: ParsedTree, head: ParsedTree): FleetDiff {
  const names = [...new Set([...base.keys(), ...head.keys()])].sort(compare);
  return { bundles: names.map((bundle) => diffBundle(bundle, base.get(bundle), head.get(bundle))) };
}

function diffBundle(bundle: string, base: ReadonlyMap<string, TreeEntry> | undefined, head: ReadonlyMap<string, TreeEntry> | undefined): BundleDiff {
  const before = base ?? new Map<string, TreeEntry>();
  const after = head ?? new Map<string, TreeEntry>();
  const added = [...after.keys()].filter((id) => !before.has(id)).sort(compare);
  const removed = [...before.keys()].filter((id) => !after.has(id)).sort(compare);
  const changed: ObjectChange[] = [];
  for (const id of [...after.keys()].sort(compare)) {
    const old = before.get(id);
    if (!old) continue;
    const changes = diffValues(old.value, after.get(id)!.value);
    if (changes.length > 0) changed.push({ id, changes });
  }
  const status = !base ? 'added' : !head ? 'removed' : added.length + removed.length + changed.length > 0 ? 'changed' : 'unchanged';
  return { bundle, status, added, removed, changed };
}

/** Field-level differences between two parsed values; empty when they are equal. */
export function diffValues(old: unknown, next: unknown, path = ''): FieldChange[] {
  const out: FieldChange[] = [];
  walk(old, next, path, out);
  return out;
}

function walk(a: unknown, b: unknown, path: string, out: FieldChange[]): void {
  if (isPlainObject(a) && isPlainObject(b)) {
    for (const key of Object.keys(a)) {
      const p = joinKey(path, key);
      if (!(key in b)) out.push({ op: 'removed', path: p, old: a[key] });
      else walk(a[key], b[key], p, out);
    }
    for (const key of Object.keys(b)) if (!(key in a)) out.push({ op: 'added', path: joinKey(path, key), new: b[key] });
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (namedItems(a) && namedItems(b)) walkNamed(a, b, path, out);
    else if (a.every(isScalar) && b.every(isScalar)) walkScalars(a, b, path, out);
    else walkIndexed(a, b, path, out);
    return;
  }
  if (deepEqual(a, b)) return;
  if (typeof a === 'string' && typeof b === 'string' && (a.includes('\n') || b.includes('\n'))) {
    // ConfigMaps carry whole documents (mesh config, injection templates) as strings: look inside.
    const inner = [embeddedDocument(a), embeddedDocument(b)];
    if (inner[0] !== undefined && inner[1] !== undefined) return walk(inner[0], inner[1], `${path}{yaml}`, out);
    const line = firstDifferentLine(a, b);
    out.push({ op: 'changed', path, old: a.split('\n')[line - 1] ?? '', new: b.split('\n')[line - 1] ?? '', line });
    return;
  }
  out.push({ op: 'changed', path, old: a, new: b });
}

/** Lists of objects that all have a unique `name` (containers, env, ports, volumes) match by name. */
function namedItems(list: unknown[]): list is { name: string }[] {
  const names = list.map((item) => (isPlainObject(item) && typeof item.name === 'string' ? item.name : undefined));
  return list.length > 0 && names.every((n) => n !== undefined) && new Set(names).size === names.length;
}

function walkNamed(a: { name: string }[], b: { name: string }[], path: string, out: FieldChange[]): void {
  const before = new Map(a.map((item) => [item.name, item]));
  const after = new Map(b.map((item) => [item.name, item]));
  const at = (name: string) => `${path}[name=${name}]`;
  for (const [name, item] of before) {
    if (!after.has(name)) out.push({ op: 'removed', path: at(name), old: item });
    else walk(item, after.get(name), at(name), out);
  }
  for (const [name, item] of after) if (!before.has(name)) out.push({ op: 'added', path: at(name), new: item });
  // Order can matter (env entries referencing earlier ones, container start order), so say so.
  const kept = (list: { name: string }[], other: Map<string, unknown>) => list.map((i) => i.name).filter((n) => other.has(n));
  const oldOrder = kept(a, after);
  const newOrder = kept(b, before);
  if (oldOrder.join('\0') !== newOrder.join('\0')) out.push({ op: 'changed', path: `${path}{order}`, old: oldOrder, new: newOrder });
}

function walkIndexed(a: unknown[], b: unknown[], path: string, out: FieldChange[]): void {
  const common = Math.min(a.length, b.length);
  for (let i = 0; i < common; i++) walk(a[i], b[i], `${path}[${i}]`, out);
  for (let i = common; i < a.length; i++) out.push({ op: 'removed', path: `${path}[${i}]`, old: a[i] });
  for (let i = common; i < b.length; i++) out.push({ op: 'added', path: `${path}[${i}]`, new: b[i] });
}

/**
 * Lists of plain values (args, hosts, kustomization resources) are aligned by longest common
 * subsequence, so one inserted entry is one addition rather than every later index changing.
 */
function walkScalars(a: unknown[], b: unknown[], path: string, out: FieldChange[]): void {
  const n = a.length;
  const m = b.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  }
  let i = 0;
  let j = 0;
  const removed: number[] = [];
  const added: number[] = [];
  const flush = () => {
    // A removal facing an addition at the same spot reads better as one change.
    const paired = Math.min(removed.length, added.length);
    for (let k = 0; k < paired; k++) out.push({ op: 'changed', path: `${path}[${added[k]}]`, old: a[removed[k]], new: b[added[k]] });
    for (const r of removed.slice(paired)) out.push({ op: 'removed', path: `${path}[${r}]`, old: a[r] });
    for (const x of added.slice(paired)) out.push({ op: 'added', path: `${path}[${x}]`, new: b[x] });
    removed.length = 0;
    added.length = 0;
  };
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      flush();
      i++;
      j++;
    } else if (j >= m || (i < n && lcs[i + 1][j] >= lcs[i][j + 1])) removed.push(i++);
    else added.push(j++);
  }
  flush();
}

function embeddedDocument(text: string): unknown {
  try {
    const value: unknown = parse(text, { maxAliasCount: -1 });
    return isPlainObject(value) || Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function firstDifferentLine(a: string, b: string): number {
  const x = a.split('\n');
  const y = b.split('\n');
  let i = 0;
  while (i < x.length && i < y.length && x[i] === y[i]) i++;
  return i + 1;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

function joinKey(path: string, key: string): string {
  if (!IDENTIFIER.test(key)) return `${path}[${JSON.stringify(key)}]`;
  return path ? `${path}.${key}` : key;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isScalar(value: unknown): boolean {
  return value === null || typeof value !== 'object';
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => k in b && deepEqual(a[k], b[k]));
  }
  return false;
}
