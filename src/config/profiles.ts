/**
 * Installation profiles: named sets of defaults a cluster picks with `profile` and overrides
 * on top. `default` is upstream Istio's default install; `production` is highly available;
 * `evaluation` is small, for trying the mesh out. Profiles shape istiod, the sidecar and the
 * ingress and egress gateways; named gateways take their settings from the fleet file alone.
 */
import type { ClusterSettingsInput } from './fleet-schema';

export const PROFILE_NAMES = ['default', 'production', 'evaluation'] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];

const SMALL_PROXY = { requests: { cpu: '10m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi' } };
const HA = { topologySpread: 'hosts-and-zones', rollout: { maxSurge: '100%', maxUnavailable: '0' } } as const;

export const PROFILES: Readonly<Record<ProfileName, ClusterSettingsInput>> = {
  default: {},
  production: {
    controlPlane: { istiod: { ...HA, autoscale: { enabled: true, min: 2, max: 5 } } },
    gateways: { ingress: { ...HA, autoscale: { enabled: true, min: 2 } }, egress: { ...HA, autoscale: { enabled: true, min: 2 } } },
  },
  evaluation: {
    controlPlane: {
      istiod: { autoscale: { enabled: false }, replicas: 1, resources: { requests: { cpu: '100m', memory: '256Mi' } } },
    },
    sidecar: { resources: SMALL_PROXY },
    gateways: {
      ingress: { autoscale: { enabled: false }, replicas: 1, resources: SMALL_PROXY },
      egress: { autoscale: { enabled: false }, replicas: 1, resources: SMALL_PROXY },
    },
  },
};
