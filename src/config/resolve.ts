/**
 * Resolution: defaults applied, versions looked up in the catalog, and every check that
 * needs the merged view of a cluster. Errors point at the line that supplied the value,
 * whether that is the cluster entry or `defaults`.
 */
import { findRelease, supportsKubernetes } from '../catalog/versions';
import { ISTIOD_MANAGED_ENV } from '../control-plane/istiod-env';
import { deepMerge, hasPath, isPlainObject } from '../util/deep-merge';
import type { ClusterConfig, FleetConfig } from './cluster-config';
import { formatPath, type Diagnostic, type DocPath } from './diagnostic';
import { ClusterSchema, type ClusterInput, type FleetFile } from './fleet-schema';
import { PROFILES } from './profiles';
import { defaultsFromSchema } from './schema-defaults';
import { resolveScheduling } from './tuning-schema';
import { resolveCni } from '../cni/resolve-cni';
import { resolveMeshSettings } from '../control-plane/mesh-settings';
import { resolveGateways } from '../gateways/resolve-gateways';
import { resolvePolicies } from '../security/resolve-policies';
import type { PositionOptions } from './resolve-context';
import type { SourceDocument } from './source';
import { resolveDelivery, resolveDestination } from '../delivery/resolve-delivery';

export interface Resolution {
  readonly fleet: FleetConfig;
  readonly diagnostics: readonly Diagnostic[];
}

const SCHEMA_DEFAULTS = defaultsFromSchema(ClusterSchema.json) as Partial<ClusterInput>;

/** Resolves a schema-valid fleet file. Returns every error and warning found, in file order. */
export function resolveFleet(doc: SourceDocument, input: FleetFile): Resolution {
  const diagnostics: Diagnostic[] = [];
  const report = (severity: Diagnostic['severity'], path: DocPath, message: string, key = false) => {
    const pos = doc.positionOf(path, { key });
    diagnostics.push({ severity, file: doc.file, line: pos.line, column: pos.column, path: formatPath(path), message });
  };

  const firstByName = new Map<string, number>();
  const clusters: ClusterConfig[] = [];
  input.clusters.forEach((raw, index) => {
    const first = firstByName.get(raw.name);
    if (first !== undefined) {
      const line = doc.positionOf(['clusters', first, 'name']).line;
      report('error', ['clusters', index, 'name'], `duplicate cluster name "${raw.name}" (first defined at line ${line})`);
      return;
    }
    firstByName.set(raw.name, index);
    const cluster = resolveCluster(input, index, report);
    if (cluster) clusters.push(cluster);
  });

  const delivery = resolveDelivery(input, clusters, report);
  diagnostics.sort((a, b) => a.line - b.line || a.column - b.column);
  return { fleet: delivery ? { clusters, delivery } : { clusters }, diagnostics };
}

export type Report = (severity: Diagnostic['severity'], path: DocPath, message: string, key?: boolean) => void;

function resolveCluster(input: FleetFile, index: number, report: Report): ClusterConfig | undefined {
  const raw = input.clusters[index];
  const profile = deepMerge<ClusterInput>(SCHEMA_DEFAULTS, input.defaults, raw).profile ?? 'default';
  const merged = deepMerge<ClusterInput>(SCHEMA_DEFAULTS, PROFILES[profile], input.defaults, raw);
  const at = (...sub: (string | number)[]): DocPath => origin(input, index, sub);
  let failed = false;
  const fail = (path: DocPath, message: string, key = false) => {
    failed = true;
    report('error', path, `cluster "${raw.name}": ${message}`, key);
  };

  if (merged.kubernetesVersion === undefined) {
    fail(['clusters', index], 'kubernetesVersion is required: set it on the cluster or in defaults');
  }
  const version = merged.istio?.version;
  const release = version === undefined ? undefined : findRelease(version);
  if (version === undefined) {
    fail(['clusters', index], 'istio.version is required: set it on the cluster or in defaults');
  }
  if (release && merged.kubernetesVersion !== undefined && !supportsKubernetes(release, merged.kubernetesVersion)) {
    fail(
      at('kubernetesVersion'),
      `Kubernetes ${merged.kubernetesVersion} is not supported by Istio ${release.version} ` +
        `(supported: Kubernetes ${release.kubernetes.min} to ${release.kubernetes.max})`,
    );
  }
  if (release?.endOfLife) {
    report('warning', at('istio', 'version'), `cluster "${raw.name}": Istio ${release.version} is past its upstream end of life; plan an upgrade`);
  }

  const istiod = merged.controlPlane?.istiod;
  const autoscale = istiod?.autoscale;
  if (autoscale && autoscale.enabled !== false && autoscale.min !== undefined && autoscale.max !== undefined && autoscale.min > autoscale.max) {
    fail(at('controlPlane', 'istiod', 'autoscale', 'min'), `istiod autoscale.min (${autoscale.min}) is greater than autoscale.max (${autoscale.max})`);
  }
  for (const name of Object.keys(istiod?.env ?? {})) {
    if ((ISTIOD_MANAGED_ENV as readonly string[]).includes(name)) {
      fail(at('controlPlane', 'istiod', 'env', name), `istiod env ${name} is set by meshc from the fleet file and cannot be overridden`);
    }
  }

  const ctx = {
    fail: (path: (string | number)[], message: string, opts?: PositionOptions) => fail(at(...path), message, opts?.key),
    warn: (path: (string | number)[], message: string, opts?: PositionOptions) =>
      report('warning', at(...path), `cluster "${raw.name}": ${message}`, opts?.key),
    at,
  };
  const gateways = resolveGateways(merged.gateways, ctx);
  const cni = resolveCni(merged.cni, ctx, { controlPlaneNamespace: merged.controlPlane?.namespace });
  const mesh = resolveMeshSettings(merged.mesh, ctx);
  const trustDomainAliases = merged.trustDomainAliases ?? [];
  trustDomainAliases.forEach((alias, i) => {
    if (alias === merged.trustDomain) ctx.warn(['trustDomainAliases', i], `trust domain alias "${alias}" is the cluster's own trust domain`);
  });
  const ingress = gateways.gateways.find((g) => g.role === 'ingress');
  const policies = resolvePolicies(merged.policies, ctx, {
    trustDomain: merged.trustDomain!,
    trustDomainAliases,
    rootNamespace: merged.controlPlane!.namespace!,
    meshMtls: merged.security!.meshMtls!,
    extensionProviders: mesh.extensionProviders.map((p) => p.name),
    ingressGateway: ingress ? { namespace: ingress.namespace, serviceAccount: ingress.name } : undefined,
  });

  if (failed || !release || merged.kubernetesVersion === undefined) return undefined;
  const cp = merged.controlPlane!;
  const i = cp.istiod!;
  const sidecar = merged.sidecar!;
  return {
    name: raw.name,
    kubernetesVersion: merged.kubernetesVersion,
    istio: { release, hub: merged.istio!.hub! },
    clusterDomain: merged.clusterDomain!,
    network: merged.network,
    trustDomain: merged.trustDomain!,
    trustDomainAliases,
    meshId: merged.meshId,
    clusterId: merged.clusterId ?? raw.name,
    controlPlane: {
      caAddress: cp.caAddress,
      namespace: cp.namespace!,
      revision: 'default',
      istiod: {
        autoscale: i.autoscale as Required<NonNullable<typeof i.autoscale>>,
        replicas: i.replicas!,
        resources: i.resources ?? {},
        rollout: i.rollout as Required<NonNullable<typeof i.rollout>>,
        ...resolveScheduling(i),
        logLevel: i.logLevel!,
        logAsJson: i.logAsJson!,
        traceSampling: i.traceSampling!,
        keepaliveMaxServerConnectionAge: i.keepaliveMaxServerConnectionAge!,
        enableAnalysis: i.enableAnalysis!,
        env: i.env ?? {},
      },
    },
    sidecar: {
      ...(sidecar as Required<typeof sidecar>),
      resources: sidecar.resources ?? {},
      imagePullSecrets: sidecar.imagePullSecrets ?? [],
      neverInjectSelector: sidecar.neverInjectSelector ?? [],
      alwaysInjectSelector: sidecar.alwaysInjectSelector ?? [],
    },
    gateways,
    cni,
    mesh,
    security: { meshMtls: merged.security!.meshMtls! },
    policies,
    destination: resolveDestination(raw, index, report),
    crds: [],
  };
}

/** The path in the file that supplied `sub` for cluster `index`: the cluster, else defaults, else the cluster entry. */
function origin(input: FleetFile, index: number, sub: (string | number)[]): DocPath {
  if (hasPath(input.clusters[index], sub)) return ['clusters', index, ...sub];
  if (isPlainObject(input.defaults) && hasPath(input.defaults, sub)) return ['defaults', ...sub];
  return ['clusters', index];
}
