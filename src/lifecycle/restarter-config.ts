/**
 * A cluster's restarter configuration, derived from its resolved settings: what each revision
 * injects, what the tags point at, and how careful the restarter must be.
 */
import type { ClusterConfig } from '../config/cluster-config';
import { Annotations, Labels } from '../labels';
import type { RestarterConfig } from '../restarter/config';

export function restarterConfig(cluster: ClusterConfig): RestarterConfig {
  const { istio, dataPlaneSync: sync } = cluster;
  return {
    cluster: cluster.name,
    revisions: istio.revisions.map((r) => ({ name: r.name, version: r.release.version, proxyImage: r.proxyImage })),
    tags: Object.fromEntries(istio.tags.map((t) => [t.name, t.revision])),
    ...(istio.defaultRevision ? { defaultRevision: istio.defaultRevision } : {}),
    initContainer: cluster.cni.enabled ? 'istio-validation' : 'istio-init',
    restartAnnotation: Annotations.SIDECAR_RESTARTED_FOR,
    namespaceOptOutLabel: Labels.SIDECAR_RESTART,
    workloadOptOutAnnotation: Annotations.SIDECAR_RESTART,
    ...(sync.window ? { window: sync.window } : {}),
    batches: { ...sync.batches },
    deleteBarePods: sync.deleteBarePods,
  };
}
