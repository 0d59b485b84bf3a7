/**
 * Paths into the injector `values` the templates read, named once. The values document
 * itself is built in control-plane/sidecar-injector-config.ts; a test checks that every path
 * used here exists there.
 */
export const V = {
  hub: '$.Values.global.hub',
  pilotCertProvider: '$.Values.global.pilotCertProvider',
  caAddress: '$.Values.global.caAddress',
  istioNamespace: '$.Values.global.istioNamespace',
  logLevel: '$.Values.global.logging.level',
  logAsJson: '$.Values.global.logAsJson',
  imagePullPolicy: '$.Values.global.imagePullPolicy',
  imagePullSecrets: '$.Values.global.imagePullSecrets',
  meshID: '$.Values.global.meshID',
  network: '$.Values.global.network',
  clusterName: '$.Values.global.multiCluster.clusterName',
  nativeNftables: '$.Values.global.nativeNftables',
  forceApplyIptables: '$.Values.global.proxy_init.forceApplyIptables',
  tokenAudience: '$.Values.global.sds.token.aud',
  revision: '$.Values.revision',
  mountMtlsCerts: '$.Values.global.mountMtlsCerts',
  cniEnabled: '$.Values.pilot.cni.enabled',
  cniProvider: '$.Values.pilot.cni.provider',
  proxy: {
    clusterDomain: '$.Values.global.proxy.clusterDomain',
    logLevel: '$.Values.global.proxy.logLevel',
    componentLogLevel: '$.Values.global.proxy.componentLogLevel',
    statusPort: '$.Values.global.proxy.statusPort',
    includeIPRanges: '$.Values.global.proxy.includeIPRanges',
    excludeIPRanges: '$.Values.global.proxy.excludeIPRanges',
    includeInboundPorts: '$.Values.global.proxy.includeInboundPorts',
    excludeInboundPorts: '$.Values.global.proxy.excludeInboundPorts',
    includeOutboundPorts: '$.Values.global.proxy.includeOutboundPorts',
    excludeOutboundPorts: '$.Values.global.proxy.excludeOutboundPorts',
    readinessFailureThreshold: '$.Values.global.proxy.readinessFailureThreshold',
    readinessInitialDelaySeconds: '$.Values.global.proxy.readinessInitialDelaySeconds',
    readinessPeriodSeconds: '$.Values.global.proxy.readinessPeriodSeconds',
    resources: '$.Values.global.proxy.resources',
    startupProbeEnabled: '$.Values.global.proxy.startupProbe.enabled',
    startupProbeFailureThreshold: '$.Values.global.proxy.startupProbe.failureThreshold',
    privileged: '$.Values.global.proxy.privileged',
    seccompProfile: '$.Values.global.proxy.seccompProfile',
  },
} as const;

/** Every `.Values` path in a template text, e.g. `global.proxy.logLevel`. */
export function valuesPathsIn(template: string): string[] {
  const paths = new Set<string>();
  for (const m of template.matchAll(/\$?\.Values((?:\.[A-Za-z_][A-Za-z0-9_]*)+)/g)) paths.add(m[1].slice(1));
  return [...paths].sort();
}

/**
 * Values istiod's own Go code reads (pkg/kube/inject, and the Gateway API deployment
 * controller), beside those the templates read. docs/injection.md lists them; a test checks
 * that each `rendered` one is in the values document and each other one is not.
 */
export interface IstiodValue {
  readonly path: string;
  /** Where in istiod, and what for. */
  readonly readBy: string;
  /** Rendered by meshc; if not, why istiod still behaves as the fleet says. */
  readonly rendered: true | { readonly instead: string };
}

export const ISTIOD_VALUES: readonly IstiodValue[] = [
  { path: 'global.hub', readBy: '`ProxyImage` (inject.go): registry of the injected proxy image', rendered: true },
  { path: 'global.tag', readBy: '`ProxyImage` (inject.go): tag of the proxy image', rendered: true },
  { path: 'global.variant', readBy: '`ProxyImage` (inject.go): image variant (e.g. `distroless`), unless the mesh config or `sidecar.istio.io/proxyImageType` names one', rendered: true },
  { path: 'global.proxy.image', readBy: '`ProxyImage` (inject.go): name of the proxy image', rendered: true },
  {
    path: 'global.multiCluster.clusterName',
    readBy: '`extractClusterAndNetwork` (inject.go): `ISTIO_META_CLUSTER_ID` of the proxy, moved to the end of its env when set',
    rendered: true,
  },
  {
    path: 'global.network',
    readBy: '`extractClusterAndNetwork` (inject.go): `ISTIO_META_NETWORK`; the Gateway API deployment controller: the network label of gateways it deploys',
    rendered: true,
  },
  {
    path: 'global.proxy.holdApplicationUntilProxyStarts',
    readBy: '`reorderPod` (webhook.go): puts the proxy first among the containers',
    rendered: { instead: 'meshc sets `holdApplicationUntilProxyStarts` in the mesh config\'s `defaultConfig`, which `reorderPod` reads too (either one is enough)' },
  },
  { path: 'sidecarInjectorWebhook.rewriteAppHTTPProbe', readBy: '`applyRewrite` (webhook.go): rewrite application probes to the proxy\'s status port', rendered: true },
];
