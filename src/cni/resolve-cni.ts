/** Resolution of the Istio CNI settings of one cluster. */
import type { Static } from '../config/schema-builder';
import { CniSchema } from '../config/cni-schema';
import { defaultsFromSchema } from '../config/schema-defaults';
import { resolveScheduling, type ResourcesInput, type Scheduling } from '../config/tuning-schema';
import type { ResolveContext } from '../config/resolve-context';
import { deepMerge } from '../util/deep-merge';
import { SYSTEM_NAMESPACE, type RepairMode } from './facts';
import { CNI_PLATFORM_PRESETS, type CniPlatform, type CniPlatformPreset } from './platforms';

export type CniInput = Static<typeof CniSchema>;

export interface CniConfig extends Scheduling, CniPlatformPreset {
  readonly enabled: boolean;
  readonly platform: CniPlatform;
  readonly namespace: string;
  readonly excludeNamespaces: readonly string[];
  readonly repair: { readonly enabled: boolean; readonly mode: RepairMode };
  readonly logLevel: string;
  readonly logAsJson: boolean;
  readonly resources: ResourcesInput;
  readonly rollout: { readonly maxUnavailable: string };
}

const DEFAULTS = defaultsFromSchema(CniSchema.json) as CniInput;

/** The input once the schema's defaults are applied: only the host paths and scheduling stay optional. */
type Defaulted = CniInput &
  Required<Pick<CniInput, 'enabled' | 'platform' | 'namespace' | 'excludeNamespaces' | 'logLevel' | 'logAsJson' | 'resources'>> & {
    readonly repair: Required<NonNullable<CniInput['repair']>>;
    readonly rollout: Required<NonNullable<CniInput['rollout']>>;
  };

/** Namespaces the cluster itself owns, whose admission the agent must not loosen. */
const RESERVED_NAMESPACES = ['default', 'kube-public', 'kube-node-lease'];

/** Settings of the cluster the agent's settings are checked against. */
export interface CniClusterFacts {
  /** The control-plane namespace, which enforces the restricted standard the agent cannot meet. */
  readonly controlPlaneNamespace?: string;
}

export function resolveCni(input: CniInput | undefined, ctx: ResolveContext, cluster: CniClusterFacts = {}): CniConfig {
  const c = deepMerge<Defaulted>(DEFAULTS, input);
  const preset = CNI_PLATFORM_PRESETS[c.platform];
  const { repair, rollout } = c;

  if (preset.requiresCni && !c.enabled) {
    ctx.fail(
      ['cni', 'enabled'],
      `cni.platform ${c.platform} needs cni.enabled: true: the platform admits no pod with istio-init's NET_ADMIN and NET_RAW capabilities, so without the CNI agent no injected pod starts`,
    );
  }
  if (c.enabled) {
    if (/^0+%?$/.test(rollout.maxUnavailable)) {
      ctx.fail(
        ['cni', 'rollout', 'maxUnavailable'],
        `cni.rollout.maxUnavailable must be at least 1 or 1%, got "${rollout.maxUnavailable}": a DaemonSet rollout replaces a node's agent only after stopping the old one`,
      );
    }
    if (RESERVED_NAMESPACES.includes(c.namespace)) {
      ctx.fail(
        ['cni', 'namespace'],
        `cni.namespace "${c.namespace}" belongs to Kubernetes; use a namespace of its own (default istio-cni) or ${SYSTEM_NAMESPACE}`,
      );
    } else if (c.namespace === cluster.controlPlaneNamespace) {
      ctx.fail(['cni', 'namespace'], controlPlaneNamespaceMessage(c.namespace));
    }
  }

  return {
    enabled: c.enabled,
    platform: c.platform,
    cniBinDir: c.cniBinDir ?? preset.cniBinDir,
    cniConfDir: c.cniConfDir ?? preset.cniConfDir,
    chained: preset.chained,
    cniConfFileName: preset.cniConfFileName,
    provider: preset.provider,
    seLinuxType: preset.seLinuxType,
    securityContextConstraints: preset.securityContextConstraints,
    criticalPodQuota: preset.criticalPodQuota,
    istiodPlatform: preset.istiodPlatform,
    namespace: c.namespace,
    excludeNamespaces: c.excludeNamespaces,
    repair: { enabled: repair.enabled, mode: repair.mode },
    logLevel: c.logLevel,
    logAsJson: c.logAsJson,
    resources: c.resources,
    rollout: { maxUnavailable: rollout.maxUnavailable },
    ...resolveScheduling(c),
  };
}

export function controlPlaneNamespaceMessage(namespace: string): string {
  return `cni.namespace "${namespace}" is the control-plane namespace, which enforces the restricted Pod Security Standard the CNI agent cannot meet; use a namespace of its own (default istio-cni)`;
}
