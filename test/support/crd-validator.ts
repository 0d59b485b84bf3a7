import * as fs from 'fs';
import * as path from 'path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { parseAllDocuments } from 'yaml';

/**
 * Validates rendered Istio objects against the upstream CustomResourceDefinitions
 * the way the Kubernetes API server would treat them: anything the server would
 * silently prune from a structural schema is reported as an error, because a
 * pruned field is config the user asked for that never reaches the mesh.
 */

/** Upstream data lives beside the checkout, never inside it. */
export const SHARED_DIR: string = path.resolve(__dirname, '..', '..', '..', 'shared');

export function sharedAvailable(): boolean {
  return fs.existsSync(path.join(SHARED_DIR, 'istio'));
}

export interface CrdValidator {
  /** true when the apiVersion/kind is an Istio CRD type of this version */
  knows(apiVersion: string, kind: string): boolean;
  /** Problems as readable strings `"<kind>/<name>: <instancePath> <message>"`; empty = valid. Unknown apiVersion/kind of an istio.io group is itself an error. */
  validate(obj: Record<string, unknown>): string[];
}

type Schema = Record<string, unknown>;

interface CrdVersion {
  group: string;
  version: string;
  kind: string;
  schema: Schema;
}

// Value keywords the API server enforces and that mean the same in JSON Schema draft-07.
const PASS_THROUGH = [
  'enum',
  'pattern',
  'minimum',
  'maximum',
  'multipleOf',
  'minLength',
  'maxLength',
  'minItems',
  'maxItems',
  'uniqueItems',
  'minProperties',
  'maxProperties',
  'required',
] as const;

// Only these formats carry meaning for strings in the API server; numeric
// formats such as int32/double are informational there, so they are dropped.
const STRING_FORMATS: Record<string, RegExp> = {
  'date-time': /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:?\d{2})?$/,
  byte: /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/,
};

const LIST_MAP_KEYWORD = 'k8sListMapKeys';

function isObject(v: unknown): v is Schema {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Translates one structural OpenAPI v3 schema node into draft-07 JSON Schema.
 * `structural` is false inside oneOf/anyOf/allOf/not: the API server never prunes
 * based on those branches, so closing them would reject fields that are declared
 * on the enclosing node.
 */
function convert(src: Schema, structural: boolean): Schema {
  const out: Schema = {};
  const preserve = src['x-kubernetes-preserve-unknown-fields'] === true;
  const intOrString = src['x-kubernetes-int-or-string'] === true;

  let types: string[] | undefined;
  if (intOrString) {
    types = ['integer', 'string'];
  } else if (typeof src.type === 'string') {
    types = [src.type];
  }
  if (types && src.nullable === true) types = [...types, 'null'];
  if (types) out.type = types.length === 1 ? types[0] : types;

  for (const key of PASS_THROUGH) {
    if (src[key] !== undefined) out[key] = src[key];
  }
  if (Array.isArray(out.enum) && src.nullable === true && !out.enum.includes(null)) {
    out.enum = [...out.enum, null];
  }

  // OpenAPI v3.0 spells exclusive bounds as booleans; draft-07 wants the bound itself.
  if (src.exclusiveMinimum === true && typeof src.minimum === 'number') {
    delete out.minimum;
    out.exclusiveMinimum = src.minimum;
  }
  if (src.exclusiveMaximum === true && typeof src.maximum === 'number') {
    delete out.maximum;
    out.exclusiveMaximum = src.maximum;
  }

  if (typeof src.format === 'string' && STRING_FORMATS[src.format]) out.format = src.format;

  if (isObject(src.properties)) {
    const props: Schema = {};
    for (const [name, child] of Object.entries(src.properties)) {
      props[name] = isObject(child) ? convert(child, structural) : {};
    }
    out.properties = props;
  }
  if (isObject(src.items)) out.items = convert(src.items, structural);

  if (isObject(src.additionalProperties)) {
    out.additionalProperties = convert(src.additionalProperties, structural);
  } else if (typeof src.additionalProperties === 'boolean') {
    out.additionalProperties = src.additionalProperties;
  } else if (structural && !preserve && (src.type === 'object' || isObject(src.properties))) {
    // This is exactly where the API server prunes unknown fields.
    out.additionalProperties = false;
  }

  for (const comb of ['oneOf', 'anyOf', 'allOf'] as const) {
    const branches = src[comb];
    if (!Array.isArray(branches)) continue;
    // int-or-string is already expressed through the type union above.
    if (intOrString && comb === 'anyOf' && branches.every(isPureTypeBranch)) continue;
    out[comb] = branches.map((b) => (isObject(b) ? convert(b, false) : {}));
  }
  if (isObject(src.not)) out.not = convert(src.not, false);

  // The API server rejects duplicates in set- and map-typed lists rather than merging them.
  const listType = src['x-kubernetes-list-type'];
  if (listType === 'set') out.uniqueItems = true;
  const mapKeys = src['x-kubernetes-list-map-keys'];
  if (listType === 'map' && Array.isArray(mapKeys) && mapKeys.length > 0) {
    out[LIST_MAP_KEYWORD] = mapKeys;
  }

  return out;
}

function isPureTypeBranch(b: unknown): boolean {
  return isObject(b) && Object.keys(b).every((k) => k === 'type');
}

function rootSchema(crd: CrdVersion): Schema {
  const converted = convert(crd.schema, true);
  const specProps = isObject(converted.properties) ? converted.properties : {};
  const required = Array.isArray(converted.required) ? (converted.required as string[]) : [];
  return {
    ...converted,
    type: 'object',
    properties: {
      apiVersion: { const: `${crd.group}/${crd.version}` },
      kind: { const: crd.kind },
      // ObjectMeta is validated by the API server itself, not by the CRD schema.
      metadata: {
        type: 'object',
        required: ['name'],
        properties: { name: { type: 'string', minLength: 1 } },
      },
      ...specProps,
    },
    required: [...new Set(['apiVersion', 'kind', 'metadata', ...required])],
    additionalProperties: false,
  };
}

function newAjv(): Ajv {
  // strict mode is off because draft-07 strictTypes would flag the nullable
  // unions and branch-only `required` lists that structural schemas use.
  const ajv = new Ajv({ allErrors: true, strict: false, verbose: true });
  for (const [name, re] of Object.entries(STRING_FORMATS)) {
    ajv.addFormat(name, { type: 'string', validate: (s: string) => re.test(s) });
  }
  ajv.addKeyword({
    keyword: LIST_MAP_KEYWORD,
    type: 'array',
    schemaType: 'array',
    errors: true,
    validate: function listMapKeys(
      this: unknown,
      keys: string[],
      data: unknown[],
    ): boolean {
      const self = listMapKeys as unknown as { errors?: Partial<ErrorObject>[] };
      const seen = new Set<string>();
      const errors: Partial<ErrorObject>[] = [];
      data.forEach((item, i) => {
        if (!isObject(item)) return;
        const id = JSON.stringify(keys.map((k) => item[k] ?? null));
        if (seen.has(id)) {
          const desc = keys.map((k) => `${k}=${JSON.stringify(item[k])}`).join(', ');
          errors.push({
            keyword: LIST_MAP_KEYWORD,
            message: `duplicate list-map entry at index ${i} (${desc})`,
            params: { keys },
          });
        }
        seen.add(id);
      });
      self.errors = errors;
      return errors.length === 0;
    },
  });
  return ajv;
}

function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

function isIstioGroup(group: string): boolean {
  return group === 'istio.io' || group.endsWith('.istio.io');
}

function loadCrds(file: string): Map<string, CrdVersion> {
  const byKey = new Map<string, CrdVersion>();
  for (const doc of parseAllDocuments(fs.readFileSync(file, 'utf8'))) {
    if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0].message}`);
    const crd: unknown = doc.toJSON();
    if (!isObject(crd) || crd.kind !== 'CustomResourceDefinition' || !isObject(crd.spec)) continue;
    const spec = crd.spec;
    const group = spec.group as string;
    const kind = (spec.names as Schema).kind as string;
    for (const v of spec.versions as Schema[]) {
      // A version that is not served is rejected by the API server outright.
      if (v.served !== true) continue;
      const schema = isObject(v.schema) ? v.schema.openAPIV3Schema : undefined;
      if (!isObject(schema)) throw new Error(`${file}: ${kind} ${String(v.name)} has no openAPIV3Schema`);
      const version = v.name as string;
      byKey.set(key(`${group}/${version}`, kind), { group, version, kind, schema });
    }
  }
  return byKey;
}

function key(apiVersion: string, kind: string): string {
  return `${apiVersion}|${kind}`;
}

function describe(err: ErrorObject): string {
  const where = err.instancePath === '' ? '/' : err.instancePath;
  switch (err.keyword) {
    case 'additionalProperties':
      return `${where} unknown field "${String(err.params.additionalProperty)}" (the API server would prune it)`;
    case 'enum':
      return `${where} must be one of ${(err.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')} (got ${JSON.stringify(err.data)})`;
    case 'const':
      return `${where} must be ${JSON.stringify(err.params.allowedValue)} (got ${JSON.stringify(err.data)})`;
    case 'oneOf': {
      const fields = branchFields(err.parentSchema?.oneOf);
      const hint = fields.length > 0 ? ` (at most one of ${fields.join(', ')} may be set)` : '';
      return `${where} ${err.message ?? 'must match exactly one schema in oneOf'}${hint}`;
    }
    case 'anyOf': {
      const fields = branchFields(err.parentSchema?.anyOf);
      const hint = fields.length > 0 ? ` (set at least one of ${fields.join(', ')})` : '';
      return `${where} ${err.message ?? 'must match a schema in anyOf'}${hint}`;
    }
    default:
      return `${where} ${err.message ?? err.keyword}`;
  }
}

/** Field names that oneOf/anyOf branches require, for a message that names the conflict. */
function branchFields(branches: unknown): string[] {
  if (!Array.isArray(branches)) return [];
  const names: string[] = [];
  for (const b of branches) {
    if (isObject(b) && Array.isArray(b.required)) names.push(...(b.required as string[]));
  }
  return [...new Set(names)];
}

/**
 * Errors raised inside a oneOf/anyOf/not branch are symptoms of the branch
 * selection, and the combinator reports its own error whenever they survive,
 * so only the combinator's error is kept.
 */
function insideBranch(err: ErrorObject): boolean {
  const segments = err.schemaPath.split('/');
  for (let i = 1; i < segments.length - 1; i++) {
    const s = segments[i];
    // Skip the user-chosen name after `properties` so a field called "not" is not mistaken for the keyword.
    if (s === 'properties' || s === 'patternProperties') i++;
    else if (s === 'oneOf' || s === 'anyOf' || s === 'not') return true;
  }
  return false;
}

class IstioCrdValidator implements CrdValidator {
  private readonly ajv = newAjv();
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(private readonly crds: Map<string, CrdVersion>) {}

  knows(apiVersion: string, kind: string): boolean {
    return this.crds.has(key(apiVersion, kind));
  }

  validate(obj: Record<string, unknown>): string[] {
    const apiVersion = typeof obj.apiVersion === 'string' ? obj.apiVersion : '';
    const kind = typeof obj.kind === 'string' ? obj.kind : '';
    const meta = isObject(obj.metadata) ? obj.metadata : {};
    const label = `${kind || '<no kind>'}/${typeof meta.name === 'string' ? meta.name : '<no name>'}`;

    const crd = this.crds.get(key(apiVersion, kind));
    if (!crd) {
      if (isIstioGroup(splitApiVersion(apiVersion).group)) {
        return [`${label}: / ${apiVersion} ${kind} is not a served Istio CRD type in this version`];
      }
      return [];
    }

    const fn = this.compile(crd);
    if (fn(obj)) return [];
    const errors = (fn.errors ?? []).filter((e) => !insideBranch(e));
    return [...new Set(errors.map((e) => `${label}: ${describe(e)}`))];
  }

  /** Compiles every served type; lets callers surface schema problems and cost up front. */
  compileAll(): void {
    for (const crd of this.crds.values()) this.compile(crd);
  }

  private compile(crd: CrdVersion): ValidateFunction {
    const k = key(`${crd.group}/${crd.version}`, crd.kind);
    let fn = this.compiled.get(k);
    if (!fn) {
      fn = this.ajv.compile(rootSchema(crd));
      this.compiled.set(k, fn);
    }
    return fn;
  }
}

const cache = new Map<string, IstioCrdValidator>();

export function loadCrdValidator(istioVersion: string): CrdValidator & { compileAll(): void } {
  let v = cache.get(istioVersion);
  if (!v) {
    const file = path.join(SHARED_DIR, 'istio', istioVersion, 'crd-all.gen.yaml');
    if (!fs.existsSync(file)) throw new Error(`no Istio CRDs for ${istioVersion} at ${file}`);
    v = new IstioCrdValidator(loadCrds(file));
    cache.set(istioVersion, v);
  }
  return v;
}
