/**
 * The `delivery` section and cluster destinations, defaults applied. Renderers read only
 * the resolved DeliveryConfig.
 */
import type { ClusterConfig, DeliveryConfig, Destination } from '../config/cluster-config';
import { DeliverySchema, type DeliveryInput } from '../config/delivery-schema';
import type { ClusterInput, FleetFile } from '../config/fleet-schema';
import type { Report } from '../config/resolve';
import { defaultsFromSchema } from '../config/schema-defaults';
import { deepMerge } from '../util/deep-merge';

const DELIVERY_DEFAULTS = defaultsFromSchema(DeliverySchema.json) as Partial<DeliveryInput>;

/** Output folders delivery objects take beside the cluster folders. */
export const DELIVERY_FOLDERS = ['argocd', 'flux'] as const;

export function resolveDelivery(input: FleetFile, clusters: readonly ClusterConfig[], report: Report): DeliveryConfig | undefined {
  if (input.delivery === undefined) return undefined;
  const d = deepMerge<DeliveryInput>(DELIVERY_DEFAULTS, input.delivery);
  const delivery: DeliveryConfig = {
    name: d.name!,
    git: { url: d.git.url, branch: d.git.branch!, path: d.git.path! },
    argocd: {
      enabled: d.argocd!.enabled!,
      project: d.argocd!.project!,
      namespace: d.argocd!.namespace!,
      applicationSet: { enabled: d.argocd!.applicationSet!.enabled!, selectorLabel: d.argocd!.applicationSet!.selectorLabel! },
      syncPolicy: { automated: d.argocd!.syncPolicy!.automated!, prune: d.argocd!.syncPolicy!.prune!, selfHeal: d.argocd!.syncPolicy!.selfHeal! },
    },
    flux: { enabled: d.flux!.enabled!, namespace: d.flux!.namespace!, interval: d.flux!.interval! },
    crds: { mode: d.crds!.mode!, vendorDir: d.crds!.vendorDir! },
  };
  // dist/argocd and dist/flux sit beside the cluster folders; a cluster of that name would overwrite them.
  input.clusters.forEach((raw, index) => {
    if ((DELIVERY_FOLDERS as readonly string[]).includes(raw.name) && clusters.some((c) => c.name === raw.name)) {
      report('error', ['clusters', index, 'name'], `cluster name "${raw.name}" is reserved for the delivery objects in dist/${raw.name}/ when the fleet has a delivery section`);
    }
  });
  return delivery;
}

export function resolveDestination(raw: ClusterInput, index: number, report: Report): Destination {
  const given = raw.destination ?? {};
  if (given.name !== undefined && given.server !== undefined) {
    report('error', ['clusters', index, 'destination'], `cluster "${raw.name}": destination takes a name or a server, not both`);
  }
  if (given.server !== undefined) return { server: given.server };
  return { name: given.name ?? raw.name };
}
