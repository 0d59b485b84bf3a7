/**
 * Flux objects for `dist/flux/`: one GitRepository for the fleet, and per cluster a chain of
 * Kustomizations, one per non-empty layer, each waiting for the previous one to be healthy.
 * Layer folders carry no kustomization.yaml of their own: kustomize-controller generates one
 * for a folder without it, taking every manifest below it.
 */
import type { ClusterConfig, DeliveryConfig } from '../config/cluster-config';
import { LAYERS, type LayerName } from '../render/layers';
import { BASE_CHART_CRDS_ONLY, ISTIO_CHART_REPO, type RenderedCluster } from './argocd';

export const KUSTOMIZE_API_VERSION = 'kustomize.toolkit.fluxcd.io/v1';
export const SOURCE_API_VERSION = 'source.toolkit.fluxcd.io/v1';
export const HELM_API_VERSION = 'helm.toolkit.fluxcd.io/v2';

interface Metadata {
  readonly name: string;
  readonly namespace: string;
}

export interface GitRepository {
  readonly apiVersion: typeof SOURCE_API_VERSION;
  readonly kind: 'GitRepository';
  readonly metadata: Metadata;
  readonly spec: { readonly url: string; readonly ref: { readonly branch: string }; readonly interval: string };
}

export interface HelmRepository {
  readonly apiVersion: typeof SOURCE_API_VERSION;
  readonly kind: 'HelmRepository';
  readonly metadata: Metadata;
  readonly spec: { readonly url: string; readonly interval: string };
}

export interface HelmRelease {
  readonly apiVersion: typeof HELM_API_VERSION;
  readonly kind: 'HelmRelease';
  readonly metadata: Metadata;
  readonly spec: {
    readonly interval: string;
    readonly releaseName: string;
    readonly targetNamespace: string;
    readonly chart: { readonly spec: { readonly chart: string; readonly version: string; readonly sourceRef: { readonly kind: 'HelmRepository'; readonly name: string } } };
    readonly values: Record<string, unknown>;
    readonly install: { readonly crds: 'CreateReplace' };
    readonly upgrade: { readonly crds: 'CreateReplace' };
  };
}

export interface FluxKustomization {
  readonly apiVersion: typeof KUSTOMIZE_API_VERSION;
  readonly kind: 'Kustomization';
  readonly metadata: Metadata;
  readonly spec: {
    readonly interval: string;
    readonly path: string;
    readonly prune: true;
    readonly wait: true;
    readonly sourceRef: { readonly kind: 'GitRepository'; readonly name: string };
    readonly dependsOn?: readonly { readonly name: string }[];
    readonly timeout?: string;
  };
}

export type FluxObject = GitRepository | HelmRepository | HelmRelease | FluxKustomization;

/** Relative to `dist/flux/` → object. */
export function fluxObjects(delivery: DeliveryConfig, clusters: readonly RenderedCluster[]): Map<string, FluxObject> {
  const out = new Map<string, FluxObject>();
  const file = (o: FluxObject) => `${o.kind.toLowerCase()}-${o.metadata.name}.yaml`;
  const repo = gitRepository(delivery);
  out.set(file(repo), repo);
  for (const { cluster, objects } of clusters) {
    const layers = LAYERS.filter((l) => objects.some((o) => o.layer === l));
    let previous: string | undefined;
    if (delivery.crds.mode === 'chart') {
      for (const o of chartObjects(delivery, cluster)) out.set(`${cluster.name}/crds/${file(o)}`, o);
      const k = kustomization(delivery, `${delivery.name}-${cluster.name}-crds`, `${delivery.git.path}/flux/${cluster.name}/crds`, undefined);
      out.set(`${cluster.name}/${file(k)}`, k);
      previous = k.metadata.name;
    }
    for (const layer of layers) {
      const k = layerKustomization(delivery, cluster, layer, previous);
      out.set(`${cluster.name}/${file(k)}`, k);
      previous = k.metadata.name;
    }
  }
  return out;
}

function gitRepository(delivery: DeliveryConfig): GitRepository {
  return {
    apiVersion: SOURCE_API_VERSION,
    kind: 'GitRepository',
    metadata: { name: delivery.name, namespace: delivery.flux.namespace },
    spec: { url: delivery.git.url, ref: { branch: delivery.git.branch }, interval: delivery.flux.interval },
  };
}

function layerKustomization(delivery: DeliveryConfig, cluster: ClusterConfig, layer: LayerName, previous: string | undefined): FluxKustomization {
  const k = kustomization(delivery, layerKustomizationName(delivery, cluster, layer), `${delivery.git.path}/${cluster.name}/${layer}`, previous);
  if (layer !== 'post-sync') return k;
  // The data-plane sync Job runs once the control plane serves the new revisions; the
  // Kustomization waits for the Job itself, which may take up to its deadline.
  const controlPlane = layerKustomizationName(delivery, cluster, 'control-plane');
  const dependsOn = [...(k.spec.dependsOn ?? []), ...(previous === controlPlane ? [] : [{ name: controlPlane }])];
  return { ...k, spec: { ...k.spec, dependsOn, timeout: `${cluster.dataPlaneSync.activeDeadlineSeconds + 300}s` } };
}

function layerKustomizationName(delivery: DeliveryConfig, cluster: ClusterConfig, layer: LayerName): string {
  return `${delivery.name}-${cluster.name}-${layer}`;
}

function kustomization(delivery: DeliveryConfig, name: string, path: string, previous: string | undefined): FluxKustomization {
  return {
    apiVersion: KUSTOMIZE_API_VERSION,
    kind: 'Kustomization',
    metadata: { name, namespace: delivery.flux.namespace },
    spec: {
      interval: delivery.flux.interval,
      path: `./${path}`,
      prune: true,
      // wait makes the Kustomization Ready only once its objects are healthy, which is what
      // dependsOn of the next layer waits for.
      wait: true,
      sourceRef: { kind: 'GitRepository', name: delivery.name },
      ...(previous ? { dependsOn: [{ name: previous }] } : {}),
    },
  };
}

function chartObjects(delivery: DeliveryConfig, cluster: ClusterConfig): [HelmRepository, HelmRelease] {
  const repoName = `${delivery.name}-istio`;
  return [
    {
      apiVersion: SOURCE_API_VERSION,
      kind: 'HelmRepository',
      metadata: { name: repoName, namespace: delivery.flux.namespace },
      spec: { url: ISTIO_CHART_REPO, interval: delivery.flux.interval },
    },
    {
      apiVersion: HELM_API_VERSION,
      kind: 'HelmRelease',
      metadata: { name: `${delivery.name}-istio-base`, namespace: delivery.flux.namespace },
      spec: {
        interval: delivery.flux.interval,
        releaseName: 'istio-base',
        targetNamespace: cluster.controlPlane.namespace,
        chart: { spec: { chart: 'base', version: cluster.istio.release.version, sourceRef: { kind: 'HelmRepository', name: repoName } } },
        values: BASE_CHART_CRDS_ONLY,
        install: { crds: 'CreateReplace' },
        upgrade: { crds: 'CreateReplace' },
      },
    },
  ];
}
