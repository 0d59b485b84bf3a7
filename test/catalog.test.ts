import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ISTIO_RELEASES, LATEST_ISTIO, findRelease, imageRef, supportsKubernetes } from '../src/catalog/versions';
import { SHARED_DIR } from './support/crd-validator';

describe('version catalog', () => {
  it.each(ISTIO_RELEASES.map((r) => [r.version, r] as const))('records the sha256 of the upstream CRD file of %s', (version, release) => {
    const text = readFileSync(join(SHARED_DIR, 'istio', version, 'crd-all.gen.yaml'));
    expect(createHash('sha256').update(text).digest('hex')).toBe(release.crds.sha256);
    expect(release.crds.url).toContain(`/${version}/`);
  });

  it('knows the supported Kubernetes range of each minor', () => {
    expect(ISTIO_RELEASES.map((r) => [r.minor, r.kubernetes.min, r.kubernetes.max, r.endOfLife])).toEqual([
      ['1.28', '1.30', '1.34', true],
      ['1.29', '1.31', '1.35', false],
      ['1.30', '1.32', '1.36', false],
    ]);
    const r130 = findRelease('1.30.3')!;
    expect(['1.31', '1.32', '1.36', '1.37', '1.36.2', '2.32'].map((v) => supportsKubernetes(r130, v))).toEqual([false, true, true, false, true, false]);
  });

  it('offers only earlier minors as compatibility versions', () => {
    for (const r of ISTIO_RELEASES) {
      for (const c of r.compatibilityVersions) expect(Number(c.split('.')[1])).toBeLessThan(Number(r.minor.split('.')[1]));
    }
  });

  it('lists the upstream pilot and proxyv2 images of every release', () => {
    expect(findRelease('1.28.10')!.images).toEqual({ pilot: 'docker.io/istio/pilot:1.28.10', proxyv2: 'docker.io/istio/proxyv2:1.28.10' });
    expect(LATEST_ISTIO.images.proxyv2).toBe('docker.io/istio/proxyv2:1.30.3');
  });

  it('names images and the newest release', () => {
    expect(imageRef('docker.io/istio', 'proxyv2', '1.29.6')).toBe('docker.io/istio/proxyv2:1.29.6');
    expect(LATEST_ISTIO.version).toBe('1.30.3');
    expect(findRelease('1.30.2')).toBeUndefined();
  });
});
