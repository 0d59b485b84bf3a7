/**
 * Everything the GitOps agents read, beside the cluster folders: `argocd/` and `flux/`.
 * Each folder that gets objects also gets a kustomization.yaml, so that it can be applied
 * with `kubectl apply -k` or made the source of an app-of-apps.
 */
import type { DeliveryConfig } from '../config/cluster-config';
import { argocdObjects, type RenderedCluster } from './argocd';
import { fluxObjects } from './flux';

type Manifest = Record<string, unknown>;

/** Relative output path → object, in the order files are listed. */
export function renderDelivery(delivery: DeliveryConfig, clusters: readonly RenderedCluster[]): Map<string, Manifest> {
  const out = new Map<string, Manifest>();
  if (delivery.argocd.enabled) {
    const objects = argocdObjects(delivery, clusters);
    for (const [file, o] of objects) out.set(`argocd/${file}`, o as unknown as Manifest);
    out.set('argocd/kustomization.yaml', kustomization([...objects.keys()]));
  }
  if (delivery.flux.enabled) {
    const objects = fluxObjects(delivery, clusters);
    for (const [file, o] of objects) out.set(`flux/${file}`, o as unknown as Manifest);
    // A cluster's folder lists only its Kustomizations; its crds/ subfolder is theirs to apply.
    for (const { cluster } of clusters) {
      const own = [...objects.keys()].filter((p) => p.startsWith(`${cluster.name}/`) && !p.slice(cluster.name.length + 1).includes('/'));
      out.set(`flux/${cluster.name}/kustomization.yaml`, kustomization(own.map((p) => p.slice(cluster.name.length + 1))));
    }
  }
  return out;
}

function kustomization(resources: readonly string[]): Manifest {
  return { apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: [...resources] };
}
