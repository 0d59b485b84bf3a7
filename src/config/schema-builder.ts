/**
 * A small typed JSON Schema builder. The fleet file's JSON Schema and its TypeScript types
 * are both derived from the same builder calls, so they cannot drift apart: `Static<typeof S>`
 * is the type, `S.json` is the schema that ajv and editors see.
 */

export type JsonSchema = Record<string, unknown>;

/** A schema node carrying its TypeScript type as a phantom. */
export interface Schema<T> {
  readonly json: JsonSchema;
  /** Never set at run time; only carries the type. */
  readonly __type?: T;
}

export type Static<S> = S extends Schema<infer T> ? T : never;

/** Documentation every field should carry: it ends up in the schema and in the reference docs. */
export interface Doc {
  readonly description?: string;
  /** The value meshc uses when the field is absent (documentation only; resolve applies it). */
  readonly default?: unknown;
  readonly examples?: readonly unknown[];
}

function node<T>(json: JsonSchema, doc: Doc = {}): Schema<T> {
  const out: JsonSchema = { ...json };
  if (doc.description !== undefined) out.description = doc.description;
  if (doc.default !== undefined) out.default = doc.default;
  if (doc.examples !== undefined) out.examples = [...doc.examples];
  return { json: out };
}

export interface StringOpts extends Doc {
  readonly pattern?: string;
  /** Human wording of the pattern, used in error messages (meshc's and editors') instead of the regex. */
  readonly patternMessage?: string;
  readonly minLength?: number;
  readonly maxLength?: number;
}

export function str(opts: StringOpts = {}): Schema<string> {
  const json: JsonSchema = { type: 'string' };
  if (opts.pattern !== undefined) json.pattern = opts.pattern;
  if (opts.patternMessage !== undefined) json.patternErrorMessage = opts.patternMessage;
  if (opts.minLength !== undefined) json.minLength = opts.minLength;
  if (opts.maxLength !== undefined) json.maxLength = opts.maxLength;
  return node(json, opts);
}

export interface NumberOpts extends Doc {
  readonly minimum?: number;
  readonly maximum?: number;
}

export function int(opts: NumberOpts = {}): Schema<number> {
  return node({ type: 'integer', ...bounds(opts) }, opts);
}

export function num(opts: NumberOpts = {}): Schema<number> {
  return node({ type: 'number', ...bounds(opts) }, opts);
}

function bounds(opts: NumberOpts): JsonSchema {
  const out: JsonSchema = {};
  if (opts.minimum !== undefined) out.minimum = opts.minimum;
  if (opts.maximum !== undefined) out.maximum = opts.maximum;
  return out;
}

export function bool(doc: Doc = {}): Schema<boolean> {
  return node({ type: 'boolean' }, doc);
}

export function literal<const V extends string>(value: V, doc: Doc = {}): Schema<V> {
  return node({ type: 'string', const: value }, doc);
}

export function oneOfStrings<const V extends readonly string[]>(values: V, doc: Doc = {}): Schema<V[number]> {
  return node({ type: 'string', enum: [...values] }, doc);
}

export function arr<T>(items: Schema<T>, opts: Doc & { minItems?: number; uniqueItems?: boolean } = {}): Schema<T[]> {
  const json: JsonSchema = { type: 'array', items: items.json };
  if (opts.minItems !== undefined) json.minItems = opts.minItems;
  if (opts.uniqueItems) json.uniqueItems = true;
  return node(json, opts);
}

/** A map with free keys (labels, annotations, env): values of one schema. */
export function record<T>(values: Schema<T>, opts: Doc & { keyPattern?: string } = {}): Schema<Record<string, T>> {
  const json: JsonSchema = { type: 'object', additionalProperties: values.json };
  if (opts.keyPattern !== undefined) json.propertyNames = { pattern: opts.keyPattern };
  return node(json, opts);
}

/** The schema, or `null`: for fields where null means "remove the default". */
export function orNull<T>(schema: Schema<T>, doc: Doc = {}): Schema<T | null> {
  const type = schema.json.type;
  return node({ ...schema.json, type: [type, 'null'] }, { description: schema.json.description as string | undefined, ...doc });
}

type Props = Record<string, Schema<unknown>>;
type Simplify<T> = { [K in keyof T]: T[K] } & {};
type ObjectType<P extends Props, R extends keyof P> = Simplify<
  { [K in R]: Static<P[K]> } & { [K in Exclude<keyof P, R>]?: Static<P[K]> }
>;

/** Schema keyword naming, for fields an object leaves out, the setting meshc fills them from. */
export const SET_BY_KEYWORD = 'x-meshc-set-by';

/**
 * A closed object: unknown keys are errors (with a "did you mean" from the validator). `setBy`
 * names fields of the upstream API this object mirrors that meshc fills from other settings, so
 * that writing one says where to go instead.
 */
export function obj<P extends Props, R extends keyof P & string = never>(
  props: P,
  opts: Doc & { required?: readonly R[]; setBy?: Readonly<Record<string, string>> } = {},
): Schema<ObjectType<P, R>> & { readonly props: P } {
  const properties: JsonSchema = {};
  for (const [key, value] of Object.entries(props)) properties[key] = value.json;
  const json: JsonSchema = { type: 'object', properties, additionalProperties: false };
  if (opts.required && opts.required.length > 0) json.required = [...opts.required];
  if (opts.setBy) json[SET_BY_KEYWORD] = { ...opts.setBy };
  return { ...node<ObjectType<P, R>>(json, opts), props };
}
