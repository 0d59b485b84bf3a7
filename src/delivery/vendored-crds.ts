/**
 * `crds.mode: vendored`: the CRD bundle of each Istio version the fleet uses, read from the
 * vendor folder at load time and verified against the catalog's sha256, so that a render
 * never depends on the network and never ships a file that differs from upstream's.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { IstioRelease } from '../catalog/versions';
import type { CrdManifest, FleetConfig } from '../config/cluster-config';
import type { Diagnostic } from '../config/diagnostic';
import type { SourceDocument } from '../config/source';

export const CRD_FILE = 'crd-all.gen.yaml';

/** The vendor folder as the process sees it: relative paths are taken from the fleet file's folder. */
export function vendorRoot(fleetFile: string, vendorDir: string): string {
  return join(dirname(fleetFile), vendorDir);
}

export function vendoredFile(root: string, version: string): string {
  return join(root, version, CRD_FILE);
}

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Why a vendored file cannot be used, or undefined when it is the catalog's. */
export function checkVendored(file: string, release: IstioRelease): { problem: string } | { data: Buffer } {
  let data: Buffer;
  try {
    data = readFileSync(file);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    return { problem: `${file}: ${reason}; run \`meshc vendor\` (expected sha256 ${release.crds.sha256})` };
  }
  const actual = sha256(data);
  if (actual !== release.crds.sha256) {
    return { problem: `${file}: sha256 mismatch for Istio ${release.version}: expected ${release.crds.sha256}, got ${actual}; run \`meshc vendor\` again` };
  }
  return { data };
}

/** CustomResourceDefinitions of a verified bundle, in file order. */
export function parseCrds(text: string): CrdManifest[] {
  return parseAllDocuments(text)
    .map((d) => d.toJSON() as Record<string, unknown> | null)
    .filter((o): o is Record<string, unknown> => o !== null && o.kind === 'CustomResourceDefinition');
}

/** The fleet with each cluster's vendored CRDs attached, or the problems that prevent it. */
export function attachVendoredCrds(doc: SourceDocument, fleet: FleetConfig): { fleet: FleetConfig; diagnostics: Diagnostic[]; files: string[] } {
  const delivery = fleet.delivery;
  if (!delivery || delivery.crds.mode !== 'vendored') return { fleet, diagnostics: [], files: [] };
  const root = vendorRoot(doc.file, delivery.crds.vendorDir);
  const pos = doc.positionOf(hasVendorDir(doc.data) ? ['delivery', 'crds', 'vendorDir'] : ['delivery', 'crds']);
  const diagnostics: Diagnostic[] = [];
  const files: string[] = [];
  const byVersion = new Map<string, CrdManifest[]>();
  for (const cluster of fleet.clusters) {
    const release = cluster.istio.release;
    if (byVersion.has(release.version)) continue;
    const file = vendoredFile(root, release.version);
    files.push(file);
    const checked = checkVendored(file, release);
    if ('problem' in checked) {
      diagnostics.push({ severity: 'error', file: doc.file, line: pos.line, column: pos.column, path: 'delivery.crds.vendorDir', message: checked.problem });
      byVersion.set(release.version, []);
    } else {
      byVersion.set(release.version, parseCrds(checked.data.toString('utf8')));
    }
  }
  return {
    fleet: { ...fleet, clusters: fleet.clusters.map((c) => ({ ...c, crds: byVersion.get(c.istio.release.version)! })) },
    diagnostics,
    files,
  };
}

function hasVendorDir(data: unknown): boolean {
  return typeof (data as { delivery?: { crds?: { vendorDir?: unknown } } }).delivery?.crds?.vendorDir === 'string';
}
