/**
 * Resolution: defaults applied, versions looked up in the catalog, and every check that
 * needs the merged view of a cluster. Errors point at the line that supplied the value,
 * whether that is the cluster entry or `defaults`.
 */
import { supportsKubernetes } from '../catalog/versions';
import { resolveIstio } from './resolve-istio';
import { resolveDataPlaneSync } from './data-plane-sync-schema';
import { checkUpgrade, type VersionRecord } from '../lifecycle/upgrade-guard';
import { ISTIOD_MANAGED_ENV } from '../control-plane/istiod-env';
import { deepMerge, hasPath, isPlainObject } from '../util/deep-merge';
import type { ClusterConfig, FleetConfig } from './cluster-config';
import { formatPath, type Diagnostic, type DocPath } from './diagnostic';
import { ClusterSchema, type ClusterInput, type FleetFile } from './fleet-schema';
import { PROFILES } from './profiles';
import { defaultsFromSchema } from './schema-defaults';
import { resolveScheduling, withoutNulls } from './tuning-schema';
import { resolveCni } from '../cni/resolve-cni';
import { resolveMeshSettings } from '../control-plane/mesh-settings';
import { checkCustomTemplates } from '../injection/custom-templates';
import { resolveGateways } from '../gateways/resolve-gateways';
import { resolvePolicies } from '../security/resolve-policies';
import type { ResolveContext } from './resolve-context';
import { TopologyDefaults, type CaInput } from './topology-schema';
import type { CaMaterial } from '../fleet/wiring';
import { resolveWiring } from '../fleet/resolve-wiring';
import { CA_SECRET } from '../fleet/names';
import type { SourceDocument } from './source';
import { resolveDelivery, resolveDestination } from '../delivery/resolve-delivery';

export interface Resolution {
  readonly fleet: FleetConfig;
  readonly diagnostics: readonly Diagnostic[];
}

const SCHEMA_DEFAULTS = defaultsFromSchema(ClusterSchema.json) as Partial<ClusterInput>;

/** Resolves a schema-valid fleet file. Returns every error and warning found, in file order. */
export interface ResolveOptions {
  /**
   * Versions of each cluster in the last committed render, for the upgrade guard; unset: no
   * guard (nothing to compare with), e.g. when only validating.
   */
  readonly previous?: ReadonlyMap<string, VersionRecord>;
  /** Where `previous` was read from, for messages (e.g. `dist at HEAD`). */
  readonly baseline?: string;
  /** Reads a file the fleet file refers to (root certificates), relative to the fleet file. */
  readonly readFile?: (path: string) => string;
}

export function resolveFleet(doc: SourceDocument, input: FleetFile, options: ResolveOptions = {}): Resolution {
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
    const cluster = resolveCluster(input, index, report, options);
    if (cluster) clusters.push(cluster);
  });

  const indexOf = (name: string) => input.clusters.findIndex((c) => c.name === name);
  const wired = resolveWiring(input, clusters, {
    report,
    clusterPath: (name, sub) => origin(input, indexOf(name), sub),
    clusterContext: (name) => clusterContext(input, indexOf(name), report, () => undefined),
    readFile: options.readFile ?? (() => {
      throw new Error('no configuration repository to read from');
    }),
  });

  const delivery = resolveDelivery(input, wired, report);
  diagnostics.sort((a, b) => a.line - b.line || a.column - b.column);
  return { fleet: delivery ? { clusters: wired, delivery } : { clusters: wired }, diagnostics };
}

export type Report = (severity: Diagnostic['severity'], path: DocPath, message: string, key?: boolean) => void;

function resolveCluster(input: FleetFile, index: number, report: Report, options: ResolveOptions): ClusterConfig | undefined {
  const raw = input.clusters[index];
  const profile = deepMerge<ClusterInput>(SCHEMA_DEFAULTS, input.defaults, raw).profile ?? 'default';
  const merged = deepMerge<ClusterInput>(SCHEMA_DEFAULTS, PROFILES[profile], input.defaults, raw);
  const at = (...sub: (string | number)[]): DocPath => origin(input, index, sub);
  let failed = false;
  const fail = (path: DocPath, message: string, key = false) => {
    failed = true;
    report('error', path, `cluster "${raw.name}": ${message}`, key);
  };
  const ca = resolveCa(merged.security?.ca, (sub, message) => fail(at('security', 'ca', ...sub), message));

  if (merged.kubernetesVersion === undefined) {
    fail(['clusters', index], 'kubernetesVersion is required: set it on the cluster or in defaults');
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

  const ctx = clusterContext(input, index, report, () => {
    failed = true;
  });
  const nativeSidecars = merged.sidecar?.nativeSidecars !== false;
  let istio = resolveIstio(merged.istio ?? {}, ctx, {
    names: ISTIOD_MANAGED_ENV,
    values: { ENABLE_NATIVE_SIDECARS: { value: String(nativeSidecars), setting: `sidecar.nativeSidecars: ${nativeSidecars}` } },
    userEnv: Object.keys(istiod?.env ?? {}),
  });
  for (const revision of istio?.revisions ?? []) {
    const { release } = revision;
    const where = revision.path;
    const named = revision.name === 'default' ? `Istio ${release.version}` : `revision ${revision.name} (Istio ${release.version})`;
    if (merged.kubernetesVersion !== undefined && !supportsKubernetes(release, merged.kubernetesVersion)) {
      fail(
        at('kubernetesVersion'),
        `Kubernetes ${merged.kubernetesVersion} is not supported by ${named} (supported: Kubernetes ${release.kubernetes.min} to ${release.kubernetes.max})`,
      );
    }
    if (release.endOfLife) ctx.warn([...where], `${named} is past its upstream end of life; plan an upgrade`);
  }
  if (istio && options.previous) {
    istio = checkUpgrade(options.previous.get(raw.name), istio, ctx, options.baseline ?? 'the last committed render');
  }
  const mesh = resolveMeshSettings(merged.mesh, ctx);
  const gateways = resolveGateways(merged.gateways, ctx, istio, Object.keys(mesh.proxyConfig.proxyMetadata ?? {}));
  const cni = resolveCni(merged.cni, ctx, { controlPlaneNamespace: merged.controlPlane?.namespace });
  checkCustomTemplates(merged.sidecar?.templates ?? {}, ctx);
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

  const dataPlaneSync = resolveDataPlaneSync(merged.dataPlaneSync!, ctx);

  if (failed || !istio || merged.kubernetesVersion === undefined) return undefined;
  const cp = merged.controlPlane!;
  const i = cp.istiod!;
  const sidecar = merged.sidecar!;
  return {
    name: raw.name,
    kubernetesVersion: merged.kubernetesVersion,
    istio,
    clusterDomain: merged.clusterDomain!,
    network: merged.network,
    trustDomain: merged.trustDomain!,
    trustDomainAliases,
    meshId: merged.meshId,
    clusterId: merged.clusterId ?? raw.name,
    controlPlane: {
      caAddress: cp.caAddress,
      namespace: cp.namespace!,
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
        jwksBlockedCIDRs: i.jwksBlockedCIDRs!,
        env: i.env ?? {},
      },
    },
    sidecar: {
      ...(sidecar as Required<typeof sidecar>),
      resources: withoutNulls(sidecar.resources),
      imagePullSecrets: sidecar.imagePullSecrets ?? [],
      templates: sidecar.templates ?? {},
      neverInjectSelector: sidecar.neverInjectSelector ?? [],
      alwaysInjectSelector: sidecar.alwaysInjectSelector ?? [],
    },
    gateways,
    cni,
    mesh,
    security: { meshMtls: merged.security!.meshMtls! },
    policies,
    dataPlaneSync,
    podCIDRs: merged.podCIDRs ?? [],
    serviceCIDRs: merged.serviceCIDRs ?? [],
    wiring: ca ? { ca } : {},
    destination: resolveDestination(raw, index, report),
    crds: [],
  };
}

/** A cluster's resolve context: messages name the cluster and point where its values came from. */
function clusterContext(input: FleetFile, index: number, report: Report, onFail: () => void): ResolveContext {
  const name = input.clusters[index].name;
  const at = (...sub: (string | number)[]): DocPath => origin(input, index, sub);
  return {
    fail: (path, message, opts) => {
      onFail();
      report('error', at(...path), `cluster "${name}": ${message}`, opts?.key);
    },
    warn: (path, message, opts) => report('warning', at(...path), `cluster "${name}": ${message}`, opts?.key),
    at,
  };
}

/** `security.ca`: exactly one way to reference the `cacerts` Secret. */
function resolveCa(ca: CaInput | undefined, fail: (sub: string[], message: string) => void): CaMaterial | undefined {
  // Schema defaults (a store's or issuer's kind) fill in objects the file never set: count what it did set.
  const given = { externalSecret: ca?.externalSecret?.key !== undefined, certManager: ca?.certManager?.issuer?.name !== undefined, existingSecret: ca?.existingSecret === true };
  const set = (Object.keys(given) as (keyof typeof given)[]).filter((k) => given[k]);
  if (!ca || (set.length === 0 && ca.existingSecret === undefined && ca.secretName === undefined)) return undefined;
  if (set.length !== 1) {
    fail([], `security.ca: set exactly one of externalSecret, certManager and existingSecret: true${set.length ? ` (found ${set.join(', ')})` : ''}`);
    return undefined;
  }
  const secretName = ca.secretName ?? CA_SECRET;
  if (given.externalSecret && ca.externalSecret) return { kind: 'external-secret', secretName, store: { kind: ca.externalSecret.store.kind ?? TopologyDefaults.storeKind, name: ca.externalSecret.store.name }, remoteKey: ca.externalSecret.key };
  if (given.certManager && ca.certManager) return { kind: 'cert-manager', secretName, issuer: { kind: ca.certManager.issuer.kind ?? TopologyDefaults.issuerKind, name: ca.certManager.issuer.name } };
  return { kind: 'existing-secret', secretName };
}

/** The path in the file that supplied `sub` for cluster `index`: the cluster, else defaults, else the cluster entry. */
function origin(input: FleetFile, index: number, sub: (string | number)[]): DocPath {
  if (hasPath(input.clusters[index], sub)) return ['clusters', index, ...sub];
  if (isPlainObject(input.defaults) && hasPath(input.defaults, sub)) return ['defaults', ...sub];
  return ['clusters', index];
}
