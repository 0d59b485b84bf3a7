/**
 * A typed model of a Go text/template that renders YAML, and its emitter.
 *
 * meshc describes what sidecar injection adds as data (maps, lists, literal and computed
 * scalars, conditionals, ranges); the emitter turns it into the template text istiod
 * evaluates. Computed scalars are emitted through Istio's `structToJSON` (JSON-encodes any
 * value; a JSON string is a valid YAML scalar), so whatever a template computes lands in the
 * YAML correctly quoted. `toJSON` would not do: istiod's takes only string maps.
 */

/** A Go template expression (pipeline), e.g. `.Values.global.hub` or `annotation .ObjectMeta "x" "y"`. */
export type GoExpr = string;

export type Scalar = string | number | boolean | null;

export type Node =
  | { readonly kind: 'lit'; readonly value: Scalar }
  | { readonly kind: 'expr'; readonly go: GoExpr }
  | { readonly kind: 'text'; readonly go: GoExpr }
  | { readonly kind: 'number'; readonly go: GoExpr }
  | { readonly kind: 'map'; readonly entries: readonly Entry[] }
  | { readonly kind: 'list'; readonly items: readonly Item[] };

export type Entry =
  | { readonly kind: 'entry'; readonly key: string; readonly value: Node }
  | Conditional<Entry>
  | { readonly kind: 'range'; readonly over: GoExpr; readonly vars: string; readonly body: readonly Entry[] };

export type Item =
  | { readonly kind: 'item'; readonly value: Node }
  | Conditional<Item>
  | { readonly kind: 'range'; readonly over: GoExpr; readonly vars: string; readonly body: readonly Item[] };

export interface Conditional<T> {
  readonly kind: 'if';
  readonly cond: GoExpr;
  readonly then: readonly T[];
  readonly else?: readonly T[];
}

// ---- builders -------------------------------------------------------------------------------

/** A literal scalar. */
export const lit = (value: Scalar): Node => ({ kind: 'lit', value });
/** A computed scalar: the expression's value, JSON-encoded. */
export const expr = (go: GoExpr): Node => ({ kind: 'expr', go });
/**
 * A computed number written as the expression prints it, for values that may be numeric
 * strings (annotations): Kubernetes wants a number there, and a quoted one would not parse.
 */
export const num = (go: GoExpr): Node => ({ kind: 'number', go });
/** A computed string built from template text, e.g. `istiod.{{ .X }}.svc:15012`; JSON-encoded as a whole. */
export const text = (go: GoExpr): Node => ({ kind: 'text', go });

type MapInput = Record<string, Node | Scalar | undefined> | readonly Entry[];

/** A mapping; a plain object gives entries in its key order, `undefined` values are skipped. */
export function map(input: MapInput): Node {
  if (Array.isArray(input)) return { kind: 'map', entries: input as readonly Entry[] };
  const entries: Entry[] = [];
  for (const [key, value] of Object.entries(input as Record<string, Node | Scalar | undefined>)) {
    if (value === undefined) continue;
    entries.push(entry(key, value));
  }
  return { kind: 'map', entries };
}

export function entry(key: string, value: Node | Scalar): Entry {
  return { kind: 'entry', key, value: toNode(value) };
}

export function list(items: readonly (Item | Node | Scalar)[]): Node {
  return { kind: 'list', items: items.map(toItem) };
}

export function when<T extends Entry | Item>(cond: GoExpr, then: readonly T[], otherwise?: readonly T[]): Conditional<T> {
  return { kind: 'if', cond, then, else: otherwise };
}

export function eachEntry(over: GoExpr, vars: string, body: readonly Entry[]): Entry {
  return { kind: 'range', over, vars, body };
}

export function eachItem(over: GoExpr, vars: string, body: readonly Item[]): Item {
  return { kind: 'range', over, vars, body };
}

export function item(value: Node | Scalar): Item {
  return { kind: 'item', value: toNode(value) };
}

function toNode(value: Node | Scalar): Node {
  return value !== null && typeof value === 'object' ? value : lit(value);
}

function toItem(value: Item | Node | Scalar): Item {
  if (value !== null && typeof value === 'object' && ['item', 'if', 'range'].includes(value.kind)) return value as Item;
  return item(value as Node | Scalar);
}

// ---- emitter --------------------------------------------------------------------------------

const KEY = /^[A-Za-z0-9_.\/-]+$/;

/** Template text for a document whose root is `root` (a map). */
export function emitTemplate(root: Node, preamble: readonly string[] = []): string {
  if (root.kind !== 'map') throw new Error('a template document must be a map');
  const lines: string[] = [...preamble.map((p) => `{{- ${p} }}`)];
  emitEntries(root.entries, 0, lines);
  return lines.join('\n') + '\n';
}

type Control<T> = Conditional<T> | { readonly kind: 'range'; readonly over: GoExpr; readonly vars: string; readonly body: readonly T[] };

/** Emits a sequence of entries or items, wrapping conditionals and ranges in template actions. */
function emitSequence<T extends { readonly kind: string }>(nodes: readonly T[], lines: string[], emitPlain: (node: T) => void): void {
  for (const n of nodes) {
    const control = n as unknown as Control<T>;
    if (control.kind === 'if') {
      lines.push(`{{- if ${control.cond} }}`);
      emitSequence(control.then, lines, emitPlain);
      if (control.else) {
        lines.push('{{- else }}');
        emitSequence(control.else, lines, emitPlain);
      }
      lines.push('{{- end }}');
    } else if (control.kind === 'range') {
      lines.push(`{{- range ${control.vars} := ${control.over} }}`);
      emitSequence(control.body, lines, emitPlain);
      lines.push('{{- end }}');
    } else {
      emitPlain(n);
    }
  }
}

function emitEntries(entries: readonly Entry[], indent: number, lines: string[]): void {
  const pad = ' '.repeat(indent);
  emitSequence(entries, lines, (e) => {
    if (e.kind !== 'entry') return;
    if (!KEY.test(e.key)) throw new Error(`template key "${e.key}" needs quoting`);
    emitValue(`${pad}${e.key}:`, e.value, indent, lines);
  });
}

function emitItems(items: readonly Item[], indent: number, lines: string[]): void {
  const pad = ' '.repeat(indent);
  emitSequence(items, lines, (i) => {
    if (i.kind === 'item') emitValue(`${pad}-`, i.value, indent + 2, lines);
  });
}

/** Emits `head` followed by the value: inline for scalars and empty collections, else as a block. */
function emitValue(head: string, value: Node, childIndent: number, lines: string[]): void {
  switch (value.kind) {
    case 'lit':
      lines.push(`${head} ${JSON.stringify(value.value)}`);
      return;
    case 'expr':
      lines.push(`${head} {{ structToJSON (${value.go}) }}`);
      return;
    case 'number':
      lines.push(`${head} {{ ${value.go} }}`);
      return;
    case 'text':
      lines.push(`${head} {{ structToJSON (print ${goString(value.go)}) }}`);
      return;
    case 'map':
      if (value.entries.length === 0) {
        lines.push(`${head} {}`);
        return;
      }
      lines.push(head);
      emitEntries(value.entries, head.endsWith('-') ? childIndent : childIndent + 2, lines);
      return;
    case 'list':
      if (value.items.length === 0) {
        lines.push(`${head} []`);
        return;
      }
      lines.push(head);
      emitItems(value.items, head.endsWith('-') ? childIndent : childIndent + 2, lines);
      return;
  }
}

/** Quotes template text for `print`: nested actions stay live, literal text becomes a Go string. */
function goString(textWithActions: string): string {
  // Split on {{ ... }}; literal parts become Go string literals, actions become parenthesized args.
  const parts: string[] = [];
  const re = /\{\{\s*(.*?)\s*\}\}/g;
  let last = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(textWithActions)) !== null) {
    if (m.index > last) parts.push(JSON.stringify(textWithActions.slice(last, m.index)));
    parts.push(`(${m[1]})`);
    last = m.index + m[0].length;
  }
  if (last < textWithActions.length) parts.push(JSON.stringify(textWithActions.slice(last)));
  return parts.length ? parts.join(' ') : '""';
}
