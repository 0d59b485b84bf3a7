/**
 * Fleet-file schema of mesh-wide behaviour: traffic policy, DNS proxying, telemetry,
 * external authorizers, and a checked escape hatch for any other MeshConfig field.
 */
import { arr, bool, int, num, obj, oneOfStrings, record, str } from './schema-builder';
import { DURATION, ENV_NAME } from './patterns';

const duration = (description: string) => str({ description, pattern: DURATION, patternMessage: 'must be a duration such as 5s or 1m30s' });

/**
 * ProxyConfig fields every proxy starts with (MeshConfig `defaultConfig`) that meshc types; the
 * fields meshc sets itself come from other settings (docs/injection.md lists them).
 */
export const ProxyConfigSchema = obj(
  {
    concurrency: int({ description: 'Envoy worker threads; 0: one per core of the node. Unset: as Istio decides from the proxy\'s CPU limit.', minimum: 0 }),
    drainDuration: duration('How long the proxy drains connections on a hot restart and on shutdown (Istio\'s default 45s).'),
    terminationDrainDuration: duration('How long the proxy keeps serving after the pod is told to stop, before it exits (Istio\'s default 5s).'),
    tracing: obj(
      {
        sampling: num({ description: 'Percentage of requests traced (0 to 100).', minimum: 0, maximum: 100 }),
        zipkin: obj(
          { address: str({ description: 'Collector address, host:port.', pattern: '^[A-Za-z0-9.-]+:[0-9]{1,5}$', patternMessage: 'must be host:port, e.g. zipkin.istio-system:9411' }) },
          { description: 'Trace to a Zipkin collector.', required: ['address'] },
        ),
        maxPathTagLength: int({ description: 'Longest request path recorded in a span tag.', minimum: 1 }),
      },
      { description: 'The proxy\'s own tracer. `{}` turns it off (Istio otherwise sends to zipkin.istio-system:9411); providers of the Telemetry API do not need it.' },
    ),
    proxyMetadata: record(str(), {
      description: 'Environment of every proxy agent (e.g. ISTIO_META_* feature switches). Names meshc sets from other settings are refused.',
      keyPattern: ENV_NAME,
    }),
  },
  {
    description: 'Defaults of every proxy\'s ProxyConfig (MeshConfig `defaultConfig`); a pod overrides them with the `proxy.istio.io/config` annotation.',
    setBy: {
      discoveryAddress: 'the control plane of the proxy\'s revision',
      meshId: '`meshId`',
      holdApplicationUntilProxyStarts: '`sidecar.holdApplicationUntilProxyStarts`',
      interceptionMode: '`sidecar.interceptionMode`',
      proxyStatsMatcher: '`mesh.proxyStatsInclusionRegexps`',
      gatewayTopology: 'the gateways\' `numTrustedProxies` and `forwardClientCertDetails`',
    },
  },
);


const HEADER = '^[A-Za-z0-9!#$%&\'*+.^_`|~-]+$';
const headers = (description: string) =>
  arr(str({ pattern: HEADER, patternMessage: 'must be an HTTP header name' }), { description, uniqueItems: true });

export const ExtensionProviderSchema = obj(
  {
    name: str({ description: 'Name AuthorizationPolicies refer to (`provider.name`).', pattern: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$', patternMessage: 'must be lower case letters, digits, - and .' }),
    type: oneOfStrings(['http', 'grpc'] as const, { description: 'Protocol of the authorizer: Envoy ext_authz over HTTP or gRPC.', default: 'http' }),
    service: str({ description: 'Service of the authorizer, `<name>.<namespace>.svc.<domain>` or a ServiceEntry host.', pattern: '^[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?$', patternMessage: 'must be a host name such as oauth2-proxy.auth.svc.cluster.local' }),
    port: int({ description: 'Port of the authorizer.', minimum: 1, maximum: 65535 }),
    timeout: str({ description: 'How long to wait for a decision.', pattern: DURATION, patternMessage: 'must be a duration such as 500ms or 2s' }),
    failOpen: bool({ description: 'Allow the request when the authorizer cannot be reached.', default: false }),
    pathPrefix: str({ description: 'Prefix added to the path of checks (HTTP only).', pattern: '^/', patternMessage: 'must start with /' }),
    includeRequestHeadersInCheck: headers('Request headers sent to the authorizer (HTTP only).'),
    headersToUpstreamOnAllow: headers('Authorizer response headers added to the request when allowed (HTTP only).'),
    headersToDownstreamOnDeny: headers('Authorizer response headers returned to the client when denied (HTTP only).'),
  },
  { required: ['name', 'service', 'port'], description: 'An external authorizer, for AuthorizationPolicies with action CUSTOM.' },
);

export const MeshSettingsSchema = obj(
  {
    outboundTrafficPolicy: oneOfStrings(['ALLOW_ANY', 'REGISTRY_ONLY'] as const, {
      description: 'Whether proxies pass traffic to hosts the mesh does not know (ALLOW_ANY) or only to registered ones (REGISTRY_ONLY).',
      default: 'ALLOW_ANY',
    }),
    dnsProxying: bool({ description: 'Proxies answer DNS queries themselves (ISTIO_META_DNS_CAPTURE), resolving ServiceEntry hosts.', default: false }),
    dnsAutoAllocate: bool({
      description: 'With DNS proxying, give ServiceEntry hosts without addresses a virtual IP in the proxy (ISTIO_META_DNS_AUTO_ALLOCATE). Deprecated by Istio, with a warning: istiod now allocates those addresses itself, by default.',
      default: false,
    }),
    prometheusMerge: bool({ description: 'Merge application metrics into the proxy\'s Prometheus endpoint (enablePrometheusMerge).', default: true }),
    http10: bool({ description: 'Accept HTTP/1.0 requests (istiod PILOT_HTTP10).', default: false }),
    idleTimeout: str({ description: 'Idle timeout of proxied TCP connections (ISTIO_META_IDLE_TIMEOUT); unset: Envoy\'s 1h.', pattern: DURATION, patternMessage: 'must be a duration such as 30m or 1h' }),
    accessLogging: obj(
      {
        enabled: bool({ description: 'Proxies write access logs to their standard output.', default: false }),
        encoding: oneOfStrings(['TEXT', 'JSON'] as const, { description: 'Log line format.', default: 'TEXT' }),
        format: str({ description: 'Envoy format string; unset: Istio\'s default format.', minLength: 1 }),
      },
      { description: 'Proxy access logs.' },
    ),
    proxyStatsInclusionRegexps: arr(str({ minLength: 1 }), {
      description: 'Extra Envoy statistics the proxies export, by name (RE2 regular expressions, checked).',
      uniqueItems: true,
    }),
    extensionProviders: arr(ExtensionProviderSchema, { description: 'External authorizers.' }),
    proxyConfig: ProxyConfigSchema,
    meshConfig: record({ json: {} } as { json: Record<string, unknown>; __type?: unknown }, {
      description: 'Escape hatch: further MeshConfig fields, merged over what meshc renders. Field names are checked against MeshConfig.',
    }),
  },
  { description: 'Mesh-wide behaviour (MeshConfig).' },
);
