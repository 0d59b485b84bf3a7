/**
 * A cluster's settings after resolution: defaults applied, versions looked up, checks passed.
 * This is all a construct ever sees; it never reads the fleet file itself.
 */
import type { ControlPlaneSchema, IstiodSchema, ResourcesInput, SecuritySchema, SidecarSchema } from './fleet-schema';
import type { Static } from './schema-builder';
import type { ProxyResources, Scheduling } from './tuning-schema';
import type { CniConfig } from '../cni/resolve-cni';
import type { IstioInstall } from './resolve-istio';
import type { ClusterWiring } from '../fleet/wiring';
import type { DataPlaneSyncSettings } from './data-plane-sync-schema';
import type { MeshSettings } from '../control-plane/mesh-settings';
import type { GatewaysConfig } from '../gateways/resolve-gateways';
import type { PoliciesConfig } from '../security/resolve-policies';

type IstiodInput = Static<typeof IstiodSchema>;

/** Resources, scaling, rollout and scheduling of a Deployment meshc renders. */
export interface DeploymentTuning extends Scheduling {
  readonly autoscale: Required<NonNullable<IstiodInput['autoscale']>>;
  /** Fixed replicas, used when autoscaling is off. */
  readonly replicas: number;
  readonly resources: ResourcesInput;
  readonly rollout: Required<NonNullable<IstiodInput['rollout']>>;
}

export interface IstiodSettings
  extends DeploymentTuning,
    Required<Omit<IstiodInput, 'autoscale' | 'resources' | 'env' | 'rollout' | 'replicas' | keyof Scheduling>> {
  readonly env: Readonly<Record<string, string>>;
}

export interface ControlPlaneSettings extends Required<Omit<Static<typeof ControlPlaneSchema>, 'istiod' | 'caAddress'>> {
  /** CA proxies use; unset: this revision's istiod. */
  readonly caAddress?: string;
  readonly istiod: IstiodSettings;
}

/** The CA (`security.ca`) is resolved into `wiring.ca`. */
export type SecuritySettings = Required<Pick<Static<typeof SecuritySchema>, 'meshMtls'>>;

type SidecarInput = Static<typeof SidecarSchema>;
export type LabelSelector = NonNullable<SidecarInput['neverInjectSelector']>[number];

export interface SidecarSettings
  extends Required<Omit<SidecarInput, 'resources' | 'imagePullPolicy' | 'neverInjectSelector' | 'alwaysInjectSelector' | 'imagePullSecrets' | 'templates'>> {
  readonly resources: ProxyResources;
  /** Unset: Kubernetes decides from the image tag. */
  readonly imagePullPolicy?: SidecarInput['imagePullPolicy'];
  readonly imagePullSecrets: readonly string[];
  /** Injection templates of the fleet's own, by name. */
  readonly templates: Readonly<Record<string, string>>;
  readonly neverInjectSelector: readonly LabelSelector[];
  readonly alwaysInjectSelector: readonly LabelSelector[];
}

export interface ClusterConfig {
  readonly name: string;
  readonly kubernetesVersion: string;
  /** Revisions, tags and images; `istio.release` is the newest release running in the cluster. */
  readonly istio: IstioInstall;
  readonly clusterDomain: string;
  readonly network?: string;
  readonly trustDomain: string;
  /** Trust domains whose identities are treated as this cluster's own. */
  readonly trustDomainAliases: readonly string[];
  readonly meshId?: string;
  /** Istio cluster id: the cluster name unless the fleet file sets one. */
  readonly clusterId: string;
  readonly controlPlane: ControlPlaneSettings;
  readonly sidecar: SidecarSettings;
  readonly gateways: GatewaysConfig;
  readonly cni: CniConfig;
  readonly mesh: MeshSettings;
  readonly security: SecuritySettings;
  /** Namespace and workload policies, shorthands expanded, principals complete. */
  readonly policies: PoliciesConfig;
  /** Pod and service IP ranges as declared (for multicluster overlap checks); empty: undeclared. */
  readonly podCIDRs: readonly string[];
  readonly serviceCIDRs: readonly string[];
  /** Multicluster mesh, federation and CA material, computed from the whole fleet. */
  readonly wiring: ClusterWiring;
  /** The post-sync Job restarting workloads whose sidecar is outdated. */
  readonly dataPlaneSync: DataPlaneSyncSettings;
  /** Argo CD destination; meaningful only when the fleet has a `delivery` section. */
  readonly destination: Destination;
  /** CRDs rendered into the `crds` layer: the vendored bundle in `vendored` mode, else none. */
  readonly crds: readonly CrdManifest[];
}

export interface FleetConfig {
  /** Clusters in the order of the fleet file. */
  readonly clusters: readonly ClusterConfig[];
  /** Unset when the fleet file has no `delivery` section: only the cluster folders are rendered. */
  readonly delivery?: DeliveryConfig;
}

export type CrdMode = 'chart' | 'vendored' | 'none';

export interface DeliveryConfig {
  readonly name: string;
  readonly git: { readonly url: string; readonly branch: string; readonly path: string };
  readonly argocd: {
    readonly enabled: boolean;
    readonly project: string;
    readonly namespace: string;
    readonly applicationSet: { readonly enabled: boolean; readonly selectorLabel: string };
    readonly syncPolicy: { readonly automated: boolean; readonly prune: boolean; readonly selfHeal: boolean };
  };
  readonly flux: { readonly enabled: boolean; readonly namespace: string; readonly interval: string };
  readonly crds: {
    readonly mode: CrdMode;
    /** As written in the fleet file (relative to its folder); for messages and `meshc vendor`. */
    readonly vendorDir: string;
  };
}

/** Argo CD destination of a cluster: exactly one of the two. */
export type Destination = { readonly name: string; readonly server?: undefined } | { readonly server: string; readonly name?: undefined };

/** A CustomResourceDefinition as read from a vendored file. */
export type CrdManifest = Readonly<Record<string, unknown>>;
