/**
 * Applies resolved fine-tuning to the Kubernetes objects of any workload meshc renders.
 */
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import type { DeploymentTuning } from '../config/cluster-config';
import type { ResourcesInput, Scheduling } from '../config/tuning-schema';

export function resourceRequirements(resources: ResourcesInput): k8s.ResourceRequirements {
  const q = (m?: { cpu?: string; memory?: string }) => {
    if (!m) return undefined;
    const out: Record<string, k8s.Quantity> = {};
    if (m.cpu !== undefined) out.cpu = k8s.Quantity.fromString(m.cpu);
    if (m.memory !== undefined) out.memory = k8s.Quantity.fromString(m.memory);
    return Object.keys(out).length ? out : undefined;
  };
  return { requests: q(resources.requests), limits: q(resources.limits) };
}

const TOPOLOGY_KEYS = { hosts: ['kubernetes.io/hostname'], zones: ['topology.kubernetes.io/zone'], 'hosts-and-zones': ['kubernetes.io/hostname', 'topology.kubernetes.io/zone'], none: [] };

/**
 * Pod-spec fields of the scheduling settings; absent ones stay absent. Spreading needs the
 * pods' selector labels; without them no constraint is rendered.
 */
export function schedulingSpec(
  s: Scheduling,
  selector?: Record<string, string>,
): Pick<k8s.PodSpec, 'nodeSelector' | 'tolerations' | 'affinity' | 'priorityClassName' | 'topologySpreadConstraints'> {
  const spread = selector ? TOPOLOGY_KEYS[s.topologySpread] : [];
  return {
    // ScheduleAnyway: a cluster with one zone must still run every replica.
    ...(spread.length
      ? {
          topologySpreadConstraints: spread.map((topologyKey) => ({
            maxSkew: 1,
            topologyKey,
            whenUnsatisfiable: 'ScheduleAnyway',
            labelSelector: { matchLabels: { ...selector } },
          })),
        }
      : {}),
    ...(Object.keys(s.nodeSelector).length ? { nodeSelector: { ...s.nodeSelector } } : {}),
    ...(s.tolerations.length ? { tolerations: s.tolerations.map((t) => ({ ...t })) } : {}),
    ...(s.affinity ? { affinity: s.affinity as k8s.Affinity } : {}),
    ...(s.priorityClassName ? { priorityClassName: s.priorityClassName } : {}),
  };
}

export function rollingUpdate(rollout: DeploymentTuning['rollout']): k8s.DeploymentStrategy {
  const intOrString = (v: string) => (/^[0-9]+$/.test(v) ? k8s.IntOrString.fromNumber(Number(v)) : k8s.IntOrString.fromString(v));
  return { rollingUpdate: { maxSurge: intOrString(rollout.maxSurge), maxUnavailable: intOrString(rollout.maxUnavailable) } };
}
