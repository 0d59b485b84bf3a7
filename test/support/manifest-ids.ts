/** Identity of rendered or reference manifests, for comparing two sets object by object. */

// Manifests are walked field by field; a loose type keeps comparisons short.
export type Manifest = Record<string, any>;

/** `<Kind> <namespace>/<name>`, or `<Kind> <name>` when cluster-scoped. */
export function idOf(m: Manifest): string {
  const { name, namespace } = m.metadata as { name: string; namespace?: string };
  return namespace ? `${m.kind} ${namespace}/${name}` : `${m.kind} ${name}`;
}

export function byId(manifests: Iterable<Manifest>, source: string): Map<string, Manifest> {
  const out = new Map<string, Manifest>();
  for (const m of manifests) {
    const id = idOf(m);
    if (out.has(id)) throw new Error(`${source}: ${id} appears twice`);
    out.set(id, m);
  }
  return out;
}

/** Argo CD's ordering annotations are delivery metadata meshc adds to every object (docs/delivery.md). */
export function withoutArgoCd(annotations: Record<string, string> | undefined): Record<string, string> | undefined {
  if (!annotations) return annotations;
  const kept = Object.entries(annotations).filter(([k]) => !k.startsWith('argocd.argoproj.io/'));
  return kept.length > 0 ? Object.fromEntries(kept) : undefined;
}

/** The value at a field path, or undefined where the path does not exist. */
export function getPath(value: unknown, field: readonly string[]): unknown {
  let cur = value;
  for (const key of field) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}
