/**
 * Revisions and revision tags: several control planes side by side, the tags that point
 * namespaces at them, compatibility mode, and every way the fleet file can get them wrong.
 */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { ClusterConfig } from '../src/config/cluster-config';
import { renderClusterObjects } from '../src/render/render';
import { HEADER, loadCluster, rejectionOf, singleCluster } from './support/fleet';
import { injectFor } from './support/injection-case';
import { find, manifests, type Manifest } from './support/objects';

/** A cluster on Kubernetes 1.32 (supported by 1.29 and 1.30) with `istio` as given. */
function fleet(istio: string, extra = ''): string {
  return `${HEADER}clusters:\n  - name: c1\n    kubernetesVersion: "1.32"\n    istio:\n${istio}${extra}`;
}

const CANARY = `      revisions:
        - version: "1.29.6"
        - version: "1.30.3"
          compatibilityVersion: "1.29"
      tags:
        default: 1-29-6
        canary: 1-30-3
`;

const envOf = (objects: Manifest[], deployment: string): Record<string, string> =>
  Object.fromEntries(find(objects, 'Deployment', deployment).spec.template.spec.containers[0].env.filter((e: Manifest) => 'value' in e).map((e: Manifest) => [e.name, e.value]));
const webhookNames = (mwc: Manifest) => mwc.webhooks.map((w: Manifest) => w.name);
const services = (cfg: Manifest) => [...new Set(cfg.webhooks.map((w: Manifest) => w.clientConfig.service.name))];
const ofKind = (objects: Manifest[], kind: string) => objects.filter((o) => o.kind === kind).map((o) => o.metadata.name).sort();

describe('one revision (istio.version)', () => {
  const objects = manifests(loadCluster(singleCluster()));

  it('is upstream\'s unnamed default revision: istiod, its injector serving istio-injection=enabled, no tags', () => {
    expect(ofKind(objects, 'Deployment').filter((n) => n.startsWith('istiod'))).toEqual(['istiod']);
    expect(ofKind(objects, 'MutatingWebhookConfiguration')).toEqual(['istio-sidecar-injector']);
    expect(webhookNames(find(objects, 'MutatingWebhookConfiguration', 'istio-sidecar-injector'))).toContain('namespace.sidecar-injector.istio.io');
    expect(envOf(objects, 'istiod').REVISION).toBe('default');
  });
});

describe('a canary: two revisions and two tags', () => {
  const cluster = loadCluster(fleet(CANARY));
  const objects = manifests(cluster);

  it('derives revision names from versions, orders them oldest first and finds the default revision through the tag', () => {
    expect(cluster.istio.revisions.map((r) => [r.name, r.release.version])).toEqual([
      ['1-29-6', '1.29.6'],
      ['1-30-3', '1.30.3'],
    ]);
    expect(cluster.istio.defaultRevision).toBe('1-29-6');
    expect(cluster.istio.release.version).toBe('1.30.3');
  });

  it('runs one istiod per revision with its own image, identity, mesh config and injector', () => {
    for (const [rev, version] of [['1-29-6', '1.29.6'], ['1-30-3', '1.30.3']]) {
      const istiod = find(objects, 'Deployment', `istiod-${rev}`);
      expect(istiod.spec.template.spec.containers[0].image).toBe(`docker.io/istio/pilot:${version}`);
      expect(istiod.spec.template.spec.serviceAccountName).toBe(`istiod-${rev}`);
      expect(istiod.spec.selector.matchLabels).toEqual({ app: 'istiod', 'istio.io/rev': rev });
      expect(find(objects, 'Service', `istiod-${rev}`).spec.selector).toEqual({ app: 'istiod', 'istio.io/rev': rev });
      expect(envOf(objects, `istiod-${rev}`).REVISION).toBe(rev);
      find(objects, 'ClusterRole', `istiod-clusterrole-${rev}-istio-system`);
      find(objects, 'ClusterRoleBinding', `istiod-clusterrole-${rev}-istio-system`);
      const mesh = parse(find(objects, 'ConfigMap', `istio-${rev}`).data.mesh);
      expect(mesh.defaultConfig.discoveryAddress).toBe(`istiod-${rev}.istio-system.svc:15012`);
      const values = JSON.parse(find(objects, 'ConfigMap', `istio-sidecar-injector-${rev}`).data.values);
      expect(values.revision).toBe(rev);
      expect(values.global.tag).toBe(version);
    }
    expect(objects.some((o) => o.kind === 'Deployment' && o.metadata.name === 'istiod')).toBe(false);
  });

  it('gives each revision its own injector webhook, selected by istio.io/rev=<revision> only', () => {
    for (const rev of ['1-29-6', '1-30-3']) {
      const mwc = find(objects, 'MutatingWebhookConfiguration', `istio-sidecar-injector-${rev}`);
      expect(webhookNames(mwc)).toEqual(['rev.namespace.sidecar-injector.istio.io', 'rev.object.sidecar-injector.istio.io']);
      expect(services(mwc)).toEqual([`istiod-${rev}`]);
      expect(mwc.webhooks[0].namespaceSelector.matchExpressions[0]).toEqual({ key: 'istio.io/rev', operator: 'In', values: [rev] });
    }
  });

  it('renders each tag as a webhook calling its revision\'s istiod; the default tag also serves istio-injection=enabled', () => {
    const dflt = find(objects, 'MutatingWebhookConfiguration', 'istio-revision-tag-default');
    expect(dflt.metadata.labels).toMatchObject({ 'istio.io/tag': 'default', 'istio.io/rev': '1-29-6' });
    expect(services(dflt)).toEqual(['istiod-1-29-6']);
    expect(webhookNames(dflt)).toEqual([
      'rev.namespace.sidecar-injector.istio.io',
      'rev.object.sidecar-injector.istio.io',
      'namespace.sidecar-injector.istio.io',
      'object.sidecar-injector.istio.io',
    ]);
    expect(dflt.webhooks[0].namespaceSelector.matchExpressions[0]).toEqual({ key: 'istio.io/rev', operator: 'In', values: ['default'] });
    expect(dflt.webhooks[2].namespaceSelector.matchExpressions).toEqual([{ key: 'istio-injection', operator: 'In', values: ['enabled'] }]);

    const canary = find(objects, 'MutatingWebhookConfiguration', 'istio-revision-tag-canary');
    expect(canary.metadata.labels).toMatchObject({ 'istio.io/tag': 'canary', 'istio.io/rev': '1-30-3' });
    expect(services(canary)).toEqual(['istiod-1-30-3']);
    expect(webhookNames(canary)).toEqual(['rev.namespace.sidecar-injector.istio.io', 'rev.object.sidecar-injector.istio.io']);
    expect(canary.webhooks[1].objectSelector.matchExpressions).toContainEqual({ key: 'istio.io/rev', operator: 'In', values: ['canary'] });
  });

  it('validates revision-labelled objects per revision and unlabelled ones with the default revision', () => {
    expect(ofKind(objects, 'ValidatingWebhookConfiguration')).toEqual(['istio-validator-1-29-6-istio-system', 'istio-validator-1-30-3-istio-system', 'istiod-default-validator']);
    expect(services(find(objects, 'ValidatingWebhookConfiguration', 'istiod-default-validator'))).toEqual(['istiod-1-29-6']);
  });

  it('applies the compatibility profile to its revision only', () => {
    expect(envOf(objects, 'istiod-1-30-3').PILOT_SIDECAR_PICK_BEST_SERVICE_NAMESPACE).toBe('false');
    expect(envOf(objects, 'istiod-1-29-6').PILOT_SIDECAR_PICK_BEST_SERVICE_NAMESPACE).toBeUndefined();
    expect(cluster.istio.revisions[1].compatibilityVersion).toBe('1.29');
  });

  it('injects gateways through the default tag unless a gateway names its revision', () => {
    const ingress = find(objects, 'Deployment', 'istio-ingressgateway').spec.template.metadata.labels;
    expect(ingress['istio.io/rev']).toBeUndefined();
    expect(ingress['sidecar.istio.io/inject']).toBe('true');
    expect(ingress['app.kubernetes.io/version']).toBe('1.29.6');
    const pinned = manifests(loadCluster(fleet(CANARY, '    gateways:\n      ingress:\n        revision: canary\n')));
    const labels = find(pinned, 'Deployment', 'istio-ingressgateway').spec.template.metadata.labels;
    expect(labels['istio.io/rev']).toBe('canary');
    expect(labels['app.kubernetes.io/version']).toBe('1.30.3');
  });

  it('promotes the canary with one line: moving the default tag changes only what the tag decides', () => {
    const promoted = loadCluster(fleet(CANARY.replace('default: 1-29-6', 'default: 1-30-3')));
    const before = new Map(renderClusterObjects(cluster).map((o) => [o.path, JSON.stringify(o.manifest)]));
    const after = new Map(renderClusterObjects(promoted).map((o) => [o.path, JSON.stringify(o.manifest)]));
    const changed = [...new Set([...before.keys(), ...after.keys()])].filter((p) => before.get(p) !== after.get(p)).sort();
    // The tag's webhook, the default validator, the gateway injected by default, and the
    // restarter Job that moves the data plane (its name carries the new target).
    expect(changed.filter((p) => !p.startsWith('post-sync/'))).toEqual([
      'control-plane/istio-system/service-istiod-revision-tag-default.yaml',
      'control-plane/mutatingwebhookconfiguration-istio-revision-tag-default.yaml',
      'control-plane/validatingwebhookconfiguration-istiod-default-validator.yaml',
      'gateways/istio-ingress/deployment-istio-ingressgateway.yaml',
      'gateways/istio-ingress/horizontalpodautoscaler-istio-ingressgateway.yaml',
      'gateways/istio-ingress/poddisruptionbudget-istio-ingressgateway.yaml',
      'gateways/istio-ingress/role-istio-ingressgateway.yaml',
      'gateways/istio-ingress/rolebinding-istio-ingressgateway.yaml',
      'gateways/istio-ingress/service-istio-ingressgateway.yaml',
      'gateways/istio-ingress/serviceaccount-istio-ingressgateway.yaml',
    ]);
    expect(changed.some((p) => p.startsWith('post-sync/'))).toBe(true);
  });

  it('injects the canary revision\'s proxy for a pod that selects the canary tag', () => {
    const pod = injectFor(cluster, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'app', namespace: 'shop', labels: { app: 'app' } }, spec: { containers: [{ name: 'app', image: 'app:1' }] } }, { revision: 'canary', objects });
    const proxy = [...(pod.spec.initContainers ?? []), ...pod.spec.containers].find((c: Manifest) => c.name === 'istio-proxy');
    expect(proxy.image).toBe('docker.io/istio/proxyv2:1.30.3');
    const proxyConfig = JSON.parse(proxy.env.find((e: Manifest) => e.name === 'PROXY_CONFIG').value);
    expect(proxyConfig.discoveryAddress).toBe('istiod-1-30-3.istio-system.svc:15012');
  });
});

describe('revision declarations', () => {
  it('lets a cluster\'s revisions replace the version from defaults', () => {
    const text = `${HEADER}defaults:\n  istio:\n    version: "1.29.6"\nclusters:\n  - name: c1\n    kubernetesVersion: "1.32"\n    istio:\n      revisions:\n        - version: "1.30.3"\n          name: stable\n    gateways:\n      ingress:\n        enabled: false\n`;
    const cluster: ClusterConfig = loadCluster(text);
    expect(cluster.istio.revisions.map((r) => r.name)).toEqual(['stable']);
    expect(cluster.istio.defaultRevision).toBeUndefined();
  });

  it('lets a cluster\'s version replace revisions from defaults', () => {
    const text = `${HEADER}defaults:\n  istio:\n    revisions:\n      - version: "1.29.6"\nclusters:\n  - name: c1\n    kubernetesVersion: "1.32"\n    istio:\n      version: "1.30.3"\n`;
    expect(loadCluster(text).istio.revisions.map((r) => [r.name, r.release.version])).toEqual([['default', '1.30.3']]);
  });

  it('keeps upstream\'s unnamed revision when a revision is named default', () => {
    const objects = manifests(loadCluster(fleet('      revisions:\n        - version: "1.29.6"\n          name: default\n        - version: "1.30.3"\n      tags:\n        canary: 1-30-3\n')));
    find(objects, 'Deployment', 'istiod');
    find(objects, 'Deployment', 'istiod-1-30-3');
    expect(webhookNames(find(objects, 'MutatingWebhookConfiguration', 'istio-sidecar-injector'))).toHaveLength(4);
    expect(services(find(objects, 'MutatingWebhookConfiguration', 'istio-revision-tag-canary'))).toEqual(['istiod-1-30-3']);
  });
});

describe('rejected revision settings', () => {
  const errors = (istio: string, extra = '') => rejectionOf(fleet(istio, extra), { errorsOnly: true });

  it('refuses version and revisions at the same level', () => {
    expect(errors('      version: "1.30.3"\n      revisions:\n        - version: "1.29.6"\n')).toEqual([
      'fleet.yaml:9:9: error: clusters[0].istio.revisions: cluster "c1": set either istio.version (one revision, upgraded in place) or istio.revisions (several side by side), not both at the same level',
    ]);
  });

  it('refuses a tag pointing at an unknown revision, with a suggestion', () => {
    expect(errors('      revisions:\n        - version: "1.30.3"\n      tags:\n        prod: 1-30-2\n')).toEqual([
      'fleet.yaml:10:15: error: clusters[0].istio.tags.prod: cluster "c1": tag "prod" points to "1-30-2", which is not a revision of this cluster (revisions: 1-30-3); did you mean "1-30-3"?',
    ]);
  });

  it('refuses a tag with a revision\'s name, and a default tag beside a default revision', () => {
    expect(errors('      revisions:\n        - version: "1.30.3"\n          name: stable\n      tags:\n        stable: stable\n')).toEqual([
      'fleet.yaml:11:9: error: clusters[0].istio.tags.stable: cluster "c1": tag "stable" has the name of a revision; a name selects either a tag or a revision',
    ]);
    expect(errors('      revisions:\n        - version: "1.30.3"\n          name: default\n      tags:\n        default: default\n')).toEqual([
      'fleet.yaml:11:9: error: clusters[0].istio.tags.default: cluster "c1": tag "default" has the name of a revision; a name selects either a tag or a revision',
    ]);
  });

  it('refuses two revisions with one name', () => {
    expect(errors('      revisions:\n        - version: "1.30.3"\n        - version: "1.30.3"\n')).toEqual([
      'fleet.yaml:9:20: error: clusters[0].istio.revisions[1].version: cluster "c1": revision "1-30-3" is declared twice (revisions[0] and revisions[1]); give one of them a name',
    ]);
  });

  it('refuses a compatibility version the catalog does not accept for the release', () => {
    expect(errors('      version: "1.30.3"\n      compatibilityVersion: "1.24"\n')).toEqual([
      'fleet.yaml:8:29: error: clusters[0].istio.compatibilityVersion: cluster "c1": Istio 1.30.3 cannot emulate 1.24 (compatibilityVersion accepts "1.25", "1.26", "1.27", "1.28", "1.29")',
    ]);
    expect(errors('      revisions:\n        - version: "1.29.6"\n          compatibilityVersion: "1.29"\n')[0]).toContain('Istio 1.29.6 cannot emulate 1.29');
  });

  it('refuses a compatibility profile that contradicts a setting meshc derives, until the setting agrees', () => {
    const old = (extra = '') => `${HEADER}clusters:\n  - name: c1\n    kubernetesVersion: "1.30"\n    istio:\n      version: "1.28.10"\n      compatibilityVersion: "1.26"\n${extra}`;
    expect(rejectionOf(old(), { errorsOnly: true })).toEqual([
      'fleet.yaml:8:29: error: clusters[0].istio.compatibilityVersion: cluster "c1": compatibilityVersion 1.26 sets ENABLE_NATIVE_SIDECARS=false, but sidecar.nativeSidecars: true makes meshc set ENABLE_NATIVE_SIDECARS=true; change one so they agree',
    ]);
    const objects = manifests(loadCluster(old('    sidecar:\n      nativeSidecars: false\n')));
    const env = find(objects, 'Deployment', 'istiod').spec.template.spec.containers[0].env.map((e: Manifest) => e.name);
    expect(env.filter((n: string) => n === 'ENABLE_NATIVE_SIDECARS')).toHaveLength(1);
    expect(envOf(objects, 'istiod')).toMatchObject({ ENABLE_NATIVE_SIDECARS: 'false', DISABLE_SHADOW_HOST_SUFFIX: 'false', PILOT_SPAWN_UPSTREAM_SPAN_FOR_GATEWAY: 'false' });
  });

  it('refuses istiod env that a compatibility profile also sets', () => {
    const out = errors('      version: "1.30.3"\n      compatibilityVersion: "1.29"\n', '    controlPlane:\n      istiod:\n        env:\n          PILOT_SIDECAR_PICK_BEST_SERVICE_NAMESPACE: "true"\n');
    expect(out).toEqual([
      'fleet.yaml:12:54: error: clusters[0].controlPlane.istiod.env.PILOT_SIDECAR_PICK_BEST_SERVICE_NAMESPACE: cluster "c1": istiod env PILOT_SIDECAR_PICK_BEST_SERVICE_NAMESPACE is also set by compatibilityVersion 1.29; remove one of them',
    ]);
  });

  it('refuses gateways when no revision serves default injection, and unknown gateway revisions', () => {
    expect(errors('      revisions:\n        - version: "1.30.3"\n')).toEqual([
      'fleet.yaml:8:9: error: clusters[0].istio.revisions: cluster "c1": ingress gateway: no revision serves default injection (neither a `default` revision nor a `default` tag); set the gateway\'s `revision` or add tags.default',
    ]);
    expect(errors(CANARY, '    gateways:\n      ingress:\n        revision: canry\n')).toEqual([
      expect.stringMatching(/gateways\.ingress\.revision: .*revision "canry" is neither a revision nor a tag of this cluster .*did you mean "canary"\?$/),
    ]);
  });

  it('refuses a Kubernetes version one of the revisions does not support', () => {
    const text = `${HEADER}clusters:\n  - name: c1\n    kubernetesVersion: "1.31"\n    istio:\n      revisions:\n        - version: "1.29.6"\n        - version: "1.30.3"\n      tags:\n        default: 1-29-6\n`;
    expect(rejectionOf(text, { errorsOnly: true })).toEqual([
      'fleet.yaml:5:24: error: clusters[0].kubernetesVersion: cluster "c1": Kubernetes 1.31 is not supported by revision 1-30-3 (Istio 1.30.3) (supported: Kubernetes 1.32 to 1.36)',
    ]);
  });
});

describe('istiod selectors across revisions', () => {
  // The unnamed default revision beside a named canary: the case where upstream's default
  // selectors (`istio: pilot`) could reach the canary's pods.
  const objects = manifests(loadCluster(fleet('      revisions:\n        - version: "1.29.6"\n          name: default\n        - version: "1.30.3"\n      tags:\n        canary: 1-30-3\n')));
  const istiods = objects.filter((o) => o.kind === 'Deployment' && o.spec.template.metadata.labels.app === 'istiod');
  const revisionOfPods = (labels: Record<string, string>) => istiods.filter((d) => Object.entries(labels).every(([k, v]) => d.spec.template.metadata.labels[k] === v)).map((d) => d.metadata.name);
  const selectorsOf = (o: Manifest): Record<string, string>[] => {
    if (o.kind === 'Service') return o.spec.selector ? [o.spec.selector] : [];
    if (o.kind === 'PodDisruptionBudget') return [o.spec.selector.matchLabels];
    if (o.kind === 'Deployment') {
      const spread = (o.spec.template.spec.topologySpreadConstraints ?? []).map((c: Manifest) => c.labelSelector.matchLabels);
      const affinity = (o.spec.template.spec.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((t: Manifest) => t.podAffinityTerm.labelSelector.matchLabels);
      return [o.spec.selector.matchLabels, ...spread, ...affinity];
    }
    return [];
  };

  it('let no Service, Deployment, disruption budget or spread constraint of one revision select another revision\'s pods', () => {
    expect(istiods.map((d) => d.metadata.name).sort()).toEqual(['istiod', 'istiod-1-30-3']);
    const istiodObjects = objects.filter((o) => ['Service', 'PodDisruptionBudget', 'Deployment'].includes(o.kind) && o.metadata.name.startsWith('istiod'));
    for (const o of istiodObjects) {
      // A tag's Service belongs to the revision the tag points to.
      const tag = o.metadata.labels?.['istio.io/tag'];
      const own = tag ? (o.metadata.labels['istio.io/rev'] === 'default' ? 'istiod' : `istiod-${o.metadata.labels['istio.io/rev']}`) : o.metadata.name;
      for (const selector of selectorsOf(o)) expect(revisionOfPods(selector), `${o.kind}/${own} selects ${JSON.stringify(selector)}`).toEqual([own]);
    }
  });

  it('label a revisioned istiod\'s pods istio: istiod, the default revision\'s istio: pilot, as upstream does', () => {
    expect(find(objects, 'Deployment', 'istiod').spec.template.metadata.labels.istio).toBe('pilot');
    expect(find(objects, 'Deployment', 'istiod-1-30-3').spec.template.metadata.labels.istio).toBe('istiod');
  });
});

describe('revision tag Services', () => {
  const objects = manifests(loadCluster(fleet(CANARY)));

  it('put a Service named for each tag in front of the revision the tag points to, as upstream does', () => {
    for (const [tag, revision] of [['default', '1-29-6'], ['canary', '1-30-3']]) {
      const service = find(objects, 'Service', `istiod-revision-tag-${tag}`);
      const target = find(objects, 'Service', `istiod-${revision}`);
      expect(service.metadata.namespace).toBe('istio-system');
      expect(service.metadata.labels).toMatchObject({ 'istio.io/tag': tag, 'istio.io/rev': revision, app: 'istiod' });
      expect(service.spec).toEqual(target.spec);
    }
  });
});

describe('the reader identity shared by revisions', () => {
  it('is one ClusterRole and binding named for the namespace, with the newest revision\'s rules, whichever revisions run', () => {
    for (const istio of [CANARY, '      revisions:\n        - version: "1.30.3"\n          name: stable\n      tags:\n        default: stable\n']) {
      const objects = manifests(loadCluster(fleet(istio)));
      const readers = objects.filter((o) => o.kind.startsWith('ClusterRole') && o.metadata.name.startsWith('istio-reader'));
      expect(readers.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(['ClusterRole/istio-reader-clusterrole-istio-system', 'ClusterRoleBinding/istio-reader-clusterrole-istio-system']);
      expect(readers[0].metadata.labels['app.kubernetes.io/version']).toBe('1.30.3');
    }
  });
});
