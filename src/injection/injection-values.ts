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
