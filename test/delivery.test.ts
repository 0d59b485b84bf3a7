/**
 * GitOps delivery: Argo CD sync waves on every object, the Argo CD and Flux objects of the
 * `delivery` section, and vendored CRDs. Argo CD's and Flux's CRD schemas are not available
 * here, so their objects are checked structurally, field by field, for the fields meshc sets.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { findRelease } from '../src/catalog/versions';
import { InputError, formatDiagnostic } from '../src/config/diagnostic';
import { writeTree } from '../src/output/tree-writer';
import { loadFleetFile, loadFleetText } from '../src/pipeline';
import { LAYERS, SYNC_WAVES } from '../src/render/layers';
import { renderClusterObjects, renderFleet } from '../src/render/render';
import { SHARED_DIR } from './support/crd-validator';
import { HEADER, rejectionOf } from './support/fleet';
import { exampleClusters } from './support/objects';

const WAVE = 'argocd.argoproj.io/sync-wave';
const OPTIONS = 'argocd.argoproj.io/sync-options';
const SHARED_ISTIO = join(SHARED_DIR, 'istio');

const tmp = mkdtempSync(join(tmpdir(), 'meshc-delivery-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A two-cluster fleet (two Istio versions) with `delivery` YAML appended, written beside `dir`. */
function fleetText(delivery: string): string {
  return (
    `${HEADER}clusters:\n` +
    `  - name: east\n    kubernetesVersion: "1.33"\n    istio: { version: "1.30.3" }\n` +
    `  - name: west\n    kubernetesVersion: "1.33"\n    istio: { version: "1.29.6" }\n    destination: { server: https://kubernetes.default.svc }\n` +
    delivery
  );
}

function writeFleet(name: string, text: string): string {
  const dir = join(tmp, name);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'mesh.yaml');
  writeFileSync(file, text);
  return file;
}

/** The vendor folder as the fleet file must name it: relative to the fleet file's folder. */
function vendorDirFor(fleetFile: string, dir: string): string {
  return relative(join(fleetFile, '..'), dir).split('\\').join('/');
}

function files(tree: ReadonlyMap<string, string>, prefix: string): Map<string, any> {
  return new Map([...tree].filter(([p]) => p.startsWith(prefix) && !p.endsWith('kustomization.yaml')).map(([p, t]) => [p, parse(t)]));
}

describe('sync waves', () => {
  it.each(exampleClusters().map((c) => [c.name, c] as const))('every object of %s carries its layer\'s wave', (_, cluster) => {
    const objects = renderClusterObjects(cluster);
    expect(objects.length).toBeGreaterThan(0);
    for (const o of objects) {
      const annotations = (o.manifest.metadata as { annotations?: Record<string, string> }).annotations ?? {};
      expect(annotations[WAVE], o.path).toBe(String(SYNC_WAVES[o.layer]));
    }
  });

  it('numbers the layers in apply order', () => {
    const waves = LAYERS.map((l) => SYNC_WAVES[l]);
    expect([...waves].sort((a, b) => a - b)).toEqual(waves);
    expect(SYNC_WAVES.crds).toBeLessThan(SYNC_WAVES['control-plane']);
    expect(SYNC_WAVES['control-plane']).toBeLessThan(SYNC_WAVES.gateways);
    expect(SYNC_WAVES.gateways).toBeLessThan(SYNC_WAVES.policies);
    expect(SYNC_WAVES.policies).toBeLessThan(SYNC_WAVES['post-sync']);
  });
});

describe('vendored CRDs', () => {
  const file = writeFleet('vendored', '');
  const text = fleetText(`delivery:\n  git: { url: https://git.example/platform.git }\n  crds: { mode: vendored, vendorDir: ${vendorDirFor(file, SHARED_ISTIO)} }\n`);
  writeFileSync(file, text);
  const fleet = loadFleetFile(file).fleet;

  it.each(fleet.clusters.map((c) => [c.name, c] as const))('%s renders its version\'s CRDs first, server-side, before anything that needs them', (_, cluster) => {
    const objects = renderClusterObjects(cluster);
    const crds = objects.filter((o) => o.manifest.kind === 'CustomResourceDefinition');
    const upstream = parseAllDocuments(readFileSync(join(SHARED_ISTIO, cluster.istio.release.version, 'crd-all.gen.yaml'), 'utf8'))
      .map((d) => d.toJSON())
      .filter((d) => d?.kind === 'CustomResourceDefinition');
    expect(crds.map((o) => (o.manifest.metadata as any).name).sort()).toEqual(upstream.map((d) => d.metadata.name).sort());
    expect(crds.every((o) => o.layer === 'crds' && o.path.startsWith('crds/'))).toBe(true);
    expect(objects.slice(0, crds.length)).toEqual(crds);
    for (const o of crds) {
      const m = o.manifest as any;
      expect(m.metadata.annotations).toMatchObject({ [WAVE]: String(SYNC_WAVES.crds), [OPTIONS]: 'ServerSideApply=true' });
      // Nothing of the upstream definition is lost on the way through the renderer.
      const original = upstream.find((d) => d.metadata.name === m.metadata.name);
      expect({ ...m, metadata: { ...m.metadata, annotations: original.metadata.annotations } }).toEqual(original);
    }
    const wave = (o: (typeof objects)[number]) => Number((o.manifest.metadata as any).annotations[WAVE]);
    expect(Math.max(...crds.map(wave))).toBeLessThan(Math.min(...objects.filter((o) => !crds.includes(o)).map(wave)));
  });

  it('rejects a tampered file, naming the path and the expected sha256', () => {
    const dir = join(tmp, 'tampered-vendor');
    for (const v of ['1.30.3', '1.29.6']) {
      mkdirSync(join(dir, v), { recursive: true });
      copyFileSync(join(SHARED_ISTIO, v, 'crd-all.gen.yaml'), join(dir, v, 'crd-all.gen.yaml'));
    }
    const tampered = join(dir, '1.30.3', 'crd-all.gen.yaml');
    const bytes = readFileSync(tampered);
    bytes[100] = bytes[100] === 0x61 ? 0x62 : 0x61;
    writeFileSync(tampered, bytes);
    const fleetFile = writeFleet('tampered', '');
    writeFileSync(fleetFile, fleetText(`delivery:\n  git: { url: https://git.example/platform.git }\n  crds:\n    mode: vendored\n    vendorDir: ${vendorDirFor(fleetFile, dir)}\n`));
    const messages = diagnosticsOf(() => loadFleetFile(fleetFile));
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain(`${fleetFile}:`);
    expect(messages[0]).toContain('delivery.crds.vendorDir:');
    expect(messages[0]).toContain(join(dir, '1.30.3', 'crd-all.gen.yaml'));
    expect(messages[0]).toContain(`sha256 mismatch for Istio 1.30.3: expected ${findRelease('1.30.3')!.crds.sha256}`);
  });

  it('rejects a missing file, naming the path and the expected sha256', () => {
    const fleetFile = writeFleet('missing', '');
    writeFileSync(fleetFile, fleetText(`delivery:\n  git: { url: https://git.example/platform.git }\n  crds: { mode: vendored }\n`));
    const messages = diagnosticsOf(() => loadFleetFile(fleetFile));
    expect(messages.join('\n')).toContain(join(tmp, 'missing', 'vendor', 'istio', '1.29.6', 'crd-all.gen.yaml'));
    expect(messages.join('\n')).toContain(`no such file; run \`meshc vendor\` (expected sha256 ${findRelease('1.29.6')!.crds.sha256})`);
  });
});

function diagnosticsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof InputError) return err.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic);
    throw err;
  }
  throw new Error('expected an input error');
}

describe('the delivery section', () => {
  it('is optional: without it only the cluster folders are rendered', () => {
    const tree = renderFleet(loadFleetText('mesh.yaml', fleetText('')).fleet);
    expect([...tree.keys()].filter((p) => p.startsWith('argocd/') || p.startsWith('flux/'))).toEqual([]);
  });

  it('rejects unknown fields, a destination with both name and server, and reserved cluster names', () => {
    expect(rejectionOf(fleetText('delivery:\n  git: { url: x, branh: main }\n')).join('\n')).toMatch(/delivery\.git.*branh/);
    expect(rejectionOf(fleetText('delivery:\n  argocd: {}\n')).join('\n')).toMatch(/delivery.*git/);
    const both = `${HEADER}clusters:\n  - name: a\n    kubernetesVersion: "1.33"\n    istio: { version: "1.30.3" }\n    destination: { name: a, server: https://a.example }\n`;
    expect(rejectionOf(both, { errorsOnly: true })).toEqual([expect.stringContaining('clusters[0].destination: cluster "a": destination takes a name or a server, not both')]);
    const reserved = `${HEADER}clusters:\n  - name: argocd\n    kubernetesVersion: "1.33"\n    istio: { version: "1.30.3" }\ndelivery:\n  git: { url: x }\n`;
    expect(rejectionOf(reserved, { errorsOnly: true }).join('\n')).toContain('cluster name "argocd" is reserved');
  });
});

describe('Argo CD', () => {
  const tree = renderFleet(loadFleetText('mesh.yaml', fleetText('delivery:\n  git: { url: https://git.example/platform.git, path: deploy/mesh }\n')).fleet);
  const argo = files(tree, 'argocd/');

  it('renders an Application per cluster and one for each cluster\'s CRD chart', () => {
    expect([...argo.keys()]).toEqual([
      'argocd/application-mesh-east.yaml',
      'argocd/application-mesh-west.yaml',
      'argocd/application-mesh-east-crds.yaml',
      'argocd/application-mesh-west-crds.yaml',
    ]);
  });

  it('points each Application at its cluster folder, with the destination and sync policy of the fleet file', () => {
    const east = argo.get('argocd/application-mesh-east.yaml');
    expect(east).toEqual({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name: 'mesh-east', namespace: 'argocd', annotations: { [WAVE]: String(SYNC_WAVES['control-plane']) } },
      spec: {
        project: 'default',
        source: { repoURL: 'https://git.example/platform.git', targetRevision: 'main', path: 'deploy/mesh/east' },
        destination: { name: 'east' },
        syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ['RespectIgnoreDifferences=true'] },
        ignoreDifferences: expect.any(Array),
      },
    });
    expect(argo.get('argocd/application-mesh-west.yaml').spec.destination).toEqual({ server: 'https://kubernetes.default.svc' });
  });

  it('ignores the caBundle of exactly the webhooks meshc renders', () => {
    const rendered = [...tree]
      .filter(([p]) => p.startsWith('east/'))
      .map(([, t]) => parse(t))
      .filter((o) => o.kind === 'MutatingWebhookConfiguration' || o.kind === 'ValidatingWebhookConfiguration');
    expect(rendered.length).toBeGreaterThan(1);
    const ignored = argo.get('argocd/application-mesh-east.yaml').spec.ignoreDifferences;
    expect(ignored.map((i: any) => `${i.kind}/${i.name}`).sort()).toEqual(rendered.map((o) => `${o.kind}/${o.metadata.name}`).sort());
    for (const i of ignored) expect(i).toEqual({ group: 'admissionregistration.k8s.io', kind: i.kind, name: i.name, jqPathExpressions: ['.webhooks[]?.clientConfig.caBundle'] });
  });

  it('installs the CRDs from upstream\'s base chart of the cluster\'s version, in the CRD wave', () => {
    expect(argo.get('argocd/application-mesh-west-crds.yaml')).toEqual({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name: 'mesh-west-crds', namespace: 'argocd', annotations: { [WAVE]: String(SYNC_WAVES.crds) } },
      spec: {
        project: 'default',
        source: { repoURL: 'https://istio-release.storage.googleapis.com/charts', chart: 'base', targetRevision: '1.29.6', helm: { releaseName: 'istio-base', valuesObject: { defaultRevision: '', global: { resourceScope: 'cluster' } } } },
        destination: { server: 'https://kubernetes.default.svc', namespace: 'istio-system' },
        syncPolicy: { automated: { prune: true, selfHeal: true }, syncOptions: ['ServerSideApply=true', 'RespectIgnoreDifferences=true'] },
      },
    });
  });

  it('renders one ApplicationSet instead when asked, and honours the other settings', () => {
    const delivery =
      'delivery:\n  name: corp\n  git: { url: https://git.example/p.git, branch: release }\n  crds: { mode: none }\n' +
      '  argocd:\n    project: mesh\n    namespace: gitops\n    applicationSet: { enabled: true, selectorLabel: example.com/mesh }\n    syncPolicy: { automated: false }\n';
    const set = files(renderFleet(loadFleetText('mesh.yaml', fleetText(delivery)).fleet), 'argocd/');
    expect([...set.keys()]).toEqual(['argocd/applicationset-corp.yaml']);
    const s = set.get('argocd/applicationset-corp.yaml');
    expect(s).toMatchObject({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'ApplicationSet',
      metadata: { name: 'corp', namespace: 'gitops' },
      spec: {
        generators: [{ clusters: { selector: { matchLabels: { 'example.com/mesh': 'corp' } } } }],
        template: {
          metadata: { name: 'corp-{{name}}' },
          spec: {
            project: 'mesh',
            source: { repoURL: 'https://git.example/p.git', targetRevision: 'release', path: 'dist/{{name}}' },
            destination: { server: '{{server}}' },
            syncPolicy: { syncOptions: ['RespectIgnoreDifferences=true'] },
          },
        },
      },
    });
    expect(s.spec.template.spec.syncPolicy.automated).toBeUndefined();
    expect(s.spec.template.spec.ignoreDifferences.length).toBeGreaterThan(1);
  });
});

describe('Flux', () => {
  const delivery = 'delivery:\n  git: { url: https://git.example/platform.git }\n  argocd: { enabled: false }\n  flux: { enabled: true, interval: 5m }\n';
  const tree = renderFleet(loadFleetText('mesh.yaml', fleetText(delivery)).fleet);
  const flux = files(tree, 'flux/');

  it('renders the GitRepository once, and per cluster the chart and one Kustomization per non-empty layer', () => {
    expect([...tree.keys()].filter((p) => p.startsWith('argocd/'))).toEqual([]);
    expect([...flux.keys()]).toEqual([
      'flux/gitrepository-mesh.yaml',
      'flux/east/crds/helmrepository-mesh-istio.yaml',
      'flux/east/crds/helmrelease-mesh-istio-base.yaml',
      'flux/east/kustomization-mesh-east-crds.yaml',
      'flux/east/kustomization-mesh-east-control-plane.yaml',
      'flux/east/kustomization-mesh-east-gateways.yaml',
      'flux/east/kustomization-mesh-east-policies.yaml',
      'flux/east/kustomization-mesh-east-post-sync.yaml',
      'flux/west/crds/helmrepository-mesh-istio.yaml',
      'flux/west/crds/helmrelease-mesh-istio-base.yaml',
      'flux/west/kustomization-mesh-west-crds.yaml',
      'flux/west/kustomization-mesh-west-control-plane.yaml',
      'flux/west/kustomization-mesh-west-gateways.yaml',
      'flux/west/kustomization-mesh-west-policies.yaml',
      'flux/west/kustomization-mesh-west-post-sync.yaml',
    ]);
    expect(flux.get('flux/gitrepository-mesh.yaml')).toEqual({
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'GitRepository',
      metadata: { name: 'mesh', namespace: 'flux-system' },
      spec: { url: 'https://git.example/platform.git', ref: { branch: 'main' }, interval: '5m' },
    });
  });

  it('chains the layers with dependsOn, each waiting for its objects to be healthy', () => {
    const k = (layer: string) => flux.get(`flux/east/kustomization-mesh-east-${layer}.yaml`);
    expect(k('control-plane')).toEqual({
      apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
      kind: 'Kustomization',
      metadata: { name: 'mesh-east-control-plane', namespace: 'flux-system' },
      spec: {
        interval: '5m',
        path: './dist/east/control-plane',
        prune: true,
        wait: true,
        sourceRef: { kind: 'GitRepository', name: 'mesh' },
        dependsOn: [{ name: 'mesh-east-crds' }],
      },
    });
    expect(k('crds').spec.path).toBe('./dist/flux/east/crds');
    expect(k('crds').spec.dependsOn).toBeUndefined();
    expect(k('gateways').spec.dependsOn).toEqual([{ name: 'mesh-east-control-plane' }]);
    expect(k('policies').spec.dependsOn).toEqual([{ name: 'mesh-east-gateways' }]);
    for (const layer of ['control-plane', 'gateways', 'policies']) {
      expect([...tree.keys()].some((p) => p.startsWith(`east/${layer}/`)), layer).toBe(true);
    }
  });

  it('installs the CRD chart of the cluster\'s version with Helm, CRDs created and replaced', () => {
    expect(flux.get('flux/west/crds/helmrepository-mesh-istio.yaml')).toEqual({
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'HelmRepository',
      metadata: { name: 'mesh-istio', namespace: 'flux-system' },
      spec: { url: 'https://istio-release.storage.googleapis.com/charts', interval: '5m' },
    });
    expect(flux.get('flux/west/crds/helmrelease-mesh-istio-base.yaml')).toEqual({
      apiVersion: 'helm.toolkit.fluxcd.io/v2',
      kind: 'HelmRelease',
      metadata: { name: 'mesh-istio-base', namespace: 'flux-system' },
      spec: {
        interval: '5m',
        releaseName: 'istio-base',
        targetNamespace: 'istio-system',
        chart: { spec: { chart: 'base', version: '1.29.6', sourceRef: { kind: 'HelmRepository', name: 'mesh-istio' } } },
        // Only the CRDs: meshc renders the reader account and the default validator itself.
        values: { defaultRevision: '', global: { resourceScope: 'cluster' } },
        install: { crds: 'CreateReplace' },
        upgrade: { crds: 'CreateReplace' },
      },
    });
  });

  it('with vendored CRDs, the crds layer is the first Kustomization of the chain', () => {
    const file = writeFleet('flux-vendored', '');
    writeFileSync(file, fleetText(`delivery:\n  git: { url: https://git.example/p.git }\n  argocd: { enabled: false }\n  flux: { enabled: true }\n  crds: { mode: vendored, vendorDir: ${vendorDirFor(file, SHARED_ISTIO)} }\n`));
    const f = files(renderFleet(loadFleetFile(file).fleet), 'flux/east/');
    expect([...f.keys()]).toEqual([
      'flux/east/kustomization-mesh-east-crds.yaml',
      'flux/east/kustomization-mesh-east-control-plane.yaml',
      'flux/east/kustomization-mesh-east-gateways.yaml',
      'flux/east/kustomization-mesh-east-policies.yaml',
      'flux/east/kustomization-mesh-east-post-sync.yaml',
    ]);
    expect(f.get('flux/east/kustomization-mesh-east-crds.yaml').spec.path).toBe('./dist/east/crds');
    expect(f.get('flux/east/kustomization-mesh-east-control-plane.yaml').spec.dependsOn).toEqual([{ name: 'mesh-east-crds' }]);
  });
});

describe('every folder builds with kustomize', () => {
  const file = writeFleet('kustomize', '');
  writeFileSync(
    file,
    fleetText(`delivery:\n  git: { url: https://git.example/p.git }\n  flux: { enabled: true }\n  crds: { mode: vendored, vendorDir: ${vendorDirFor(file, SHARED_ISTIO)} }\n`),
  );
  const fleet = loadFleetFile(file).fleet;
  const tree = renderFleet(fleet);
  const out = join(tmp, 'kustomize', 'dist');
  writeTree(out, tree);
  const folders = [...tree.keys()].filter((p) => p.endsWith('/kustomization.yaml')).map((p) => p.slice(0, -'/kustomization.yaml'.length));

  it('has a kustomization for each cluster, argocd/ and each cluster of flux/', () => {
    expect(folders.sort()).toEqual(['argocd', 'east', 'flux/east', 'flux/west', 'west']);
  });

  it.each(folders)('kubectl kustomize builds dist/%s with every object of the folder', (folder) => {
    const built = execFileSync('kubectl', ['kustomize', join(out, folder)], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    const docs = built.split(/^---$/m).map((d) => parse(d));
    const resources = parse(tree.get(`${folder}/kustomization.yaml`)!).resources as string[];
    expect(docs.length).toBe(resources.length);
    if (folder === 'east' || folder === 'west') {
      expect(docs.filter((d) => d.kind === 'CustomResourceDefinition').length).toBeGreaterThan(10);
      for (const d of docs) expect(d.metadata.annotations?.[WAVE], `${d.kind}/${d.metadata.name}`).toBeDefined();
    }
  });
});
