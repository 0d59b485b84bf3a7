/**
 * What a rendered cluster contains, for the settings a fleet file can change, and that every
 * Istio object is one the real API server accepts.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ISTIO_RELEASES } from '../src/catalog/versions';
import { writeTree } from '../src/output/tree-writer';
import { loadFleetText } from '../src/pipeline';
import { renderFleet } from '../src/render/render';
import { loadCrdValidator, sharedAvailable } from './support/crd-validator';
import { loadCluster, singleCluster } from './support/fleet';
import { exampleClusters, expectRestrictedPod, find, manifests, podSpecs } from './support/objects';

describe('Istio objects against the real CRD schemas', () => {
  it('has the upstream CRDs to check against', () => {
    expect(sharedAvailable()).toBe(true);
  });

  const fleets = [
    ...exampleClusters().map((c) => ({ label: `example cluster ${c.name}`, cluster: c })),
    ...ISTIO_RELEASES.map((r) => ({
      label: `default cluster on Istio ${r.version}`,
      cluster: loadCluster(singleCluster('', { istio: r.version, kubernetes: r.kubernetes.max })),
    })),
  ];
  it.each(fleets)('$label validates against its version\'s CRDs', ({ cluster }) => {
    const validator = loadCrdValidator(cluster.istio.release.version);
    const istioObjects = manifests(cluster).filter((o) => validator.knows(o.apiVersion, o.kind));
    expect(istioObjects.length).toBeGreaterThan(0);
    expect(istioObjects.flatMap((o) => validator.validate(o))).toEqual([]);
  });
});

describe('kustomize', () => {
  const out = mkdtempSync(join(tmpdir(), 'meshc-kustomize-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));
  const clusters = exampleClusters();
  writeTree(join(out, 'dist'), renderFleet({ clusters }));

  it.each(clusters.map((c) => c.name))('kubectl kustomize builds dist/%s with every object', (name) => {
    const built = execFileSync('kubectl', ['kustomize', join(out, 'dist', name)], { encoding: 'utf8' });
    const docs = built.split(/^---$/m).map((d) => parse(d));
    const cluster = clusters.find((c) => c.name === name)!;
    expect(docs.length).toBe(manifests(cluster).length);
  });
});

describe('restricted pods', () => {
  /** The one documented exception: the CNI node agent programs every node's network (docs/cni.md). */
  const CNI_AGENT = 'DaemonSet/istio-cni/istio-cni-node';

  it.each(exampleClusters().map((c) => [c.name, c] as const))('every container in %s runs restricted', (_, cluster) => {
    const objects = manifests(cluster);
    const all = podSpecs(objects);
    const specs = all.filter((s) => s.owner !== CNI_AGENT);
    if (all.length !== specs.length) {
      const ns = find(objects, 'Namespace', 'istio-cni');
      expect(ns.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('privileged');
      expect(objects.filter((o) => o.metadata.namespace === 'istio-cni' && o.spec?.template).map((o) => o.kind)).toEqual(['DaemonSet']);
    }
    expect(specs.length).toBeGreaterThan(0);
    for (const { owner, spec } of specs) {
      expect(spec.hostNetwork ?? false, owner).toBe(false);
      for (const c of expectRestrictedPod(owner, spec, expect)) {
        expect(c.securityContext.privileged ?? false).toBe(false);
        expect(c.resources?.requests, `${owner} ${c.name} requests`).toBeDefined();
      }
    }
  });

  it('labels the control-plane namespace to enforce the restricted standard', () => {
    const ns = find(manifests(exampleClusters()[0]), 'Namespace', 'istio-system');
    expect(ns.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });
});

describe('istiod scaling', () => {
  it('renders an HPA and, like upstream, no PodDisruptionBudget for a single minimum replica', () => {
    const objects = manifests(loadCluster(singleCluster()));
    expect(find(objects, 'HorizontalPodAutoscaler', 'istiod').spec).toMatchObject({ minReplicas: 1, maxReplicas: 5 });
    expect(objects.some((o) => o.kind === 'PodDisruptionBudget' && o.metadata.name === 'istiod')).toBe(false);
    expect(find(objects, 'Deployment', 'istiod').spec.replicas).toBeUndefined();
  });

  it('adds a PodDisruptionBudget once istiod keeps two replicas', () => {
    const objects = manifests(loadCluster(singleCluster('    controlPlane:\n      istiod:\n        autoscale: { min: 2, max: 4 }\n')));
    expect(find(objects, 'PodDisruptionBudget', 'istiod').spec).toEqual({
      minAvailable: 1,
      selector: { matchLabels: { app: 'istiod', istio: 'pilot' } },
    });
  });

  it('uses fixed replicas and no HPA when autoscaling is off', () => {
    const objects = manifests(
      // min and max only matter to the HPA, so crossed bounds are no error here.
      loadCluster(singleCluster('    controlPlane:\n      istiod:\n        autoscale: { enabled: false, min: 5, max: 2 }\n        replicas: 3\n')),
    );
    expect(objects.some((o) => o.kind === 'HorizontalPodAutoscaler' && o.metadata.name === 'istiod')).toBe(false);
    expect(find(objects, 'Deployment', 'istiod').spec.replicas).toBe(3);
    expect(find(objects, 'PodDisruptionBudget', 'istiod')).toBeDefined();
  });

  it('passes resources, log level, JSON logs, trace sampling and extra env through', () => {
    const cluster = loadCluster(
      singleCluster(
        '    controlPlane:\n      istiod:\n        logLevel: default:debug,ads:warn\n        logAsJson: true\n        traceSampling: 2.5\n' +
          '        resources: { requests: { cpu: "1" }, limits: { memory: 3Gi } }\n        env: { PILOT_ENABLE_AMBIENT: "false" }\n',
      ),
    );
    const container = find(manifests(cluster), 'Deployment', 'istiod').spec.template.spec.containers[0];
    expect(container.args).toContain('--log_output_level=default:debug,ads:warn');
    expect(container.args).toContain('--log_as_json');
    // Fields merge with the defaults one by one: memory request stays 2048Mi.
    expect(container.resources).toEqual({ requests: { cpu: '1', memory: '2048Mi' }, limits: { memory: '3Gi' } });
    const env = Object.fromEntries(container.env.map((e: any) => [e.name, e.value]));
    expect(env.PILOT_TRACE_SAMPLING).toBe('2.5');
    expect(env.PILOT_ENABLE_AMBIENT).toBe('false');
  });
});

describe('cluster identity and mesh settings', () => {
  const cluster = loadCluster(
    singleCluster('    network: net-a\n    meshId: mesh-a\n    trustDomain: a.example\n    clusterDomain: a.internal\n', {
      istio: '1.29.6',
      hub: 'registry.example/istio',
    }),
  );
  const objects = manifests(cluster);

  it('names images after the hub and the cluster\'s Istio version', () => {
    expect(find(objects, 'Deployment', 'istiod').spec.template.spec.containers[0].image).toBe('registry.example/istio/pilot:1.29.6');
    const values = JSON.parse(find(objects, 'ConfigMap', 'istio-sidecar-injector').data.values);
    expect(values.global).toMatchObject({ hub: 'registry.example/istio', tag: '1.29.6' });
  });

  it('carries cluster id, network and mesh id to istiod and the injector', () => {
    const env = find(objects, 'Deployment', 'istiod').spec.template.spec.containers[0].env;
    expect(env).toContainEqual({ name: 'CLUSTER_ID', value: 'one' });
    const values = JSON.parse(find(objects, 'ConfigMap', 'istio-sidecar-injector').data.values);
    expect(values.global).toMatchObject({ meshID: 'mesh-a', network: 'net-a', multiCluster: { clusterName: 'one' } });
    expect(values.global.proxy.clusterDomain).toBe('a.internal');
    expect(find(objects, 'Namespace', 'istio-system').metadata.labels['topology.istio.io/network']).toBe('net-a');
  });

  it('writes trust domain and mesh id into MeshConfig and the domain into istiod args', () => {
    const mesh = parse(find(objects, 'ConfigMap', 'istio').data.mesh);
    expect(mesh).toMatchObject({ trustDomain: 'a.example', defaultConfig: { meshId: 'mesh-a' }, rootNamespace: 'istio-system' });
    const args: string[] = find(objects, 'Deployment', 'istiod').spec.template.spec.containers[0].args;
    expect(args[args.indexOf('--domain') + 1]).toBe('a.internal');
  });

  it('omits the network label and mesh id when they are not set', () => {
    const plain = manifests(loadCluster(singleCluster()));
    expect(find(plain, 'Namespace', 'istio-system').metadata.labels['topology.istio.io/network']).toBeUndefined();
    expect(parse(find(plain, 'ConfigMap', 'istio').data.mesh).defaultConfig.meshId).toBeUndefined();
  });
});

describe('control-plane namespace', () => {
  const objects = manifests(loadCluster(singleCluster('    controlPlane:\n      namespace: mesh-system\n')));

  it('moves every namespaced object and every reference to it', () => {
    // The ingress gateway keeps its own namespace, as upstream's gateway chart does.
    const namespaced = objects.filter((o) => o.metadata.namespace && o.metadata.namespace !== 'istio-ingress');
    expect(new Set(namespaced.map((o) => o.metadata.namespace))).toEqual(new Set(['mesh-system']));
    expect(find(objects, 'ClusterRoleBinding', 'istiod-clusterrole-mesh-system').subjects).toEqual([
      { kind: 'ServiceAccount', name: 'istiod', namespace: 'mesh-system' },
    ]);
    expect(find(objects, 'ValidatingWebhookConfiguration', 'istio-validator-mesh-system').webhooks[0].clientConfig.service.namespace).toBe('mesh-system');
    for (const w of find(objects, 'MutatingWebhookConfiguration', 'istio-sidecar-injector').webhooks) {
      expect(w.clientConfig.service).toEqual({ name: 'istiod', namespace: 'mesh-system', path: '/inject', port: 443 });
    }
    expect(parse(find(objects, 'ConfigMap', 'istio').data.mesh)).toMatchObject({
      rootNamespace: 'mesh-system',
      defaultConfig: { discoveryAddress: 'istiod.mesh-system.svc:15012' },
    });
    const env = find(objects, 'Deployment', 'istiod').spec.template.spec.containers[0].env;
    expect(env).toContainEqual({ name: 'CA_TRUSTED_NODE_ACCOUNTS', value: 'mesh-system/ztunnel' });
    expect(find(objects, 'PeerAuthentication', 'default').metadata.namespace).toBe('mesh-system');
  });
});

describe('mesh-wide mTLS', () => {
  it('is STRICT by default, in the root namespace, without a selector', () => {
    const pa = find(manifests(loadCluster(singleCluster())), 'PeerAuthentication', 'default');
    expect(pa).toMatchObject({ apiVersion: 'security.istio.io/v1', metadata: { namespace: 'istio-system' }, spec: { mtls: { mode: 'STRICT' } } });
    expect(pa.spec.selector).toBeUndefined();
  });

  it('follows the fleet setting and can be turned off', () => {
    const permissive = manifests(loadCluster(singleCluster('    security: { meshMtls: PERMISSIVE }\n')));
    expect(find(permissive, 'PeerAuthentication', 'default').spec.mtls.mode).toBe('PERMISSIVE');
    const off = manifests(loadCluster(singleCluster('    security: { meshMtls: "off" }\n')));
    expect(off.some((o) => o.kind === 'PeerAuthentication')).toBe(false);
  });
});

describe('defaults and overrides', () => {
  it('merges objects key by key and lets a cluster override defaults', () => {
    const { fleet } = loadFleetText(
      'fleet.yaml',
      'apiVersion: meshc.dev/v1alpha1\nkind: Fleet\ndefaults:\n  kubernetesVersion: "1.33"\n  istio: { version: "1.30.3" }\n' +
        '  controlPlane: { istiod: { autoscale: { min: 2, max: 8 }, env: { A: "1", B: "2" } } }\n' +
        'clusters:\n  - name: a\n  - name: b\n    controlPlane: { istiod: { autoscale: { max: 3 }, env: { B: "3" } } }\n',
    );
    const [a, b] = fleet.clusters;
    expect(a.controlPlane.istiod.autoscale).toEqual({ enabled: true, min: 2, max: 8, targetCPUUtilization: 80 });
    expect(b.controlPlane.istiod.autoscale).toEqual({ enabled: true, min: 2, max: 3, targetCPUUtilization: 80 });
    expect(b.controlPlane.istiod.env).toEqual({ A: '1', B: '3' });
    expect(a.clusterDomain).toBe('cluster.local');
    expect(a.trustDomain).toBe('cluster.local');
  });
});
