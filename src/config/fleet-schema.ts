/**
 * The fleet file's schema: the single source of truth for both the JSON Schema (validation,
 * editor completion, reference docs) and the TypeScript types of the raw input.
 */
import { arr, bool, int, literal, num, obj, oneOfStrings, record, str, type Static } from './schema-builder';
import { CniSchema } from './cni-schema';
import { IstioSchema } from './istio-schema';
import { CaSchema, TopologyFleetSettings, TopologySettings } from './topology-schema';
import { DataPlaneSyncSchema } from './data-plane-sync-schema';
import { DeliverySchema, DestinationSchema } from './delivery-schema';
import { MeshSettingsSchema } from './mesh-settings-schema';
import { GatewaysSchema } from './gateways-schema';
import { PoliciesSchema, TrustDomainAliasesSchema } from './policies-schema';
import { autoscaleSchema, proxyResourcesSchema, resourcesSchema, rolloutSchema, SchedulingSchemaProps } from './tuning-schema';
import { DNS_LABEL, DNS_LABEL_MESSAGE, DNS_SUBDOMAIN, DURATION, ENV_NAME, IP_CIDR, IP_CIDR_MESSAGE, LABEL_VALUE, LABEL_VALUE_MESSAGE } from './patterns';
export type { ResourcesInput } from './tuning-schema';

export const FLEET_API_VERSION = 'meshc.dev/v1alpha1';
export const FLEET_KIND = 'Fleet';
/** Where the schema is published in the repository (and the npm package), for editors. */
export const SCHEMA_PATH = 'schema/mesh.schema.json';

const LOG_SCOPES = '^[a-z][a-z0-9-]*:(debug|info|warn|error|none)(,[a-z][a-z0-9-]*:(debug|info|warn|error|none))*$';

export const IstiodSchema = obj(
  {
    autoscale: autoscaleSchema('istiod', { min: 1, max: 5, targetCPUUtilization: 80 }),
    replicas: int({ description: 'Fixed replica count, used only when autoscaling is off.', default: 1, minimum: 1 }),
    resources: resourcesSchema({ requests: { cpu: '500m', memory: '2048Mi' } }),
    rollout: rolloutSchema({ maxSurge: '100%', maxUnavailable: '25%' }),
    ...SchedulingSchemaProps,
    logLevel: str({
      description: 'Log output level per scope, as istiod\'s `--log_output_level`.',
      default: 'default:info',
      pattern: LOG_SCOPES,
      patternMessage: 'must be scope:level pairs separated by commas, e.g. default:info,ads:debug (levels: debug, info, warn, error, none)',
    }),
    logAsJson: bool({ description: 'Log as JSON instead of text.', default: false }),
    traceSampling: num({ description: 'Percentage of requests traced by the proxies (PILOT_TRACE_SAMPLING).', default: 1, minimum: 0, maximum: 100 }),
    keepaliveMaxServerConnectionAge: str({
      description: 'Maximum age of a proxy\'s xDS connection before istiod asks it to reconnect, spreading load after scale-ups.',
      default: '30m',
      pattern: DURATION,
      patternMessage: 'must be a duration such as 30m, 1h or 90s',
    }),
    enableAnalysis: bool({ description: 'Run configuration analysis inside istiod and report into resource status.', default: false }),
    jwksBlockedCIDRs: arr(str({ pattern: IP_CIDR, patternMessage: IP_CIDR_MESSAGE }), {
      description:
        'Address ranges istiod never connects to when it fetches the signing keys of a RequestAuthentication issuer (`jwksUri`, or OpenID discovery), whatever the name resolves to (`BLOCKED_CIDRS_IN_JWKS_URIS`). ' +
        'The default blocks what a key URL never legitimately points at: "this host" (0.0.0.0/8, ::/128, which Linux connects to itself), loopback and link-local addresses, cloud metadata endpoints such as 169.254.169.254 included. ' +
        'Add private ranges no issuer lives in; an empty list lifts the restriction.',
      default: ['0.0.0.0/8', '127.0.0.0/8', '169.254.0.0/16', '::/128', '::1/128', 'fe80::/10'],
      uniqueItems: true,
    }),
    env: record(str(), {
      description: 'Extra environment variables for istiod (feature flags). Variables meshc sets itself cannot be overridden here.',
      keyPattern: ENV_NAME,
    }),
  },
  { description: 'The istiod control-plane Deployment.' },
);

export const ControlPlaneSchema = obj(
  {
    caAddress: str({ description: 'Address of the CA proxies request certificates from. Unset: istiod of this revision.', pattern: '^[A-Za-z0-9.-]+:[0-9]{1,5}$', patternMessage: 'must be host:port, e.g. cert-manager-istio-csr.cert-manager.svc:443' }),
    namespace: str({ description: 'Namespace of the control plane; also Istio\'s root namespace.', default: 'istio-system', pattern: DNS_LABEL, patternMessage: DNS_LABEL_MESSAGE }),
    istiod: IstiodSchema,
  },
  { description: 'The control plane: istiod, its RBAC, webhooks and mesh configuration.' },
);

export const SecuritySchema = obj(
  {
    meshMtls: oneOfStrings(['STRICT', 'PERMISSIVE', 'off'] as const, {
      description: 'Mesh-wide PeerAuthentication in the root namespace. `off` renders none (Istio then behaves as PERMISSIVE).',
      default: 'STRICT',
    }),
    ca: CaSchema,
  },
  { description: 'Mesh-wide security defaults.' },
);

const LabelSelectorSchema = obj(
  {
    matchLabels: record(str(), { description: 'Labels the pod must carry, all of them.' }),
    matchExpressions: arr(
      obj(
        {
          key: str({ description: 'Label key.', minLength: 1 }),
          operator: oneOfStrings(['In', 'NotIn', 'Exists', 'DoesNotExist'] as const, { description: 'How the key relates to the values.' }),
          values: arr(str(), { description: 'Values for In and NotIn.' }),
        },
        { required: ['key', 'operator'] },
      ),
      { description: 'Label requirements, all of them.' },
    ),
  },
  { description: 'A Kubernetes label selector.' },
);

const PORT_LIST = '^([0-9]{1,5}(,[0-9]{1,5})*)?$';
const PORT_LIST_OR_ALL = '^(\\*|([0-9]{1,5}(,[0-9]{1,5})*)?)$';
const CIDR_LIST_OR_ALL = '^(\\*|([0-9a-fA-F.:]+/[0-9]{1,3}(,[0-9a-fA-F.:]+/[0-9]{1,3})*)?)$';

export const SidecarSchema = obj(
  {
    injection: oneOfStrings(['enabled', 'disabled'] as const, {
      description: 'Injector policy: `enabled` injects pods in namespaces labelled for injection unless they opt out; `disabled` injects only pods that opt in with the `sidecar.istio.io/inject: "true"` label.',
      default: 'enabled',
    }),
    neverInjectSelector: arr(LabelSelectorSchema, { description: 'Pods matching any of these selectors are never injected, whatever their namespace says.' }),
    alwaysInjectSelector: arr(LabelSelectorSchema, { description: 'Pods matching any of these selectors are injected even when the policy is `disabled`.' }),
    resources: proxyResourcesSchema({ requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '2000m', memory: '1024Mi' } }),
    holdApplicationUntilProxyStarts: bool({
      description: 'Start application containers only once the proxy is ready, so they never run without the mesh.',
      default: false,
    }),
    interceptionMode: oneOfStrings(['REDIRECT', 'TPROXY'] as const, {
      description: 'How inbound traffic is captured: REDIRECT (NAT) or TPROXY (keeps the source address; needs NET_ADMIN).',
      default: 'REDIRECT',
    }),
    rewriteAppProbes: bool({
      description: 'Point application HTTP, TCP and gRPC probes at the proxy\'s status port, which forwards them in plain text: under STRICT mTLS the kubelet, outside the mesh, cannot reach the application otherwise. A pod overrides it with the `sidecar.istio.io/rewriteAppHTTPProbers` annotation.',
      default: true,
    }),
    nativeSidecars: bool({
      description: 'Run the proxy as a Kubernetes native sidecar (an init container that keeps running); off, as a classic container.',
      default: true,
    }),
    logLevel: oneOfStrings(['trace', 'debug', 'info', 'warning', 'error', 'critical', 'off'] as const, { description: 'Envoy log level.', default: 'warning' }),
    componentLogLevel: str({ description: 'Envoy log level per component, e.g. `misc:error`.', default: 'misc:error', pattern: '^[a-z_]+:(trace|debug|info|warning|error|critical|off)(,[a-z_]+:(trace|debug|info|warning|error|critical|off))*$', patternMessage: 'must be component:level pairs separated by commas, e.g. misc:error' }),
    includeOutboundIPRanges: str({ description: 'Outbound IP ranges captured by the proxy: `*` for all, or comma-separated CIDRs.', default: '*', pattern: CIDR_LIST_OR_ALL, patternMessage: 'must be * or comma-separated CIDRs such as 10.0.0.0/8,172.16.0.0/12' }),
    excludeOutboundIPRanges: str({ description: 'Outbound IP ranges that bypass the proxy, comma-separated CIDRs.', default: '', pattern: CIDR_LIST_OR_ALL, patternMessage: 'must be comma-separated CIDRs such as 169.254.169.254/32' }),
    includeInboundPorts: str({ description: 'Inbound ports captured by the proxy: `*` for all, or comma-separated ports.', default: '*', pattern: PORT_LIST_OR_ALL, patternMessage: 'must be * or comma-separated ports such as 8080,8443' }),
    excludeInboundPorts: str({ description: 'Inbound ports that bypass the proxy, comma-separated.', default: '', pattern: PORT_LIST, patternMessage: 'must be comma-separated ports such as 9090,9091' }),
    excludeOutboundPorts: str({ description: 'Outbound ports that bypass the proxy, comma-separated.', default: '', pattern: PORT_LIST, patternMessage: 'must be comma-separated ports such as 5432' }),
    imagePullPolicy: oneOfStrings(['Always', 'IfNotPresent', 'Never'] as const, { description: 'Pull policy of the injected containers; unset, Kubernetes decides from the tag.' }),
    imagePullSecrets: arr(str({ pattern: DNS_SUBDOMAIN, patternMessage: 'must be the name of a Secret' }), { description: 'Names of existing Secrets to pull the proxy image with.' }),
    templates: record(str({ minLength: 1 }), {
      description: 'Further injection templates istiod knows by name (Go templates of a pod patch, as upstream\'s `sidecarInjectorWebhook.templates`); pods select them with `inject.istio.io/templates`, e.g. `sidecar,spire`. meshc\'s own (`sidecar`, `gateway`, `grpc-agent`, `grpc-simple`) cannot be replaced.',
      keyPattern: DNS_LABEL,
    }),
    mountMtlsCerts: bool({
      description: 'Mount Istio\'s legacy certificate Secret of the pod\'s service account (`istio.<account>`, optional) at `/etc/certs/` in the proxy, for applications that still read mesh certificates from files. The Secret is not created by istiod; something else must provide it.',
      default: false,
    }),
    seccompProfile: oneOfStrings(['RuntimeDefault', 'unset'] as const, {
      description: 'Seccomp profile of the injected containers. `RuntimeDefault` meets the restricted Pod Security Standard; `unset` leaves it to the pod.',
      default: 'RuntimeDefault',
    }),
  },
  { description: 'The injected sidecar proxy and the injector policy.' },
);

/** Everything a cluster can set; `defaults` sets the same fields for every cluster. */
const settings = {
  profile: oneOfStrings(['default', 'production', 'evaluation'] as const, {
    description: 'Installation profile: `default` (upstream Istio\'s defaults), `production` (highly available: replicas spread across nodes and zones, autoscaling, disruption budgets, no unavailable pods during rollouts) or `evaluation` (one small replica of everything). Settings given in the fleet file override the profile.',
    default: 'default',
  }),
  kubernetesVersion: str({
    description: 'Kubernetes minor version of the cluster, checked against the Istio release\'s supported range. Required (here or in `defaults`).',
    pattern: '^1\\.[0-9]+(\\.[0-9]+)?$',
    patternMessage: 'must be a Kubernetes version such as "1.33"',
    examples: ['1.33'],
  }),
  istio: IstioSchema,
  clusterDomain: str({ description: 'DNS suffix of the cluster\'s services.', default: 'cluster.local', pattern: DNS_SUBDOMAIN, patternMessage: 'must be a DNS name such as cluster.local' }),
  network: str({ description: 'Network the cluster\'s workloads are on; clusters on one network reach each other\'s pods directly. Unset: a single network.', pattern: LABEL_VALUE, minLength: 1, patternMessage: LABEL_VALUE_MESSAGE }),
  trustDomain: str({ description: 'SPIFFE trust domain of workload identities.', default: 'cluster.local', pattern: DNS_SUBDOMAIN, patternMessage: 'must be a DNS name such as cluster.local or example.com' }),
  trustDomainAliases: TrustDomainAliasesSchema,
  meshId: str({ description: 'Mesh identifier; unset, Istio uses the trust domain.', pattern: LABEL_VALUE, minLength: 1, patternMessage: LABEL_VALUE_MESSAGE }),
  clusterId: str({ description: 'Istio cluster id, used in identities of multicluster meshes and proxy metadata. Unset: the cluster name.', pattern: LABEL_VALUE, minLength: 1, patternMessage: LABEL_VALUE_MESSAGE }),
  controlPlane: ControlPlaneSchema,
  sidecar: SidecarSchema,
  gateways: GatewaysSchema,
  cni: CniSchema,
  mesh: MeshSettingsSchema,
  security: SecuritySchema,
  policies: PoliciesSchema,
  dataPlaneSync: DataPlaneSyncSchema,
  ...TopologySettings,
};

export const DefaultsSchema = obj(settings, { description: 'Settings applied to every cluster; a cluster overrides any of them (objects merge, lists replace).' });

export const ClusterSchema = obj(
  {
    name: str({ description: 'Cluster name: unique in the fleet, a DNS label; names the output folder and the Istio cluster id.', pattern: DNS_LABEL, patternMessage: DNS_LABEL_MESSAGE }),
    destination: DestinationSchema,
    ...settings,
  },
  { required: ['name'], description: 'One cluster; any field not set comes from `defaults`.' },
);

export const FleetSchema = obj(
  {
    $schema: str({ description: 'Editors may point this at the published schema.' }),
    apiVersion: literal(FLEET_API_VERSION, { description: 'Version of the fleet file format.' }),
    kind: literal(FLEET_KIND, { description: 'Always `Fleet`.' }),
    defaults: DefaultsSchema,
    clusters: arr(ClusterSchema, { minItems: 1, description: 'The clusters of the fleet; each renders to `dist/<name>/`.' }),
    delivery: DeliverySchema,
    ...TopologyFleetSettings,
  },
  { required: ['apiVersion', 'kind', 'clusters'], description: 'A meshc fleet: Istio settings for many clusters.' },
);

export type FleetFile = Static<typeof FleetSchema>;
export type ClusterInput = Static<typeof ClusterSchema>;
export type ClusterSettingsInput = Static<typeof DefaultsSchema>;

/** The JSON Schema document published for editors. */
export function fleetJsonSchema(): Record<string, unknown> {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'meshc fleet file',
    ...FleetSchema.json,
  };
}
