/**
 * Upstream Istio's `compatibilityVersion`, as data per release.
 *
 * Upstream ships one values overlay per emulated minor (`manifests/helm-profiles/compatibility-version-<minor>.yaml`,
 * copied into every chart as `files/profile-compatibility-version-<minor>.yaml`). Setting `compatibilityVersion: <minor>`
 * merges that overlay over the chart defaults and the selected profile (user values still win), so a new release keeps
 * the older minor's behaviour for the flags whose default flipped since. The charts accept exactly the minors they ship an
 * overlay for and fail with "unknown compatibility version" for any other; istioctl only forwards the value to the same
 * charts. The set of accepted minors is therefore the key set of each release below; upstream did not delete the overlays
 * of end-of-life minors promptly, so 1.29 and 1.30 accept more minors than the usual three.
 *
 * Contents are those of the release branches (`release-1.28`, `release-1.29`, `release-1.30`) as shipped in 1.28.10,
 * 1.29.6 and 1.30.3, reconstructed from the upstream file history: every flag below is the one the overlay sets to its
 * pre-change value. The overlays set `pilot.env` (istiod environment variables, `istiodEnv`) and two ambient-only keys of
 * the istio-cni node agent (`notRendered`); none of these releases' overlays touch meshConfig or other `pilot.*` values.
 * The overlays change over time (a minor's flags are added while it is developed, and later releases add their own), so
 * each release is listed in full rather than derived from another.
 */
export interface CompatibilityProfile {
  /** istiod environment variables the profile sets (upstream `pilot.env`). */
  readonly istiodEnv: Readonly<Record<string, string>>;
  /** Settings of the profile that only concern components meshc does not render (ambient, ztunnel): listed so nothing is silently dropped. */
  readonly notRendered: readonly string[];
}

/** release minor (e.g. '1.30') → emulated minor (e.g. '1.29') → profile. */
export const COMPATIBILITY_PROFILES: Readonly<Record<string, Readonly<Record<string, CompatibilityProfile>>>> = {
  '1.28': {
    // 1.26: ambient.shareHostNetworkNamespace; 1.27: ENABLE_NATIVE_SIDECARS; 1.28: DISABLE_SHADOW_HOST_SUFFIX, PILOT_SPAWN_UPSTREAM_SPAN_FOR_GATEWAY.
    '1.25': {
      istiodEnv: {
        DISABLE_SHADOW_HOST_SUFFIX: 'false',
        ENABLE_NATIVE_SIDECARS: 'false',
        PILOT_SPAWN_UPSTREAM_SPAN_FOR_GATEWAY: 'false',
      },
      notRendered: ['ambient.shareHostNetworkNamespace=true'],
    },
    // 1.27: ENABLE_NATIVE_SIDECARS; 1.28: DISABLE_SHADOW_HOST_SUFFIX, PILOT_SPAWN_UPSTREAM_SPAN_FOR_GATEWAY.
    '1.26': {
      istiodEnv: {
        DISABLE_SHADOW_HOST_SUFFIX: 'false',
        ENABLE_NATIVE_SIDECARS: 'false',
        PILOT_SPAWN_UPSTREAM_SPAN_FOR_GATEWAY: 'false',
      },
      notRendered: [],
    },
    // 1.28: DISABLE_SHADOW_HOST_SUFFIX, PILOT_SPAWN_UPSTREAM_SPAN_FOR_GATEWAY.
    '1.27': {
      istiodEnv: {
        DISABLE_SHADOW_HOST_SUFFIX: 'false',
        PILOT_SPAWN_UPSTREAM_SPAN_FOR_GATEWAY: 'false',
      },
      notRendered: [],
    },
  },
  '1.29': {
    // 1.26: ambient.shareHostNetworkNamespace; 1.27: ENABLE_NATIVE_SIDECARS; 1.28: DISABLE_SHADOW_HOST_SUFFIX, PILOT_SPAWN_UPSTREAM_SPAN_FOR_GATEWAY; 1.29: DISABLE_TRACK_REMAINING_CB_METRICS, cni.ambient.reconcileIptablesOnStartup.
    '1.25': {
      istiodEnv: {
        DISABLE_SHADOW_HOST_SUFFIX: 'false',
        DISABLE_TRACK_REMAINING_CB_METRICS: 'false',
        ENABLE_NATIVE_SIDECARS: 'false',
        PILOT_SPAWN_UPSTREAM_SPAN_FOR_GATEWAY: 'false',
      },
      notRendered: ['ambient.shareHostNetworkNamespace=true', 'cni.ambient.reconcileIptablesOnStartup=false'],
    },
    // 1.27: ENABLE_NATIVE_SIDECARS; 1.28: DISABLE_SHADOW_HOST_SUFFIX, PILOT_SPAWN_UPSTREAM_SPAN_FOR_GATEWAY; 1.29: DISABLE_TRACK_REMAINING_CB_METRICS, cni.ambient.reconcileIptablesOnStartup.
    '1.26': {
      istiodEnv: {
        DISABLE_SHADOW_HOST_SUFFIX: 'false',
        DISABLE_TRACK_REMAINING_CB_METRICS: 'false',
        ENABLE_NATIVE_SIDECARS: 'false',
        PILOT_SPAWN_UPSTREAM_SPAN_FOR_GATEWAY: 'false',
      },
      notRendered: ['cni.ambient.reconcileIptablesOnStartup=false'],
    },
    // 1.28: DISABLE_SHADOW_HOST_SUFFIX, PILOT_SPAWN_UPSTREAM_SPAN_FOR_GATEWAY; 1.29: DISABLE_TRACK_REMAINING_CB_METRICS, cni.ambient.reconcileIptablesOnStartup.
    '1.27': {
      istiodEnv: {
        DISABLE_SHADOW_HOST_SUFFIX: 'false',
        DISABLE_TRACK_REMAINING_CB_METRICS: 'false',
        PILOT_SPAWN_UPSTREAM_SPAN_FOR_GATEWAY: 'false',
      },
      notRendered: ['cni.ambient.reconcileIptablesOnStartup=false'],
    },
    // 1.29: DISABLE_TRACK_REMAINING_CB_METRICS, cni.ambient.reconcileIptablesOnStartup.
    '1.28': {
      istiodEnv: {
        DISABLE_TRACK_REMAINING_CB_METRICS: 'false',
      },
      notRendered: ['cni.ambient.reconcileIptablesOnStartup=false'],
    },
  },
  '1.30': {
    // 1.26: ambient.shareHostNetworkNamespace; 1.27: ENABLE_NATIVE_SIDECARS; 1.28: DISABLE_SHADOW_HOST_SUFFIX, PILOT_SPAWN_UPSTREAM_SPAN_FOR_GATEWAY; 1.29: DISABLE_TRACK_REMAINING_CB_METRICS, cni.ambient.reconcileIptablesOnStartup; 1.30: PILOT_SIDECAR_PICK_BEST_SERVICE_NAMESPACE.
    '1.25': {
      istiodEnv: {
        DISABLE_SHADOW_HOST_SUFFIX: 'false',
        DISABLE_TRACK_REMAINING_CB_METRICS: 'false',
        ENABLE_NATIVE_SIDECARS: 'false',
        PILOT_SIDECAR_PICK_BEST_SERVICE_NAMESPACE: 'false',
        PILOT_SPAWN_UPSTREAM_SPAN_FOR_GATEWAY: 'false',
      },
      notRendered: ['ambient.shareHostNetworkNamespace=true', 'cni.ambient.reconcileIptablesOnStartup=false'],
    },
    // 1.27: ENABLE_NATIVE_SIDECARS; 1.28: DISABLE_SHADOW_HOST_SUFFIX, PILOT_SPAWN_UPSTREAM_SPAN_FOR_GATEWAY; 1.29: DISABLE_TRACK_REMAINING_CB_METRICS, cni.ambient.reconcileIptablesOnStartup; 1.30: PILOT_SIDECAR_PICK_BEST_SERVICE_NAMESPACE.
    '1.26': {
      istiodEnv: {
        DISABLE_SHADOW_HOST_SUFFIX: 'false',
        DISABLE_TRACK_REMAINING_CB_METRICS: 'false',
        ENABLE_NATIVE_SIDECARS: 'false',
        PILOT_SIDECAR_PICK_BEST_SERVICE_NAMESPACE: 'false',
        PILOT_SPAWN_UPSTREAM_SPAN_FOR_GATEWAY: 'false',
      },
      notRendered: ['cni.ambient.reconcileIptablesOnStartup=false'],
    },
    // 1.28: DISABLE_SHADOW_HOST_SUFFIX, PILOT_SPAWN_UPSTREAM_SPAN_FOR_GATEWAY; 1.29: DISABLE_TRACK_REMAINING_CB_METRICS, cni.ambient.reconcileIptablesOnStartup; 1.30: PILOT_SIDECAR_PICK_BEST_SERVICE_NAMESPACE.
    '1.27': {
      istiodEnv: {
        DISABLE_SHADOW_HOST_SUFFIX: 'false',
        DISABLE_TRACK_REMAINING_CB_METRICS: 'false',
        PILOT_SIDECAR_PICK_BEST_SERVICE_NAMESPACE: 'false',
        PILOT_SPAWN_UPSTREAM_SPAN_FOR_GATEWAY: 'false',
      },
      notRendered: ['cni.ambient.reconcileIptablesOnStartup=false'],
    },
    // 1.29: DISABLE_TRACK_REMAINING_CB_METRICS, cni.ambient.reconcileIptablesOnStartup; 1.30: PILOT_SIDECAR_PICK_BEST_SERVICE_NAMESPACE.
    '1.28': {
      istiodEnv: {
        DISABLE_TRACK_REMAINING_CB_METRICS: 'false',
        PILOT_SIDECAR_PICK_BEST_SERVICE_NAMESPACE: 'false',
      },
      notRendered: ['cni.ambient.reconcileIptablesOnStartup=false'],
    },
    // 1.30: PILOT_SIDECAR_PICK_BEST_SERVICE_NAMESPACE.
    '1.29': {
      istiodEnv: {
        PILOT_SIDECAR_PICK_BEST_SERVICE_NAMESPACE: 'false',
      },
      notRendered: [],
    },
  },
};
