/**
 * The small file `synth` writes beside each cluster's manifests, recording which Istio versions
 * the render installs. The upgrade guard reads it back from the last committed render: the
 * versions a cluster runs are a fact of Git history, not of anyone's memory.
 */
import type { ClusterConfig } from '../config/cluster-config';

/** File name inside `dist/<cluster>/`. JSON without `kind`, so no tool mistakes it for a manifest. */
export const VERSION_RECORD_FILE = 'meshc-versions.json';
const FORMAT = 1;

export interface RecordedRevision {
  readonly name: string;
  readonly version: string;
  readonly compatibilityVersion?: string;
}

export interface VersionRecord {
  readonly cluster: string;
  /** Oldest first. */
  readonly revisions: readonly RecordedRevision[];
  readonly tags: Readonly<Record<string, string>>;
  readonly defaultRevision?: string;
  /** The guard override this render needed, kept for reviewers. */
  readonly versionChange?: { readonly from: string; readonly to: string; readonly reason: string };
}

export function versionRecordOf(cluster: ClusterConfig): VersionRecord {
  const { istio } = cluster;
  return {
    cluster: cluster.name,
    revisions: istio.revisions.map((r) => ({
      name: r.name,
      version: r.release.version,
      ...(r.compatibilityVersion ? { compatibilityVersion: r.compatibilityVersion } : {}),
    })),
    tags: Object.fromEntries(istio.tags.map((t) => [t.name, t.revision])),
    ...(istio.defaultRevision ? { defaultRevision: istio.defaultRevision } : {}),
    ...(istio.versionChange ? { versionChange: { ...istio.versionChange } } : {}),
  };
}

export function serializeVersionRecord(record: VersionRecord): string {
  return JSON.stringify({ meshcVersions: FORMAT, ...record }, null, 2) + '\n';
}

/** A record that cannot be read: the guard cannot judge, so nothing is rendered. */
export class RecordError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RecordError';
  }
}

/** Parses a record; a file that is not one is an error naming the file, never silently ignored. */
export function parseVersionRecord(file: string, text: string): VersionRecord {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new RecordError(`${file}: not valid JSON (${(err as Error).message})`);
  }
  const d = data as Partial<VersionRecord> & { meshcVersions?: unknown };
  const bad = (what: string) => new RecordError(`${file}: not a meshc version record (${what})`);
  if (typeof d !== 'object' || d === null || d.meshcVersions !== FORMAT) throw bad(`expected "meshcVersions": ${FORMAT}`);
  if (typeof d.cluster !== 'string') throw bad('"cluster" missing');
  if (!Array.isArray(d.revisions) || d.revisions.some((r) => typeof r?.name !== 'string' || !/^\d+\.\d+\.\d+$/.test(String(r?.version)))) {
    throw bad('"revisions" must list { name, version }');
  }
  return {
    cluster: d.cluster,
    revisions: d.revisions.map((r) => ({ name: r.name, version: r.version, ...(r.compatibilityVersion ? { compatibilityVersion: r.compatibilityVersion } : {}) })),
    tags: typeof d.tags === 'object' && d.tags ? d.tags : {},
    ...(typeof d.defaultRevision === 'string' ? { defaultRevision: d.defaultRevision } : {}),
  };
}
