/** Resolution of the gateway settings of one cluster. */
import type { DocPath } from '../config/diagnostic';
import type { Static } from '../config/schema-builder';
import type { GatewaysSchema } from '../config/gateways-schema';

export type GatewaysInput = Static<typeof GatewaysSchema>;

/** Resolved gateway settings. */
export interface GatewaysConfig {
  readonly gateways: readonly never[];
}

export interface ResolveContext {
  /** Reports an error at the path (relative to the cluster's settings) that supplied the value. */
  fail(path: (string | number)[], message: string): void;
  /** The file path that supplied a cluster setting (cluster entry or defaults). */
  at(...sub: (string | number)[]): DocPath;
}

export function resolveGateways(input: GatewaysInput | undefined, _ctx: ResolveContext): GatewaysConfig {
  void input;
  return { gateways: [] };
}
