/**
 * Fleet → files: one YAML file per object under `<cluster>/<layer>/`, plus a
 * kustomization.yaml per cluster. Pure: the result is a map of relative path to content.
 */
import { ApiObject, App } from 'cdk8s';
import type { ClusterConfig, FleetConfig } from '../config/cluster-config';
import { ClusterChart } from './cluster-chart';
import { CRD_SYNC_OPTIONS, LAYERS, layerOf, SYNC_OPTIONS_ANNOTATION, SYNC_WAVE_ANNOTATION, SYNC_WAVES } from './layers';
import { renderDelivery } from '../delivery/render-delivery';
import { toYaml } from './yaml';
import { compare } from '../util/compare';
import { restarterScript } from '../restarter/bundle';
import { fleetMarkdown, FLEET_DOC } from '../fleet/fleet-doc';
import { serializeVersionRecord, VERSION_RECORD_FILE, versionRecordOf } from '../lifecycle/version-record';

/** Relative path → file content, in the order files are listed. */
export type RenderedTree = ReadonlyMap<string, string>;

export interface RenderedObject {
  readonly layer: (typeof LAYERS)[number];
  readonly path: string;
  readonly manifest: Record<string, unknown>;
}

/** What a render needs besides the fleet: files meshc ships, read once by the caller. */
export interface RenderAssets {
  readonly restarterScript: string;
}

let shippedAssets: RenderAssets | undefined;
/** meshc's own assets, from its build output. */
export function defaultAssets(): RenderAssets {
  return (shippedAssets ??= { restarterScript: restarterScript() });
}

export function renderFleet(fleet: FleetConfig, assets: RenderAssets = defaultAssets()): RenderedTree {
  const files = new Map<string, string>();
  const rendered = [...fleet.clusters]
    .sort((a, b) => compare(a.name, b.name))
    .map((cluster) => ({ cluster, objects: renderClusterObjects(cluster, assets) }));
  for (const { cluster, objects } of rendered) {
    for (const [path, content] of clusterFiles(cluster, objects)) files.set(path, content);
  }
  files.set(FLEET_DOC, fleetMarkdown(fleet));
  if (fleet.delivery) {
    for (const [path, manifest] of renderDelivery(fleet.delivery, rendered)) files.set(path, toYaml(manifest));
  }
  return files;
}

/** The objects of one cluster in apply order, with their paths relative to the cluster folder. */
export function renderClusterObjects(cluster: ClusterConfig, assets: RenderAssets = defaultAssets()): RenderedObject[] {
  const app = new App();
  const chart = new ClusterChart(app, { cluster, restarterScript: assets.restarterScript });
  const objects: RenderedObject[] = [];
  const seen = new Map<string, string>();
  for (const node of chart.node.findAll()) {
    if (!(node instanceof ApiObject)) continue;
    const layer = layerOf(node);
    // Added here rather than in each construct, so that no object can miss its wave.
    node.metadata.addAnnotation(SYNC_WAVE_ANNOTATION, String(SYNC_WAVES[layer]));
    if (node.kind === 'CustomResourceDefinition') node.metadata.addAnnotation(SYNC_OPTIONS_ANNOTATION, CRD_SYNC_OPTIONS);
    const manifest = node.toJson() as Record<string, unknown>;
    const path = objectPath(layer, manifest);
    const previous = seen.get(path);
    if (previous) throw new Error(`${cluster.name}: ${node.node.path} and ${previous} render to the same file ${path}`);
    seen.set(path, node.node.path);
    objects.push({ layer, path, manifest });
  }
  return objects.sort((a, b) => LAYERS.indexOf(a.layer) - LAYERS.indexOf(b.layer) || compare(a.path, b.path));
}

function clusterFiles(cluster: ClusterConfig, objects: readonly RenderedObject[]): Map<string, string> {
  const files = new Map<string, string>();
  for (const o of objects) files.set(`${cluster.name}/${o.path}`, toYaml(o.manifest));
  files.set(`${cluster.name}/${VERSION_RECORD_FILE}`, serializeVersionRecord(versionRecordOf(cluster)));
  files.set(
    `${cluster.name}/kustomization.yaml`,
    toYaml({
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      resources: objects.map((o) => o.path),
    }),
  );
  return files;
}

/**
 * `<layer>/<kind>-<name>.yaml` for cluster-scoped objects, `<layer>/<namespace>/<kind>-<name>.yaml`
 * for namespaced ones. Kinds carry no dashes and namespaces no dots, so paths never collide.
 */
function objectPath(layer: string, manifest: Record<string, unknown>): string {
  const kind = String(manifest.kind).toLowerCase();
  const metadata = manifest.metadata as { name: string; namespace?: string };
  const file = `${kind}-${metadata.name}.yaml`;
  return metadata.namespace ? `${layer}/${metadata.namespace}/${file}` : `${layer}/${file}`;
}

export { compare } from '../util/compare';
