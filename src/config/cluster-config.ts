/**
 * A cluster's settings after resolution: defaults applied, versions looked up, checks passed.
 * This is all a construct ever sees; it never reads the fleet file itself.
 */
import type { IstioRelease } from '../catalog/versions';
import type { ControlPlaneSchema, IstiodSchema, ResourcesInput, SecuritySchema } from './fleet-schema';
import type { Static } from './schema-builder';

type IstiodInput = Static<typeof IstiodSchema>;

export interface IstiodSettings
  extends Required<Omit<IstiodInput, 'autoscale' | 'resources' | 'env'>> {
  readonly autoscale: Required<NonNullable<IstiodInput['autoscale']>>;
  readonly resources: ResourcesInput;
  readonly env: Readonly<Record<string, string>>;
}

export interface ControlPlaneSettings extends Required<Omit<Static<typeof ControlPlaneSchema>, 'istiod'>> {
  /** Istio revision served by this control plane; `default` until revisions are configurable. */
  readonly revision: string;
  readonly istiod: IstiodSettings;
}

export type SecuritySettings = Required<Static<typeof SecuritySchema>>;

export interface ClusterConfig {
  readonly name: string;
  readonly kubernetesVersion: string;
  readonly istio: { readonly release: IstioRelease; readonly hub: string };
  readonly clusterDomain: string;
  readonly network?: string;
  readonly trustDomain: string;
  readonly meshId?: string;
  readonly controlPlane: ControlPlaneSettings;
  readonly security: SecuritySettings;
}

export interface FleetConfig {
  /** Clusters in the order of the fleet file. */
  readonly clusters: readonly ClusterConfig[];
}
