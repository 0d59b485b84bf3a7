/**
 * What upstream's charts render differently from one catalog release to the next, read from
 * each release's charts. Everything release-specific that meshc renders is decided here, so a
 * new release is one entry and nothing else in meshc compares version numbers.
 */
import type { IstioRelease } from './versions';

export interface ReleaseFacts {
  /**
   * Where istiod writes a ListenerSet's status: the experimental `XListenerSet` until 1.29, the
   * standard `ListenerSet` of Gateway API 1.5 from 1.30.
   */
  readonly listenerSetStatus: { readonly apiGroup: string; readonly resource: string };
  /** The reader role reads ConfigMaps (from 1.29: remote clusters' CA and mesh configuration). */
  readonly readerReadsConfigMaps: boolean;
  /** istiod gets `GOMEMLIMIT` from its memory limit (until 1.28; later istiod sets it itself). */
  readonly istiodGoMemLimit: boolean;
  readonly cni: {
    /** Time a stopping CNI agent gets to remove the plugin from the node's configuration. */
    readonly terminationGracePeriodSeconds: number;
    /** Ambient defaults the chart hands the agent (inert in sidecar mode, rendered as upstream). */
    readonly ambient: Readonly<Record<string, string>>;
  };
}

const CNI_AMBIENT_BASE = { AMBIENT_DNS_CAPTURE: 'true', AMBIENT_IPV6: 'true' };
const CNI_AMBIENT_1_29 = { ...CNI_AMBIENT_BASE, AMBIENT_RECONCILE_POD_RULES_ON_STARTUP: 'true', ENABLE_AMBIENT_DETECTION_RETRY: 'false' };

const RELEASE_FACTS: Readonly<Record<string, ReleaseFacts>> = {
  '1.28': {
    listenerSetStatus: { apiGroup: 'gateway.networking.x-k8s.io', resource: 'xlistenersets/status' },
    readerReadsConfigMaps: false,
    istiodGoMemLimit: true,
    cni: { terminationGracePeriodSeconds: 5, ambient: { ...CNI_AMBIENT_BASE, AMBIENT_RECONCILE_POD_RULES_ON_STARTUP: 'false' } },
  },
  '1.29': {
    listenerSetStatus: { apiGroup: 'gateway.networking.x-k8s.io', resource: 'xlistenersets/status' },
    readerReadsConfigMaps: true,
    istiodGoMemLimit: false,
    cni: { terminationGracePeriodSeconds: 30, ambient: CNI_AMBIENT_1_29 },
  },
  '1.30': {
    listenerSetStatus: { apiGroup: 'gateway.networking.k8s.io', resource: 'listenersets/status' },
    readerReadsConfigMaps: true,
    istiodGoMemLimit: false,
    cni: { terminationGracePeriodSeconds: 30, ambient: CNI_AMBIENT_1_29 },
  },
};

export function releaseFacts(release: IstioRelease): ReleaseFacts {
  const facts = RELEASE_FACTS[release.minor];
  if (!facts) throw new Error(`no chart facts for Istio ${release.minor}; add them to src/catalog/release-facts.ts`);
  return facts;
}
