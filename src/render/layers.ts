/**
 * Output layers: each rendered object belongs to one, and layers are applied in this order
 * (CRDs before the control plane that needs them, policies after the webhooks that validate them).
 */
import { Construct, type IConstruct } from 'constructs';

export const LAYERS = ['crds', 'control-plane', 'gateways', 'policies', 'fleet', 'post-sync'] as const;
export type LayerName = (typeof LAYERS)[number];

/**
 * Argo CD sync wave of each layer: Argo CD applies one wave and waits for it to be healthy
 * before the next, which is what makes the layer order hold in a cluster. Fleet wiring shares
 * the policies wave: both only need istiod's webhooks, not each other.
 */
export const SYNC_WAVES: Readonly<Record<LayerName, number>> = {
  crds: 0,
  'control-plane': 1,
  gateways: 2,
  policies: 3,
  fleet: 3,
  'post-sync': 4,
};

export const SYNC_WAVE_ANNOTATION = 'argocd.argoproj.io/sync-wave';
export const SYNC_OPTIONS_ANNOTATION = 'argocd.argoproj.io/sync-options';
/**
 * CRDs go server-side: Istio's are too large for the last-applied annotation of a client-side
 * apply (262144 bytes), which makes their updates fail.
 */
export const CRD_SYNC_OPTIONS = 'ServerSideApply=true';

/** A scope whose objects all land in one layer folder. */
export class Layer extends Construct {
  constructor(
    scope: Construct,
    readonly layer: LayerName,
  ) {
    super(scope, layer);
  }
}

/** The layer an object was defined in; objects outside any layer are a programming error. */
export function layerOf(construct: IConstruct): LayerName {
  for (const scope of [...construct.node.scopes].reverse()) {
    if (scope instanceof Layer) return scope.layer;
  }
  throw new Error(`${construct.node.path}: rendered object is not inside a layer`);
}
