import {
  Alias,
  Document,
  LineCounter,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  parseAllDocuments,
  type Node as YamlNode,
} from 'yaml';
import { InputError, formatPath, type Diagnostic, type DocPath } from './diagnostic';

export interface SourcePosition {
  readonly line: number;
  readonly column: number;
}

/** A parsed input file that can still answer "where in the text is this value?". */
export interface SourceDocument {
  /** The file as the user named it. */
  readonly file: string;
  /** The document as plain JavaScript values (mappings are plain objects). */
  readonly data: unknown;
  /**
   * Position of the node at `path`. A path that does not exist (e.g. a missing
   * required key) falls back to the nearest existing ancestor. With `{ key: true }`
   * the position of a mapping key itself is returned, which is where an "unknown
   * field" belongs; otherwise the value's position.
   */
  positionOf(path: DocPath, opts?: { key?: boolean }): SourcePosition;
  /**
   * The scalar exactly as written in the file (e.g. `1.30` where the data holds
   * 1.3), so that messages can quote what the user actually typed. Undefined when
   * the path is not a scalar or the source is not text.
   */
  sourceTextOf?(path: DocPath): string | undefined;
}

const PEM_PRIVATE_KEY = /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/g;

/** Whether text holds a PEM private key block: never acceptable in the configuration repository. */
export function containsPrivateKey(text: string): boolean {
  return new RegExp(PEM_PRIVATE_KEY.source).test(text);
}

const PEM_MESSAGE =
  'a PEM private key is not allowed in the fleet file: reference secret material ' +
  '(existing Secret, ExternalSecret, SealedSecret) instead';

/**
 * Parses a single-document YAML mapping. Every problem found is reported in one
 * InputError, so that a user fixing a file sees all of its mistakes in one run.
 */
export function parseYamlSource(file: string, text: string): SourceDocument {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const diagnostics: Diagnostic[] = [];
  const at = (offset: number): SourcePosition => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const report = (offset: number, message: string, path: DocPath = []): void => {
    diagnostics.push({ severity: 'error', file, ...at(offset), path: formatPath(path), message });
  };

  const list: readonly Document.Parsed[] = docs;
  const doc = list[0];

  // Secrets are checked on the raw text so they are caught even in comments or in
  // a file that does not otherwise parse: anything in the file ends up in git.
  for (const match of text.matchAll(PEM_PRIVATE_KEY)) {
    const offset = match.index ?? 0;
    report(offset, PEM_MESSAGE, doc ? pathAtOffset(doc, offset) : []);
  }

  // A stream without documents still carries its own errors (e.g. a stray `]`).
  if ('empty' in docs && docs.empty) {
    for (const e of docs.errors) report(e.pos[0], yamlMessage(e.message));
  }
  for (const d of list) {
    for (const e of d.errors) {
      if (e.code === 'DUPLICATE_KEY') {
        const dup = findKeyAt(d, e.pos[0]);
        const name = dup ? String(dup.key) : text.slice(e.pos[0], e.pos[1]);
        report(e.pos[0], `duplicate key "${name}"`, dup ? dup.parent : []);
      } else {
        report(e.pos[0], yamlMessage(e.message));
      }
    }
  }
  if (list.length > 1) {
    report(list[1].range[0], `expected a single YAML document, but another document starts here (found ${list.length})`);
  }

  let data: unknown = undefined;
  if (!doc || doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null && !sourceSlice(text, doc.contents).trim())) {
    report(0, 'the fleet file must be a YAML mapping, but it is empty');
  } else if (!isMap(doc.contents)) {
    report(doc.contents.range?.[0] ?? 0, `the fleet file must be a YAML mapping, got ${yamlKind(doc.contents)}`);
  } else if (diagnostics.length === 0) {
    try {
      data = doc.toJS({ maxAliasCount: 1000 });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const unresolved = findUnresolvedAlias(doc);
      if (unresolved) {
        report(unresolved.range?.[0] ?? 0, `unknown YAML alias "*${unresolved.source}": the anchor must be defined before it is used`);
      } else {
        report(0, `invalid YAML: ${lowerFirst(message)}`);
      }
    }
  }

  if (diagnostics.length > 0) {
    diagnostics.sort((a, b) => a.line - b.line || a.column - b.column || a.message.localeCompare(b.message));
    throw new InputError(diagnostics);
  }

  const root = doc!;
  return {
    file,
    data,
    positionOf(path: DocPath, opts?: { key?: boolean }): SourcePosition {
      const found = locate(root, path);
      let offset = found.node?.range?.[0] ?? 0;
      if (found.complete && found.pairKey && (opts?.key || isEmptyNode(found.node))) {
        // An empty value (`name:`) has no text of its own; its key is where the eye goes.
        offset = found.pairKey.range?.[0] ?? offset;
      }
      return at(offset);
    },
    sourceTextOf(path: DocPath): string | undefined {
      const found = locate(root, path);
      if (!found.complete || !isScalar(found.node)) return undefined;
      return sourceSlice(text, found.node);
    },
  };
}

interface Located {
  /** The deepest node reached. */
  node: YamlNode | null;
  /** The key node of the pair holding `node`, when `node` is a mapping value. */
  pairKey?: YamlNode;
  /** False when the path ran out of document and `node` is an ancestor. */
  complete: boolean;
}

function locate(doc: Document.Parsed, path: DocPath): Located {
  let node: YamlNode | null = deref(doc, doc.contents);
  let pairKey: YamlNode | undefined;
  for (const part of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => keyText(p.key) === String(part));
      if (!pair) return { node, pairKey, complete: false };
      pairKey = isNodeLike(pair.key) ? (pair.key as YamlNode) : undefined;
      const value = deref(doc, pair.value as YamlNode | null);
      // A pair without a value has no value node; the key stands in for it.
      node = value ?? pairKey ?? node;
    } else if (isSeq(node) && typeof part === 'number' && part >= 0 && part < node.items.length) {
      pairKey = undefined;
      node = deref(doc, node.items[part] as YamlNode | null) ?? node;
    } else {
      return { node, pairKey, complete: false };
    }
  }
  return { node, pairKey, complete: true };
}

function deref(doc: Document.Parsed, node: YamlNode | null | undefined): YamlNode | null {
  if (isAlias(node)) return (node.resolve(doc) as YamlNode | undefined) ?? node;
  return node ?? null;
}

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  if (isNodeLike(key)) return undefined;
  return key === null || key === undefined ? undefined : String(key);
}

function isNodeLike(value: unknown): boolean {
  return typeof value === 'object' && value !== null && 'range' in value;
}

function isEmptyNode(node: YamlNode | null): boolean {
  if (!isScalar(node) || node.value !== null) return false;
  const range = node.range;
  return !range || range[0] === range[1];
}

function sourceSlice(text: string, node: YamlNode): string {
  const range = node.range;
  return range ? text.slice(range[0], range[1]) : '';
}

function yamlKind(node: unknown): string {
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) {
    const v = node.value;
    if (v === null) return 'null';
    if (typeof v === 'string') return 'a string';
    if (typeof v === 'number' || typeof v === 'bigint') return 'a number';
    if (typeof v === 'boolean') return 'a boolean';
  }
  return 'a scalar value';
}

function yamlMessage(message: string): string {
  return `invalid YAML: ${lowerFirst(message)}`;
}

function lowerFirst(s: string): string {
  return /^[A-Z][a-z]/.test(s) ? s[0].toLowerCase() + s.slice(1) : s;
}

/** The key at `offset` and the path of the mapping holding it. */
function findKeyAt(doc: Document.Parsed, offset: number): { key: unknown; parent: DocPath } | undefined {
  let result: { key: unknown; parent: DocPath } | undefined;
  walk(doc.contents, [], (node, path) => {
    if (result || !isMap(node)) return;
    for (const pair of node.items) {
      const k = pair.key as YamlNode | null;
      if (isNodeLike(k) && k?.range?.[0] === offset) {
        result = { key: isScalar(k) ? k.value : sourceOfNode(k), parent: path };
        return;
      }
    }
  });
  return result;
}

function sourceOfNode(node: YamlNode): string {
  return isScalar(node) ? String(node.value) : String(node);
}

/** Path of the innermost node whose text contains `offset`, for messages that concern raw text. */
function pathAtOffset(doc: Document.Parsed, offset: number): DocPath {
  let best: DocPath = [];
  walk(doc.contents, [], (node, path) => {
    const range = node.range;
    if (range && range[0] <= offset && offset < Math.max(range[1], range[0] + 1) && path.length >= best.length) {
      best = path;
    }
  });
  return best;
}

function walk(node: unknown, path: DocPath, visit: (node: YamlNode, path: DocPath) => void): void {
  if (!isNodeLike(node) || isAlias(node)) return;
  visit(node as YamlNode, path);
  if (isMap(node)) {
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const key = keyText(pair.key);
      if (key !== undefined) walk(pair.value, [...path, key], visit);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => walk(item, [...path, i], visit));
  }
}

function findUnresolvedAlias(doc: Document.Parsed): Alias | undefined {
  let result: Alias | undefined;
  const visitAll = (node: unknown): void => {
    if (result) return;
    if (isAlias(node)) {
      if (!node.resolve(doc)) result = node;
    } else if (isMap(node)) {
      for (const pair of node.items) {
        visitAll(pair.key);
        visitAll(pair.value);
      }
    } else if (isSeq(node)) {
      node.items.forEach(visitAll);
    }
  };
  visitAll(doc.contents);
  return result;
}
