/**
 * Mesh-wide behaviour from the fleet file, as MeshConfig fields, proxy defaults and istiod
 * flags, with the checks that need more than the schema.
 */
import type { ResolveContext } from '../config/resolve-context';
import type { Static } from '../config/schema-builder';
import type { ExtensionProviderSchema, MeshSettingsSchema, ProxyConfigSchema } from '../config/mesh-settings-schema';
import { WIRING_PROXY_METADATA } from '../fleet/mesh-wiring';
import { didYouMean } from '../util/did-you-mean';
import type { EnvVar } from './istiod-env';

type MeshSettingsInput = Static<typeof MeshSettingsSchema>;
type ExtensionProvider = Static<typeof ExtensionProviderSchema>;
type ProxyConfigInput = Static<typeof ProxyConfigSchema>;

export interface MeshSettings {
  readonly outboundTrafficPolicy: 'ALLOW_ANY' | 'REGISTRY_ONLY';
  readonly dnsProxying: boolean;
  readonly dnsAutoAllocate: boolean;
  readonly prometheusMerge: boolean;
  readonly http10: boolean;
  readonly idleTimeout?: string;
  readonly accessLogging: { readonly enabled: boolean; readonly encoding: 'TEXT' | 'JSON'; readonly format?: string };
  readonly proxyStatsInclusionRegexps: readonly string[];
  readonly extensionProviders: readonly ExtensionProvider[];
  /** Typed ProxyConfig defaults, as written (proxy metadata checked against meshc's own). */
  readonly proxyConfig: ProxyConfigInput;
  readonly meshConfig: Readonly<Record<string, unknown>>;
}

/** Top-level MeshConfig fields (Istio 1.28–1.30), for checking the escape hatch. */
export const MESH_CONFIG_FIELDS = [
  'proxyListenPort', 'proxyInboundListenPort', 'proxyHttpPort', 'connectTimeout', 'protocolDetectionTimeout', 'tcpKeepalive',
  'ingressClass', 'ingressService', 'ingressControllerMode', 'ingressSelector', 'enableTracing', 'accessLogFile',
  'accessLogFormat', 'accessLogEncoding', 'enableEnvoyAccessLogService', 'disableEnvoyListenerLog', 'defaultConfig',
  'outboundTrafficPolicy', 'inboundTrafficPolicy', 'configSources', 'enableAutoMtls', 'trustDomain', 'trustDomainAliases',
  'caCertificates', 'defaultServiceExportTo', 'defaultVirtualServiceExportTo', 'defaultDestinationRuleExportTo',
  'rootNamespace', 'localityLbSetting', 'dnsRefreshRate', 'h2UpgradePolicy', 'inboundClusterStatName',
  'outboundClusterStatName', 'certificates', 'thriftConfig', 'serviceSettings', 'enablePrometheusMerge',
  'verifyCertificateAtClient', 'ca', 'extensionProviders', 'defaultProviders', 'discoverySelectors', 'pathNormalization',
  'defaultHttpRetryPolicy', 'meshMTLS', 'tlsDefaults', 'serviceScopeConfigs',
] as const;

/** Fields meshc sets from typed settings; the escape hatch must not fight them. */
const MANAGED_FIELDS = ['rootNamespace', 'trustDomain', 'trustDomainAliases', 'defaultConfig', 'extensionProviders', 'outboundTrafficPolicy', 'enablePrometheusMerge', 'accessLogFile', 'accessLogEncoding', 'accessLogFormat'];

const HTTP_ONLY: (keyof ExtensionProvider)[] = ['pathPrefix', 'includeRequestHeadersInCheck', 'headersToUpstreamOnAllow', 'headersToDownstreamOnDeny'];

/** Envoy matches stats with RE2, which has no lookaround and no backreferences. */
function re2Problem(source: string): string | undefined {
  try {
    new RegExp(source);
  } catch (err) {
    return (err as Error).message.replace(/^Invalid regular expression: /, '');
  }
  if (/\(\?<?[=!]/.test(source)) return 'lookaround (?=, ?!, ?<=, ?<!) is not supported by RE2';
  if (/\\[1-9]|\\k</.test(source)) return 'backreferences are not supported by RE2';
  return undefined;
}

export function resolveMeshSettings(input: MeshSettingsInput | undefined, ctx: ResolveContext): MeshSettings {
  const m = input ?? {};
  (m.proxyStatsInclusionRegexps ?? []).forEach((re, i) => {
    const problem = re2Problem(re);
    if (problem) ctx.fail(['mesh', 'proxyStatsInclusionRegexps', i], `"${re}" is not a valid regular expression: ${problem}`);
  });
  const names = new Map<string, number>();
  (m.extensionProviders ?? []).forEach((p, i) => {
    if (names.has(p.name)) ctx.fail(['mesh', 'extensionProviders', i, 'name'], `extension provider "${p.name}" is defined twice`);
    names.set(p.name, i);
    if ((p.type ?? 'http') === 'grpc') {
      for (const f of HTTP_ONLY) if (p[f] !== undefined) ctx.fail(['mesh', 'extensionProviders', i, f], `${f} applies only to type http`);
    }
  });
  if (m.dnsAutoAllocate) {
    ctx.warn(
      ['mesh', 'dnsAutoAllocate'],
      'dnsAutoAllocate sets ISTIO_META_DNS_AUTO_ALLOCATE, which Istio deprecates since 1.25: istiod itself gives ServiceEntries without addresses one (PILOT_ENABLE_IP_AUTOALLOCATE, on by default) and DNS proxying answers with it; remove dnsAutoAllocate',
    );
  }
  for (const key of Object.keys(m.proxyConfig?.proxyMetadata ?? {})) {
    const owner = MESH_SETTINGS_PROXY_METADATA[key] ?? WIRING_PROXY_METADATA[key];
    if (owner) ctx.fail(['mesh', 'proxyConfig', 'proxyMetadata', key], `proxy metadata ${key} is set by meshc from ${owner}; use that setting instead`);
  }
  for (const key of Object.keys(m.meshConfig ?? {})) {
    if (MANAGED_FIELDS.includes(key)) {
      const instead = key === 'defaultConfig' ? 'mesh.proxyConfig and the sidecar settings' : 'those';
      ctx.fail(['mesh', 'meshConfig', key], `MeshConfig field "${key}" is set by meshc from typed settings; use ${instead} instead`);
    } else if (!(MESH_CONFIG_FIELDS as readonly string[]).includes(key)) {
      const hint = didYouMean(key, MESH_CONFIG_FIELDS);
      ctx.fail(['mesh', 'meshConfig', key], `unknown MeshConfig field "${key}"${hint ? `; did you mean "${hint}"?` : ''}`);
    }
  }
  return {
    outboundTrafficPolicy: m.outboundTrafficPolicy ?? 'ALLOW_ANY',
    dnsProxying: m.dnsProxying ?? false,
    dnsAutoAllocate: m.dnsAutoAllocate ?? false,
    prometheusMerge: m.prometheusMerge ?? true,
    http10: m.http10 ?? false,
    idleTimeout: m.idleTimeout,
    accessLogging: { enabled: m.accessLogging?.enabled ?? false, encoding: m.accessLogging?.encoding ?? 'TEXT', format: m.accessLogging?.format },
    proxyStatsInclusionRegexps: m.proxyStatsInclusionRegexps ?? [],
    extensionProviders: m.extensionProviders ?? [],
    proxyConfig: m.proxyConfig ?? {},
    meshConfig: (m.meshConfig ?? {}) as Record<string, unknown>,
  };
}

/** Top-level MeshConfig fields; defaults stay unrendered so the default install matches upstream's. */
export function meshSettingsConfig(s: MeshSettings): Record<string, unknown> {
  return {
    ...(s.outboundTrafficPolicy !== 'ALLOW_ANY' ? { outboundTrafficPolicy: { mode: s.outboundTrafficPolicy } } : {}),
    enablePrometheusMerge: s.prometheusMerge,
    ...(s.accessLogging.enabled
      ? {
          accessLogFile: '/dev/stdout',
          accessLogEncoding: s.accessLogging.encoding,
          ...(s.accessLogging.format ? { accessLogFormat: s.accessLogging.format } : {}),
        }
      : {}),
    ...(s.extensionProviders.length ? { extensionProviders: s.extensionProviders.map(extensionProvider) } : {}),
    ...s.meshConfig,
  };
}

function extensionProvider(p: ExtensionProvider): Record<string, unknown> {
  const common = {
    service: p.service,
    port: p.port,
    ...(p.timeout ? { timeout: p.timeout } : {}),
    ...(p.failOpen ? { failOpen: true } : {}),
  };
  if ((p.type ?? 'http') === 'grpc') return { name: p.name, envoyExtAuthzGrpc: common };
  return {
    name: p.name,
    envoyExtAuthzHttp: {
      ...common,
      ...(p.pathPrefix ? { pathPrefix: p.pathPrefix } : {}),
      ...(p.includeRequestHeadersInCheck?.length ? { includeRequestHeadersInCheck: p.includeRequestHeadersInCheck } : {}),
      ...(p.headersToUpstreamOnAllow?.length ? { headersToUpstreamOnAllow: p.headersToUpstreamOnAllow } : {}),
      ...(p.headersToDownstreamOnDeny?.length ? { headersToDownstreamOnDeny: p.headersToDownstreamOnDeny } : {}),
    },
  };
}

const DNS_CAPTURE = 'ISTIO_META_DNS_CAPTURE';
const DNS_AUTO_ALLOCATE = 'ISTIO_META_DNS_AUTO_ALLOCATE';
const IDLE_TIMEOUT = 'ISTIO_META_IDLE_TIMEOUT';
/** Proxy metadata the mesh settings own, by the setting each comes from; a gateway may not set them itself. */
export const MESH_SETTINGS_PROXY_METADATA: Readonly<Record<string, string>> = {
  [DNS_CAPTURE]: '`mesh.dnsProxying`',
  [DNS_AUTO_ALLOCATE]: '`mesh.dnsAutoAllocate`',
  [IDLE_TIMEOUT]: '`mesh.idleTimeout`',
};

/** `defaultConfig` (ProxyConfig) fields: what every proxy starts with. */
export function meshSettingsProxyDefaults(s: MeshSettings): Record<string, unknown> {
  const { proxyMetadata: own, ...typed } = s.proxyConfig;
  const metadata: Record<string, string> = {
    ...own,
    ...(s.dnsProxying ? { [DNS_CAPTURE]: 'true' } : {}),
    ...(s.dnsProxying && s.dnsAutoAllocate ? { [DNS_AUTO_ALLOCATE]: 'true' } : {}),
    ...(s.idleTimeout ? { [IDLE_TIMEOUT]: s.idleTimeout } : {}),
  };
  return {
    ...typed,
    ...(Object.keys(metadata).length ? { proxyMetadata: metadata } : {}),
    ...(s.proxyStatsInclusionRegexps.length ? { proxyStatsMatcher: { inclusionRegexps: [...s.proxyStatsInclusionRegexps] } } : {}),
  };
}

/** istiod feature flags the mesh settings set. */
export function meshSettingsIstiodEnv(s: MeshSettings): EnvVar[] {
  return s.http10 ? [{ name: 'PILOT_HTTP10', value: 'true' }] : [];
}
