/**
 * Output layers: each rendered object belongs to one, and layers are applied in this order
 * (CRDs before the control plane that needs them, policies after the webhooks that validate them).
 */
import { Construct, type IConstruct } from 'constructs';

export const LAYERS = ['crds', 'control-plane', 'gateways', 'policies', 'fleet', 'post-sync'] as const;
export type LayerName = (typeof LAYERS)[number];

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
