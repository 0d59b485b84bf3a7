/** Plain-object check that excludes arrays and null. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Merges layers left to right: objects merge key by key, everything else (arrays included)
 * is replaced by the later layer. Arrays replace so that a cluster can shorten a list.
 */
export function deepMerge<T>(...layers: unknown[]): T {
  let out: unknown = undefined;
  for (const layer of layers) {
    if (layer === undefined) continue;
    out = isPlainObject(out) && isPlainObject(layer) ? mergeTwo(out, layer) : clone(layer);
  }
  return out as T;
}

function mergeTwo(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [key, value] of Object.entries(b)) {
    out[key] = isPlainObject(out[key]) && isPlainObject(value) ? mergeTwo(out[key] as Record<string, unknown>, value) : clone(value);
  }
  return out;
}

function clone(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(clone);
  if (isPlainObject(value)) return mergeTwo({}, value);
  return value;
}

/** Whether `path` exists (with a defined value) inside `value`. */
export function hasPath(value: unknown, path: readonly (string | number)[]): boolean {
  let cur: unknown = value;
  for (const part of path) {
    if (cur === null || typeof cur !== 'object') return false;
    cur = (cur as Record<string | number, unknown>)[part];
    if (cur === undefined) return false;
  }
  return true;
}
