/**
 * Reading the Job's restarter.json. meshc writes it, but it reaches the pod through a
 * ConfigMap anyone with access may edit: check its shape before acting on a cluster, and name
 * every wrong field at once.
 */
import { WEEKDAYS, type RestarterConfig } from './config';

export function parseRestarterConfig(text: string, file: string): RestarterConfig {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file}: not JSON: ${(err as Error).message}`);
  }
  const problems: string[] = [];
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  const need = (ok: boolean, field: string, what: string) => {
    if (!ok) problems.push(`${field}: expected ${what}`);
  };
  const isString = (v: unknown) => typeof v === 'string' && v !== '';
  const isCount = (v: unknown) => Number.isInteger(v) && (v as number) >= 1;
  if (!isObject(value)) throw new Error(`${file}: expected a JSON object`);
  const c = value;

  need(isString(c.cluster), 'cluster', 'a cluster name');
  need(Array.isArray(c.revisions), 'revisions', 'a list');
  if (Array.isArray(c.revisions)) {
    c.revisions.forEach((r: unknown, i) => {
      need(isObject(r) && isString(r.name) && isString(r.proxyImage) && typeof r.version === 'string', `revisions[${i}]`, 'an object with name, version and proxyImage');
    });
  }
  need(isObject(c.tags) && Object.values(c.tags).every(isString), 'tags', 'an object mapping tag names to revision names');
  need(c.defaultRevision === undefined || isString(c.defaultRevision), 'defaultRevision', 'a revision name');
  need(c.initContainer === 'istio-init' || c.initContainer === 'istio-validation', 'initContainer', '"istio-init" or "istio-validation"');
  for (const key of ['restartAnnotation', 'namespaceOptOutLabel', 'workloadOptOutAnnotation'] as const) need(isString(c[key]), key, 'a label or annotation name');
  if (c.window !== undefined) {
    const w = c.window;
    const clock = (v: unknown) => typeof v === 'string' && /^([01]\d|2[0-3]):[0-5]\d$/.test(v);
    need(isObject(w) && Array.isArray(w.days) && w.days.length > 0 && w.days.every((d) => (WEEKDAYS as readonly unknown[]).includes(d)), 'window.days', `a list of ${WEEKDAYS.join(', ')}`);
    need(isObject(w) && clock(w.start), 'window.start', 'a time HH:MM');
    need(isObject(w) && clock(w.end), 'window.end', 'a time HH:MM');
    let zoneOk = isObject(w) && isString(w.timeZone);
    if (zoneOk) {
      try {
        new Intl.DateTimeFormat('en-US', { timeZone: (w as { timeZone: string }).timeZone });
      } catch {
        zoneOk = false;
      }
    }
    need(zoneOk, 'window.timeZone', 'an IANA time zone such as Europe/Berlin');
  }
  need(isObject(c.batches), 'batches', 'an object');
  if (isObject(c.batches)) {
    for (const key of ['size', 'maxPerNamespace', 'maxPerRun', 'readinessTimeoutSeconds'] as const) need(isCount(c.batches[key]), `batches.${key}`, 'a whole number of at least 1');
  }
  need(typeof c.deleteBarePods === 'boolean', 'deleteBarePods', 'true or false');

  if (problems.length > 0) throw new Error(`${file}: invalid restarter configuration:\n  ${problems.join('\n  ')}`);
  return value as unknown as RestarterConfig;
}
