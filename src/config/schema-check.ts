import Ajv, { type AnySchemaObject, type ErrorObject, type ValidateFunction } from 'ajv';
import { isIP } from 'net';
import { didYouMean } from '../util/did-you-mean';
import { formatPath, type Diagnostic, type DocPath } from './diagnostic';
import type { SourceDocument } from './source';

/**
 * Validates a parsed document against a draft-07 JSON Schema and turns Ajv's raw
 * errors into one precise diagnostic per real problem, positioned on the exact
 * key or value the user has to change.
 */
export function checkAgainstSchema(doc: SourceDocument, schema: object): Diagnostic[] {
  const validate = validatorFor(schema);
  if (validate(doc.data)) return [];
  const errors = (validate.errors ?? []).filter((e) => e.keyword !== 'if' && e.keyword !== 'propertyNames');
  const issues = resolve(errors, doc);

  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  for (const issue of issues) {
    const { line, column } = doc.positionOf(issue.at, { key: issue.key });
    const d: Diagnostic = { severity: 'error', file: doc.file, line, column, path: formatPath(issue.path), message: issue.message };
    const id = `${d.line}:${d.column}:${d.path}:${d.message}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(d);
  }
  return out.sort(
    (a, b) => a.line - b.line || a.column - b.column || compare(a.path, b.path) || compare(a.message, b.message),
  );
}

/** The keyword whose string value replaces the generic message of a failed `pattern`. */
export const PATTERN_MESSAGE_KEYWORD = 'x-pattern-message';

/**
 * Annotation keywords editors understand. Strict mode rejects unknown keywords to
 * catch typos in the schema, so the harmless ones have to be declared.
 */
import { SET_BY_KEYWORD } from './schema-builder';

const ANNOTATION_KEYWORDS = [
  'markdownDescription',
  'enumDescriptions',
  'markdownEnumDescriptions',
  'deprecationMessage',
  'defaultSnippets',
  'doNotSuggest',
  'suggestSortText',
  'patternErrorMessage',
];

const validators = new WeakMap<object, ValidateFunction>();

function validatorFor(schema: object): ValidateFunction {
  let validate = validators.get(schema);
  if (!validate) {
    const { prepared, extensionKeywords } = inlineLocalRefs(schema);
    const ajv = new Ajv({
      allErrors: true,
      verbose: true,
      strict: true,
      // `then: { required: [...] }` naming a property declared by the parent schema is
      // the usual way to express conditional fields; strictRequired rejects it.
      strictRequired: false,
      allowUnionTypes: true,
    });
    ajv.addKeyword({ keyword: PATTERN_MESSAGE_KEYWORD, metaSchema: { type: 'string' } });
    for (const keyword of [...ANNOTATION_KEYWORDS, ...extensionKeywords]) {
      if (!ajv.getKeyword(keyword)) ajv.addKeyword(keyword);
    }
    addFormats(ajv);
    validate = ajv.compile(prepared);
    validators.set(schema, validate);
  }
  return validate;
}

// ---------------------------------------------------------------------------
// Schema preparation

const SUBSCHEMA_KEYWORDS = new Set(['additionalItems', 'additionalProperties', 'contains', 'propertyNames', 'not', 'if', 'then', 'else']);
const SUBSCHEMA_LIST_KEYWORDS = new Set(['allOf', 'anyOf', 'oneOf']);
const SUBSCHEMA_MAP_KEYWORDS = new Set(['properties', 'patternProperties', 'definitions', '$defs', 'dependencies']);

/**
 * Returns a copy of the schema with every non-recursive local `$ref` replaced by
 * its target. Ajv reports errors inside a referenced schema with the schema path
 * of the definition, which loses the link to the `oneOf`/`anyOf` branch that
 * referenced it; inlining keeps every error's schema path rooted at the top, so
 * branch errors can be grouped by prefix. Also collects `x-*` extension keywords.
 */
function inlineLocalRefs(root: object): { prepared: object; extensionKeywords: string[] } {
  const extensions = new Set<string>();

  const expand = (node: unknown, stack: readonly string[], isRoot: boolean): unknown => {
    if (!isPlainObject(node)) return node;
    // A nested $id changes what `#` means; leave such subtrees to Ajv.
    if (!isRoot && typeof node.$id === 'string') return node;

    const ref = node.$ref;
    if (typeof ref === 'string' && ref.startsWith('#') && !stack.includes(ref)) {
      const target = resolvePointer(root, ref);
      if (target !== undefined) {
        const expanded = expand(target, [...stack, ref], false);
        const { $ref: _ignored, ...siblings } = node;
        void _ignored;
        if (Object.keys(siblings).length === 0) return expanded;
        // Ajv applies keywords next to $ref, so the target becomes one more allOf part.
        const rest = expandKeys(siblings, stack);
        const allOf = Array.isArray(rest.allOf) ? rest.allOf : [];
        return { ...rest, allOf: [...allOf, expanded] };
      }
    }
    return expandKeys(node, stack);
  };

  const expandKeys = (node: Record<string, unknown>, stack: readonly string[]): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) {
      if (key.startsWith('x-')) extensions.add(key);
      if (SUBSCHEMA_KEYWORDS.has(key) || (key === 'items' && !Array.isArray(value))) {
        out[key] = expand(value, stack, false);
      } else if (SUBSCHEMA_LIST_KEYWORDS.has(key) || key === 'items') {
        out[key] = Array.isArray(value) ? value.map((v) => expand(v, stack, false)) : value;
      } else if (SUBSCHEMA_MAP_KEYWORDS.has(key) && isPlainObject(value)) {
        const map: Record<string, unknown> = {};
        for (const [name, sub] of Object.entries(value)) {
          map[name] = Array.isArray(sub) ? sub : expand(sub, stack, false);
        }
        out[key] = map;
      } else {
        out[key] = value;
      }
    }
    return out;
  };

  // `#` itself is always recursive; keeping it a $ref also keeps a root $id unique.
  const prepared = expand(root, ['#'], true) as object;
  return { prepared, extensionKeywords: [...extensions].filter((k) => k !== PATTERN_MESSAGE_KEYWORD) };
}

function resolvePointer(root: object, ref: string): unknown {
  if (ref === '#') return root;
  if (!ref.startsWith('#/')) return undefined;
  let node: unknown = root;
  for (const raw of ref.slice(2).split('/')) {
    let part: string;
    try {
      part = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    } catch {
      return undefined;
    }
    if (Array.isArray(node)) node = node[Number(part)];
    else if (isPlainObject(node) && Object.prototype.hasOwnProperty.call(node, part)) node = node[part];
    else return undefined;
  }
  return node;
}

/** Formats validated without extra dependencies; any other `format` is a schema error. */
function addFormats(ajv: Ajv): void {
  const hostname = /^(?=.{1,253}\.?$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[-0-9a-z]{0,61}[0-9a-z])?)*\.?$/i;
  const dateTime = /^\d{4}-\d{2}-\d{2}[tT ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[zZ]|[+-]\d{2}:\d{2})$/;
  const date = /^\d{4}-\d{2}-\d{2}$/;
  ajv.addFormat('hostname', hostname);
  ajv.addFormat('ipv4', { type: 'string', validate: (s: string) => isIP(s) === 4 });
  ajv.addFormat('ipv6', { type: 'string', validate: (s: string) => isIP(s) === 6 });
  ajv.addFormat('email', /^[^\s@]+@[^\s@]+\.[^\s@]+$/);
  ajv.addFormat('uri', {
    type: 'string',
    validate: (s: string) => {
      if (!/^[a-z][a-z0-9+.-]*:/i.test(s)) return false;
      try {
        new URL(s);
        return true;
      } catch {
        return false;
      }
    },
  });
  ajv.addFormat('date', { type: 'string', validate: (s: string) => date.test(s) && !Number.isNaN(Date.parse(s)) });
  ajv.addFormat('date-time', { type: 'string', validate: (s: string) => dateTime.test(s) && !Number.isNaN(Date.parse(s)) });
  ajv.addFormat('regex', {
    type: 'string',
    validate: (s: string) => {
      try {
        new RegExp(s, 'u');
        return true;
      } catch {
        return false;
      }
    },
  });
}

// ---------------------------------------------------------------------------
// Error selection

interface Issue {
  /** Path reported to the user. */
  path: DocPath;
  /** Path whose position the diagnostic points at. */
  at: DocPath;
  /** Point at the mapping key rather than at its value. */
  key: boolean;
  message: string;
}

const COMPOSITE = new Set(['oneOf', 'anyOf']);

/**
 * Picks the errors worth showing. A failed `oneOf`/`anyOf` is replaced by the
 * errors of the branch the user most plausibly meant, so that "must match exactly
 * one schema" never hides the concrete mistake.
 */
function resolve(errors: readonly ErrorObject[], doc: SourceDocument): Issue[] {
  const composites = errors.filter((e) => COMPOSITE.has(e.keyword));
  const outer = composites.filter((c) => !composites.some((o) => o !== c && isInside(c, o)));
  const claimed = new Set<ErrorObject>(outer);
  const issues: Issue[] = [];

  for (const c of outer) {
    const children = errors.filter((e) => e !== c && isInside(e, c));
    children.forEach((e) => claimed.add(e));
    issues.push(...resolveComposite(c, children, doc));
  }

  const plain = errors.filter((e) => !claimed.has(e));
  // A value of the wrong type also fails its enum/const; the type error says it better.
  const typeFailed = new Set(plain.filter((e) => e.keyword === 'type').map((e) => e.instancePath));
  for (const e of plain) {
    if ((e.keyword === 'enum' || e.keyword === 'const') && typeFailed.has(e.instancePath)) continue;
    issues.push(toIssue(e, doc));
  }
  return issues;
}

function resolveComposite(c: ErrorObject, children: readonly ErrorObject[], doc: SourceDocument): Issue[] {
  const path = toDocPath(c.instancePath, doc.data);
  const data = c.data;

  const passing = (c.params as { passingSchemas?: number[] | null }).passingSchemas;
  if (c.keyword === 'oneOf' && Array.isArray(passing)) {
    return [
      {
        path,
        at: path,
        key: false,
        message: `ambiguous value: it matches more than one of the allowed forms (${passing.map((i) => `#${i + 1}`).join(' and ')})`,
      },
    ];
  }

  const branchCount = Array.isArray(c.schema) ? c.schema.length : 0;
  const branches: ErrorObject[][] = Array.from({ length: branchCount }, () => []);
  for (const e of children) {
    const index = Number(e.schemaPath.slice(c.schemaPath.length + 1).split('/')[0]);
    if (Number.isInteger(index) && index >= 0 && index < branchCount) branches[index].push(e);
  }
  let candidates = branches.filter((b) => b.length > 0);
  if (candidates.length === 0) {
    return [{ path, at: path, key: false, message: `does not match any of the allowed forms` }];
  }

  const atRoot = (e: ErrorObject): boolean => e.instancePath === c.instancePath;
  const nested = (branch: readonly ErrorObject[], e: ErrorObject): boolean =>
    branch.some((n) => n !== e && COMPOSITE.has(n.keyword) && isInside(e, n));
  const rootMismatch = (branch: readonly ErrorObject[]): boolean =>
    branch.some((e) => atRoot(e) && (e.keyword === 'type' || e.keyword === 'false schema') && !nested(branch, e));

  // Every form wants a different kind of value: one message naming all of them.
  if (candidates.every(rootMismatch)) {
    const types: string[] = [];
    for (const branch of candidates) {
      for (const e of branch) {
        if (e.keyword !== 'type' || !atRoot(e) || nested(branch, e)) continue;
        for (const t of typeList(e.params.type)) if (!types.includes(t)) types.push(t);
      }
    }
    if (types.length > 0) return [{ path, at: path, key: false, message: typeMessage(types, data, doc.sourceTextOf?.(path)) }];
  }

  // Forms that want another kind of value are out of the running.
  const fitting = candidates.filter((b) => !rootMismatch(b));
  if (fitting.length > 0) candidates = fitting;

  // Alternatives that are just a set of fixed values read best as one enum.
  if (candidates.every((b) => b.every((e) => atRoot(e) && (e.keyword === 'enum' || e.keyword === 'const')))) {
    const allowed: unknown[] = [];
    for (const b of candidates) {
      for (const e of b) {
        const values = e.keyword === 'enum' ? (e.params.allowedValues as unknown[]) : [e.params.allowedValue];
        for (const v of values) if (!allowed.some((a) => a === v)) allowed.push(v);
      }
    }
    return [{ path, at: path, key: false, message: enumMessage(allowed, data, doc.sourceTextOf?.(path)) }];
  }

  // "Set exactly one of these fields" written as alternatives of `required`.
  if (candidates.every((b) => b.length === 1 && b[0].keyword === 'required' && atRoot(b[0]))) {
    const names = candidates.map((b) => `"${String(b[0].params.missingProperty)}"`);
    return [{ path, at: path, key: false, message: `missing required field: one of ${joinOr(names)}` }];
  }

  // Every form is told apart by a fixed value of the same field (`kind: tcp` vs
  // `kind: http`) and the user wrote none of them: the other errors are noise.
  const discriminator = sharedConstField(candidates, c.instancePath);
  if (discriminator !== undefined) {
    const fieldPath = toDocPath(discriminator, doc.data);
    const allowed: unknown[] = [];
    let value: unknown;
    for (const b of candidates) {
      for (const e of b) {
        if (e.keyword !== 'const' || e.instancePath !== discriminator) continue;
        value = e.data;
        if (!allowed.includes(e.params.allowedValue)) allowed.push(e.params.allowedValue);
      }
    }
    return [{ path: fieldPath, at: fieldPath, key: false, message: enumMessage(allowed, value, doc.sourceTextOf?.(fieldPath)) }];
  }

  // Otherwise the nearest branch wins: no mismatched discriminator
  // (`kind: {const: ...}`), then fewest errors; earlier branches on ties.
  const directChild = (e: ErrorObject): boolean => {
    if (!e.instancePath.startsWith(`${c.instancePath}/`)) return false;
    return !e.instancePath.slice(c.instancePath.length + 1).includes('/');
  };
  const score = (b: readonly ErrorObject[]): number[] => [
    b.filter((e) => e.keyword === 'const' && directChild(e)).length,
    b.length,
  ];
  let best = candidates[0];
  let bestScore = score(best);
  for (const b of candidates.slice(1)) {
    const s = score(b);
    if (lexLess(s, bestScore)) {
      best = b;
      bestScore = s;
    }
  }
  return resolve(best, doc);
}

/** The instance path of a direct child on which every branch fails a `const`, if any. */
function sharedConstField(branches: readonly (readonly ErrorObject[])[], base: string): string | undefined {
  const constFields = (b: readonly ErrorObject[]): string[] =>
    b
      .filter((e) => e.keyword === 'const' && e.instancePath.startsWith(`${base}/`))
      .map((e) => e.instancePath)
      .filter((p) => !p.slice(base.length + 1).includes('/'));
  const [first, ...rest] = branches.map(constFields);
  return first.find((field) => rest.every((fields) => fields.includes(field)));
}

function isInside(e: ErrorObject, composite: ErrorObject): boolean {
  if (!e.schemaPath.startsWith(`${composite.schemaPath}/`)) return false;
  const base = composite.instancePath;
  return base === '' || e.instancePath === base || e.instancePath.startsWith(`${base}/`);
}

// ---------------------------------------------------------------------------
// Messages

function toIssue(e: ErrorObject, doc: SourceDocument): Issue {
  const path = toDocPath(e.instancePath, doc.data);
  const params = e.params as Record<string, unknown>;

  if (e.propertyName !== undefined) {
    // Error about a key name (propertyNames): the key is what has to change.
    const keyPath = [...path, e.propertyName];
    const inner = messageFor(e, e.propertyName, undefined);
    return { path: keyPath, at: keyPath, key: true, message: `invalid field name: ${inner}` };
  }

  switch (e.keyword) {
    case 'additionalProperties': {
      const name = String(params.additionalProperty);
      const keyPath = [...path, name];
      return { path: keyPath, at: keyPath, key: true, message: unknownFieldMessage(name, e.parentSchema, e.data) };
    }
    case 'required': {
      const name = String(params.missingProperty);
      return { path: [...path, name], at: path, key: false, message: `missing required field "${name}"` };
    }
    case 'dependencies': {
      const name = String(params.missingProperty);
      return {
        path: [...path, name],
        at: path,
        key: false,
        message: `missing required field "${name}" (required when "${String(params.property)}" is set)`,
      };
    }
    case 'false schema': {
      const last = path[path.length - 1];
      if (typeof last === 'string') return { path, at: path, key: true, message: `field "${last}" is not allowed here` };
      return { path, at: path, key: false, message: 'this value is not allowed here' };
    }
    case 'uniqueItems': {
      // Ajv reports the pair in either order depending on the item type.
      const later = Math.max(Number(params.i), Number(params.j));
      const earlier = Math.min(Number(params.i), Number(params.j));
      const itemPath = [...path, later];
      const item = Array.isArray(e.data) ? e.data[later] : undefined;
      const what = isScalar(item) ? `${show(item)} is a duplicate` : 'duplicate';
      return { path: itemPath, at: itemPath, key: false, message: `${what} of item [${earlier}]; list items must be unique` };
    }
    default:
      return { path, at: path, key: false, message: messageFor(e, e.data, doc.sourceTextOf?.(path)) };
  }
}

function messageFor(e: ErrorObject, data: unknown, source: string | undefined): string {
  const params = e.params as Record<string, unknown>;
  const limit = params.limit as number;
  switch (e.keyword) {
    case 'type':
      return typeMessage(typeList(params.type), data, source);
    case 'enum':
      return enumMessage(params.allowedValues as unknown[], data, source);
    case 'const':
      return constMessage(params.allowedValue, data, source);
    case 'pattern': {
      // `patternErrorMessage` is what VS Code shows for the same failure; honouring it
      // keeps editor and CLI wording identical.
      const custom = e.parentSchema?.[PATTERN_MESSAGE_KEYWORD] ?? e.parentSchema?.patternErrorMessage;
      if (typeof custom === 'string') return `${custom}, got ${show(data)}`;
      return `${show(data)} does not match the pattern ${String(params.pattern)}`;
    }
    case 'format':
      return `${show(data)} is not a valid ${String(params.format)}`;
    case 'minimum':
      return `must be >= ${limit}, got ${show(data)}`;
    case 'maximum':
      return `must be <= ${limit}, got ${show(data)}`;
    case 'exclusiveMinimum':
      return `must be > ${limit}, got ${show(data)}`;
    case 'exclusiveMaximum':
      return `must be < ${limit}, got ${show(data)}`;
    case 'multipleOf':
      return `must be a multiple of ${String(params.multipleOf)}, got ${show(data)}`;
    case 'minLength':
      if (limit === 1) return 'must not be empty';
      return `${show(data)} is too short: ${charCount(data)} characters, minimum ${limit}`;
    case 'maxLength':
      return `${show(data)} is too long: ${charCount(data)} characters, maximum ${limit}`;
    case 'minItems':
      if (limit === 1) return 'must not be an empty list';
      return `too few items: ${count(data)}, minimum ${limit}`;
    case 'maxItems':
    case 'additionalItems':
      return `too many items: ${count(data)}, maximum ${limit}`;
    case 'minProperties':
      if (limit === 1) return 'must not be an empty mapping';
      return `too few fields: ${count(data)}, minimum ${limit}`;
    case 'maxProperties':
      return `too many fields: ${count(data)}, maximum ${limit}`;
    case 'contains':
      return 'must contain at least one item of the required form';
    case 'not':
      return 'this value is not allowed here';
    case 'false schema':
      return 'this value is not allowed here';
    default:
      return `${e.message ?? `fails the "${e.keyword}" rule`}${data === undefined ? '' : `, got ${describe(data, source)}`}`;
  }
}

const TYPE_NOUNS: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  integer: 'an integer',
  boolean: 'a boolean',
  object: 'a mapping',
  array: 'a list',
  null: 'null',
};

function typeMessage(expected: readonly string[], data: unknown, source: string | undefined): string {
  const want = joinOr(expected.map((t) => TYPE_NOUNS[t] ?? t));
  if (expected.includes('string') && (typeof data === 'number' || typeof data === 'boolean')) {
    return `expected ${want}, got the ${typeof data} ${String(data)}; ${quoteHint(data, source)}`;
  }
  if (typeof data === 'string') {
    const trimmed = data.trim();
    const numeric = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/.test(trimmed);
    if (
      numeric &&
      (expected.includes('number') || (expected.includes('integer') && Number.isInteger(Number(trimmed))))
    ) {
      return `expected ${want}, got the string ${show(data)}; remove the quotes`;
    }
    if (expected.includes('boolean')) {
      if (trimmed === 'true' || trimmed === 'false') return `expected ${want}, got the string ${show(data)}; remove the quotes`;
      if (/^(?:yes|no|on|off|y|n)$/i.test(trimmed)) {
        return `expected ${want}, got the string ${show(data)}; write true or false (YAML 1.2 reads ${trimmed} as a string)`;
      }
    }
  }
  return `expected ${want}, got ${describe(data, source)}`;
}

/** Tells the user how to keep YAML from turning what they typed into a number or boolean. */
function quoteHint(data: number | boolean, source: string | undefined): string {
  const written = source && source.trim() ? source.trim() : String(data);
  const reads = written !== String(data) ? ` (YAML reads ${written} as ${String(data)})` : '';
  return `quote it: "${written}"${reads}`;
}

function enumMessage(allowed: readonly unknown[], data: unknown, source: string | undefined): string {
  const list = allowed.map(listValue).join(', ');
  if (typeof data === 'string') {
    const suggestion = didYouMean(
      data,
      allowed.filter((v): v is string => typeof v === 'string'),
    );
    return `${show(data)} is not one of ${list}${suggestion !== undefined ? `; did you mean "${suggestion}"?` : ''}`;
  }
  if (typeof data === 'number' || typeof data === 'boolean') {
    const written = source?.trim();
    const hint = written && allowed.includes(written) ? `; ${quoteHint(data, source)}` : '';
    return `${String(data)} is not one of ${list}${hint}`;
  }
  return `expected one of ${list}, got ${describe(data, source)}`;
}

function constMessage(allowed: unknown, data: unknown, source: string | undefined): string {
  const base = `must be ${JSON.stringify(allowed)}`;
  if ((typeof data === 'number' || typeof data === 'boolean') && typeof allowed === 'string' && source?.trim() === allowed) {
    return `${base}, got the ${typeof data} ${String(data)}; ${quoteHint(data, source)}`;
  }
  return `${base}, got ${isScalar(data) && data !== null ? show(data) : describe(data, source)}`;
}

function unknownFieldMessage(name: string, parentSchema: AnySchemaObject | undefined, data: unknown): string {
  const setBy = parentSchema?.[SET_BY_KEYWORD]?.[name];
  if (typeof setBy === 'string') return `field "${name}" is set by meshc from ${setBy}; use that instead`;
  const properties = isPlainObject(parentSchema?.properties) ? Object.keys(parentSchema.properties) : [];
  const patterns = isPlainObject(parentSchema?.patternProperties) ? Object.keys(parentSchema.patternProperties) : [];
  // A field the user already has is never what they meant by the unknown one.
  const present = isPlainObject(data) ? new Set(Object.keys(data)) : new Set<string>();
  const suggestion = didYouMean(
    name,
    properties.filter((p) => !present.has(p)),
  );
  if (suggestion !== undefined) return `unknown field "${name}"; did you mean "${suggestion}"?`;
  const allowed = [...properties, ...patterns.map((p) => `names matching ${p}`)];
  if (allowed.length === 0) return `unknown field "${name}"; no fields are allowed here`;
  return `unknown field "${name}"; allowed: ${allowed.join(', ')}`;
}

function describe(data: unknown, source: string | undefined): string {
  if (data === null) return source === '' ? 'an empty value' : 'null';
  if (Array.isArray(data)) return 'a list';
  switch (typeof data) {
    case 'string':
      return `a string (${show(data)})`;
    case 'number':
      return `a number (${String(data)})`;
    case 'boolean':
      return `a boolean (${String(data)})`;
    case 'object':
      return 'a mapping';
    default:
      return String(data);
  }
}

const MAX_SHOWN = 80;

function show(value: unknown): string {
  if (typeof value === 'string') {
    const chars = Array.from(value);
    const shown = chars.length > MAX_SHOWN ? `${chars.slice(0, MAX_SHOWN).join('')}…` : value;
    return JSON.stringify(shown);
  }
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}

/** Enum values are listed bare when that is unambiguous, as in `STRICT, PERMISSIVE`. */
function listValue(value: unknown): string {
  if (typeof value === 'string' && /^[\w./:@-]+$/.test(value)) return value;
  return JSON.stringify(value);
}

function typeList(type: unknown): string[] {
  if (Array.isArray(type)) return type.map(String);
  return String(type).split(',');
}

function joinOr(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

function charCount(value: unknown): number {
  return typeof value === 'string' ? Array.from(value).length : 0;
}

function count(value: unknown): number {
  if (Array.isArray(value)) return value.length;
  if (isPlainObject(value)) return Object.keys(value).length;
  return 0;
}

function toDocPath(pointer: string, data: unknown): DocPath {
  if (!pointer) return [];
  const out: (string | number)[] = [];
  let current: unknown = data;
  for (const raw of pointer.slice(1).split('/')) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(current)) {
      const index = Number(part);
      out.push(index);
      current = current[index];
    } else {
      out.push(part);
      current = isPlainObject(current) ? current[part] : undefined;
    }
  }
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isScalar(value: unknown): boolean {
  return value === null || (typeof value !== 'object' && typeof value !== 'function');
}

function lexLess(a: readonly number[], b: readonly number[]): boolean {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] !== b[i]) return a[i] < b[i];
  }
  return false;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
