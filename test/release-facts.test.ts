/**
 * What differs between catalog releases is rendered per release, as each release's upstream
 * charts render it. The expectations are written out here from upstream's charts (istiod's
 * ClusterRole, the reader ClusterRole, istiod's env), independently of src/catalog, so a change
 * there cannot quietly change what is expected.
 */
import { describe, expect, it } from 'vitest';
import { ISTIO_RELEASES } from '../src/catalog/versions';
import { loadCluster, singleCluster } from './support/fleet';
import { find, manifests, type Manifest } from './support/objects';

const KUBERNETES: Record<string, string> = { '1.28': '1.32', '1.29': '1.33', '1.30': '1.33' };

function render(version: string): Manifest[] {
  const minor = version.split('.').slice(0, 2).join('.');
  return manifests(loadCluster(singleCluster('', { istio: version, kubernetes: KUBERNETES[minor] })));
}

const statusResources = (role: Manifest, group: string) =>
  role.rules.filter((r: Manifest) => r.apiGroups.includes(group) && r.verbs.includes('patch')).flatMap((r: Manifest) => r.resources);

/** Upstream's charts, per minor. */
const UPSTREAM: Record<string, { xListenerSets: boolean; readerConfigMaps: boolean; goMemLimit: boolean }> = {
  '1.28': { xListenerSets: true, readerConfigMaps: false, goMemLimit: true },
  '1.29': { xListenerSets: true, readerConfigMaps: true, goMemLimit: false },
  '1.30': { xListenerSets: false, readerConfigMaps: true, goMemLimit: false },
};

describe.each(ISTIO_RELEASES.map((r) => [r.version, r] as const))('Istio %s', (version, release) => {
  const objects = render(version);
  const facts = UPSTREAM[release.minor];

  it('lets istiod write the ListenerSet status of its Gateway API version', () => {
    const role = find(objects, 'ClusterRole', 'istiod-clusterrole-istio-system');
    expect(statusResources(role, 'gateway.networking.x-k8s.io').includes('xlistenersets/status')).toBe(facts.xListenerSets);
    expect(statusResources(role, 'gateway.networking.k8s.io').includes('listenersets/status')).toBe(!facts.xListenerSets);
  });

  it('lets the reader read ConfigMaps only where upstream does', () => {
    const reader = find(objects, 'ClusterRole', 'istio-reader-clusterrole-istio-system');
    const core = reader.rules.find((r: Manifest) => r.apiGroups.includes('') && r.resources.includes('pods'));
    expect(core.resources.includes('configmaps')).toBe(facts.readerConfigMaps);
  });

  it('bounds istiod\'s Go heap by its memory limit where upstream\'s chart does', () => {
    const env = find(objects, 'Deployment', 'istiod').spec.template.spec.containers[0].env as Manifest[];
    const goMemLimit = env.find((e) => e.name === 'GOMEMLIMIT');
    expect(goMemLimit !== undefined).toBe(facts.goMemLimit);
    if (goMemLimit) expect(goMemLimit.valueFrom).toEqual({ resourceFieldRef: { resource: 'limits.memory', divisor: '1' } });
  });
});

it('knows every catalog release', () => {
  expect(ISTIO_RELEASES.map((r) => r.minor).filter((m) => !UPSTREAM[m])).toEqual([]);
});
