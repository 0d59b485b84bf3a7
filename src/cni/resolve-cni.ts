/** Resolution of the Istio CNI settings of one cluster. */
import type { Static } from '../config/schema-builder';
import type { CniSchema } from '../config/cni-schema';
import type { ResolveContext } from '../gateways/resolve-gateways';

export type CniInput = Static<typeof CniSchema>;

export interface CniConfig {
  readonly enabled: boolean;
}

export function resolveCni(input: CniInput | undefined, _ctx: ResolveContext): CniConfig {
  return { enabled: input?.enabled ?? false };
}
