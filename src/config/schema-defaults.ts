import { isPlainObject } from '../util/deep-merge';

/**
 * The defaults documented in a schema, as a value: the schema's `default` annotations are the
 * only place default values are written, so docs, editors and the renderer agree.
 */
export function defaultsFromSchema(schema: Record<string, unknown>): unknown {
  if ('default' in schema) return schema.default;
  if (schema.type === 'object' && isPlainObject(schema.properties)) {
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(schema.properties)) {
      if (!isPlainObject(child)) continue;
      const value = defaultsFromSchema(child);
      if (value !== undefined) out[key] = value;
    }
    return Object.keys(out).length > 0 ? out : undefined;
  }
  return undefined;
}
