/**
 * Argo CD objects for `dist/argocd/`: an Application per cluster (or one ApplicationSet) for
 * the rendered folders, and in `chart` CRD mode an Application per cluster for upstream's
 * `base` chart. Argo CD's CRD types are not installed, so the fields meshc uses are typed here.
 */
import type { ClusterConfig, DeliveryConfig, Destination } from '../config/cluster-config';
import { SYNC_WAVE_ANNOTATION, SYNC_WAVES } from '../render/layers';
import type { RenderedObject } from '../render/render';

export const ARGOCD_API_VERSION = 'argoproj.io/v1alpha1';
export const ISTIO_CHART_REPO = 'https://istio-release.storage.googleapis.com/charts';
/**
 * Values that reduce upstream's `base` chart to its CRDs: meshc renders the istio-reader account
 * and the default validating webhook itself (with failurePolicy Fail), so the chart must not.
 */
export const BASE_CHART_CRDS_ONLY = { defaultRevision: '', global: { resourceScope: 'cluster' } } as const;
export const WEBHOOK_KINDS = ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'] as const;
/** istiod writes its CA into every webhook it serves after meshc's render is applied. */
export const CA_BUNDLE_PATH = '.webhooks[]?.clientConfig.caBundle';

interface Metadata {
  readonly name: string;
  readonly namespace: string;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly labels?: Readonly<Record<string, string>>;
}

export interface IgnoreDifference {
  readonly group: string;
  readonly kind: string;
  readonly name: string;
  readonly jqPathExpressions: readonly string[];
}

export interface ApplicationSource {
  readonly repoURL: string;
  readonly targetRevision: string;
  readonly path?: string;
  readonly chart?: string;
  readonly helm?: { readonly releaseName: string; readonly valuesObject?: Record<string, unknown> };
}

export interface ApplicationDestination {
  readonly name?: string;
  readonly server?: string;
  readonly namespace?: string;
}

export interface SyncPolicy {
  readonly automated?: { readonly prune: boolean; readonly selfHeal: boolean };
  readonly syncOptions: readonly string[];
}

export interface ApplicationSpec {
  readonly project: string;
  readonly source: ApplicationSource;
  readonly destination: ApplicationDestination;
  readonly syncPolicy: SyncPolicy;
  readonly ignoreDifferences?: readonly IgnoreDifference[];
}

export interface Application {
  readonly apiVersion: typeof ARGOCD_API_VERSION;
  readonly kind: 'Application';
  readonly metadata: Metadata;
  readonly spec: ApplicationSpec;
}

export interface ApplicationSet {
  readonly apiVersion: typeof ARGOCD_API_VERSION;
  readonly kind: 'ApplicationSet';
  readonly metadata: Metadata;
  readonly spec: {
    readonly generators: readonly [{ readonly clusters: { readonly selector: { readonly matchLabels: Readonly<Record<string, string>> } } }];
    readonly template: { readonly metadata: { readonly name: string; readonly annotations: Readonly<Record<string, string>> }; readonly spec: ApplicationSpec };
  };
}

export interface RenderedCluster {
  readonly cluster: ClusterConfig;
  readonly objects: readonly RenderedObject[];
}

/** `dist/argocd/` file name (without the folder) → object. */
export function argocdObjects(delivery: DeliveryConfig, clusters: readonly RenderedCluster[]): Map<string, Application | ApplicationSet> {
  const out = new Map<string, Application | ApplicationSet>();
  const add = (o: Application | ApplicationSet) => out.set(`${o.kind.toLowerCase()}-${o.metadata.name}.yaml`, o);
  if (delivery.argocd.applicationSet.enabled) {
    add(applicationSet(delivery, clusters));
  } else {
    for (const c of clusters) add(clusterApplication(delivery, c));
  }
  if (delivery.crds.mode === 'chart') {
    for (const { cluster } of clusters) add(crdApplication(delivery, cluster));
  }
  return out;
}

export function applicationName(delivery: DeliveryConfig, cluster: string): string {
  return `${delivery.name}-${cluster}`;
}

function clusterApplication(delivery: DeliveryConfig, { cluster, objects }: RenderedCluster): Application {
  return {
    apiVersion: ARGOCD_API_VERSION,
    kind: 'Application',
    metadata: {
      name: applicationName(delivery, cluster.name),
      namespace: delivery.argocd.namespace,
      annotations: { [SYNC_WAVE_ANNOTATION]: String(SYNC_WAVES['control-plane']) },
    },
    spec: {
      project: delivery.argocd.project,
      source: { repoURL: delivery.git.url, targetRevision: delivery.git.branch, path: `${delivery.git.path}/${cluster.name}` },
      destination: destination(cluster.destination),
      syncPolicy: syncPolicy(delivery, []),
      ignoreDifferences: ignoreWebhookCaBundles(objects),
    },
  };
}

function applicationSet(delivery: DeliveryConfig, clusters: readonly RenderedCluster[]): ApplicationSet {
  return {
    apiVersion: ARGOCD_API_VERSION,
    kind: 'ApplicationSet',
    metadata: { name: delivery.name, namespace: delivery.argocd.namespace },
    spec: {
      generators: [{ clusters: { selector: { matchLabels: { [delivery.argocd.applicationSet.selectorLabel]: delivery.name } } } }],
      template: {
        metadata: { name: `${delivery.name}-{{name}}`, annotations: { [SYNC_WAVE_ANNOTATION]: String(SYNC_WAVES['control-plane']) } },
        spec: {
          project: delivery.argocd.project,
          source: { repoURL: delivery.git.url, targetRevision: delivery.git.branch, path: `${delivery.git.path}/{{name}}` },
          destination: { server: '{{server}}' },
          syncPolicy: syncPolicy(delivery, []),
          // One template serves every cluster: it ignores the webhooks of all of them.
          ignoreDifferences: ignoreWebhookCaBundles(clusters.flatMap((c) => c.objects)),
        },
      },
    },
  };
}

function crdApplication(delivery: DeliveryConfig, cluster: ClusterConfig): Application {
  return {
    apiVersion: ARGOCD_API_VERSION,
    kind: 'Application',
    metadata: {
      name: `${applicationName(delivery, cluster.name)}-crds`,
      namespace: delivery.argocd.namespace,
      annotations: { [SYNC_WAVE_ANNOTATION]: String(SYNC_WAVES.crds) },
    },
    spec: {
      project: delivery.argocd.project,
      source: { repoURL: ISTIO_CHART_REPO, chart: 'base', targetRevision: cluster.istio.release.version, helm: { releaseName: 'istio-base', valuesObject: BASE_CHART_CRDS_ONLY } },
      destination: { ...destination(cluster.destination), namespace: cluster.controlPlane.namespace },
      syncPolicy: syncPolicy(delivery, ['ServerSideApply=true']),
    },
  };
}

function destination(d: Destination): ApplicationDestination {
  return d.server !== undefined ? { server: d.server } : { name: d.name };
}

function syncPolicy(delivery: DeliveryConfig, extra: readonly string[]): SyncPolicy {
  const { automated, prune, selfHeal } = delivery.argocd.syncPolicy;
  // Without RespectIgnoreDifferences a sync would still overwrite the fields ignored in the diff.
  const syncOptions = [...extra, 'RespectIgnoreDifferences=true'];
  return automated ? { automated: { prune, selfHeal }, syncOptions } : { syncOptions };
}

export function ignoreWebhookCaBundles(objects: readonly RenderedObject[]): IgnoreDifference[] {
  const seen = new Map<string, IgnoreDifference>();
  for (const { manifest } of objects) {
    const kind = manifest.kind as string;
    if (!(WEBHOOK_KINDS as readonly string[]).includes(kind)) continue;
    const name = (manifest.metadata as { name: string }).name;
    seen.set(`${kind}/${name}`, { group: 'admissionregistration.k8s.io', kind, name, jqPathExpressions: [CA_BUNDLE_PATH] });
  }
  return [...seen.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
}
