/**
 * `meshc vendor`: downloads the upstream CRD bundle of every Istio version the fleet uses into
 * the vendor folder, keeping a file only when its sha256 is the catalog's.
 *
 * Commands run synchronously, so the download runs in a child node process (node's own http
 * client, no dependency) and the parent only checks and writes the bytes.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { IstioRelease } from '../catalog/versions';
import type { FleetConfig } from '../config/cluster-config';
import { sha256, vendoredFile } from './vendored-crds';

const FETCH_SCRIPT = `
const url = process.argv[1];
const get = (u, left) => require(u.startsWith('https:') ? 'https' : 'http').get(u, (res) => {
  if (res.statusCode >= 300 && res.statusCode < 400 && res.headers.location && left > 0) {
    res.resume();
    return get(new URL(res.headers.location, u).toString(), left - 1);
  }
  if (res.statusCode !== 200) { process.stderr.write('HTTP ' + res.statusCode); process.exit(1); }
  res.pipe(process.stdout);
}).on('error', (e) => { process.stderr.write(e.message); process.exit(1); });
get(url, 5);
`;

const MAX_BYTES = 64 * 1024 * 1024;

export interface VendorOptions {
  /** Folder to write into (`<root>/<version>/crd-all.gen.yaml`). */
  readonly root: string;
  /** Replaces upstream's download location: `<baseUrl>/<version>/crd-all.gen.yaml`. For tests and mirrors. */
  readonly baseUrl?: string;
}

export interface VendorResult {
  readonly written: readonly string[];
  readonly failed: readonly string[];
}

export function crdUrl(release: IstioRelease, baseUrl?: string): string {
  return baseUrl ? `${baseUrl.replace(/\/+$/, '')}/${release.version}/crd-all.gen.yaml` : release.crds.url;
}

/** Downloads and verifies each release's bundle; reports every failure and keeps no bad file. */
export function vendorCrds(fleet: FleetConfig, options: VendorOptions, report: (line: string) => void): VendorResult {
  const releases = [...new Map(fleet.clusters.map((c) => [c.istio.release.version, c.istio.release])).values()];
  const written: string[] = [];
  const failed: string[] = [];
  for (const release of releases) {
    const url = crdUrl(release, options.baseUrl);
    const target = vendoredFile(options.root, release.version);
    const fetched = spawnSync(process.execPath, ['-e', FETCH_SCRIPT, url], { maxBuffer: MAX_BYTES, timeout: 120_000 });
    if (fetched.status !== 0) {
      failed.push(target);
      report(`${url}: download failed: ${fetched.stderr?.toString() || fetched.error?.message || 'unknown error'}`);
      continue;
    }
    const actual = sha256(fetched.stdout);
    if (actual !== release.crds.sha256) {
      failed.push(target);
      report(`${url}: sha256 mismatch for Istio ${release.version}: expected ${release.crds.sha256}, got ${actual}; nothing was written`);
      continue;
    }
    mkdirSync(dirname(target), { recursive: true });
    // Written beside and renamed, so an interrupted run never leaves a partial file under the real name.
    writeFileSync(`${target}.partial`, fetched.stdout);
    renameSync(`${target}.partial`, target);
    written.push(target);
  }
  return { written, failed };
}
