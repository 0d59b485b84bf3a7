/**
 * Fleet-file schema of gateways (ingress, egress, named), their Gateway resources and
 * client-address handling.
 *
 * The ingress gateway's defaults reproduce upstream's `gateway` chart installed as release
 * `istio-ingressgateway` in `istio-ingress`, so that adopting a Helm-installed gateway keeps its
 * Service address and its Deployment selector (which Kubernetes never lets change).
 */
import { arr, bool, int, obj, oneOfStrings, record, str, type Static } from './schema-builder';
import { autoscaleSchema, resourcesSchema, rolloutSchema, SchedulingSchemaProps } from './tuning-schema';
import { CIDR, DNS_LABEL, DNS_LABEL_MESSAGE, DNS_SUBDOMAIN, ENV_NAME, LABEL_KEY, LABEL_VALUE, LABEL_VALUE_MESSAGE } from './patterns';
import { ProxyPorts } from '../injection/proxy-ports';

/** `[namespace/]host`: a namespace (or `.` or `*`) limits which VirtualServices may bind; `*.` wildcards a subdomain. */
const GATEWAY_HOST =
  '^(([a-z0-9]([-a-z0-9]*[a-z0-9])?|\\.|\\*)/)?(\\*|(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)$';

export const GATEWAY_KINDS = ['ingress', 'egress'] as const;

export const FORWARD_CLIENT_CERT_DETAILS = ['SANITIZE', 'FORWARD_ONLY', 'APPEND_FORWARD', 'SANITIZE_SET', 'ALWAYS_FORWARD_ONLY'] as const;
export type ForwardClientCertDetails = (typeof FORWARD_CLIENT_CERT_DETAILS)[number];

const numTrustedProxies = (description: string, dflt?: number) => int({ description, default: dflt, minimum: 0 });
const forwardClientCertDetails = (description: string) => oneOfStrings(FORWARD_CLIENT_CERT_DETAILS, { description });

const ServicePortSchema = obj(
  {
    name: str({ description: 'Port name, unique in the Service. Istio reads the protocol from its prefix (`http2`, `https`, `tcp-...`, `tls-...`).', pattern: DNS_LABEL, patternMessage: DNS_LABEL_MESSAGE }),
    port: int({ description: 'Port the Service (and the load balancer) exposes; Gateway servers listen on these numbers.', minimum: 1, maximum: 65535 }),
    targetPort: int({ description: 'Port of the gateway pod. Unset: the same as `port`.', minimum: 1, maximum: 65535 }),
    protocol: oneOfStrings(['TCP', 'UDP', 'SCTP'] as const, { description: 'Transport protocol.', default: 'TCP' }),
    nodePort: int({ description: 'Fixed node port, for Service types NodePort and LoadBalancer. Unset: Kubernetes picks one.', minimum: 1, maximum: 65535 }),
  },
  { required: ['name', 'port'], description: 'A port of the gateway\'s Service.' },
);

/** Upstream's gateway chart ports: the load balancer's health check on 15021, plain and TLS traffic on 80 and 443. */
const UPSTREAM_PORTS = [
  { name: 'status-port', port: ProxyPorts.HEALTH, targetPort: ProxyPorts.HEALTH, protocol: 'TCP' },
  { name: 'http2', port: 80, targetPort: 80, protocol: 'TCP' },
  { name: 'https', port: 443, targetPort: 443, protocol: 'TCP' },
];

const SERVICE_TYPES = ['LoadBalancer', 'NodePort', 'ClusterIP'] as const;

function serviceSchema(type: (typeof SERVICE_TYPES)[number]) {
  return obj(
    {
      type: oneOfStrings(SERVICE_TYPES, { description: 'How the gateway is reached: a cloud load balancer, a port on every node, or only from inside the cluster.', default: type }),
      annotations: record(str(), { description: 'Annotations of the Service, e.g. to choose an internal or network load balancer.', keyPattern: LABEL_KEY }),
      loadBalancerSourceRanges: arr(str({ pattern: CIDR, patternMessage: 'must be a CIDR such as 203.0.113.0/24' }), {
        description: 'Client address ranges the load balancer admits (type LoadBalancer only). Unset: any.',
        uniqueItems: true,
      }),
      externalTrafficPolicy: oneOfStrings(['Local', 'Cluster'] as const, {
        description: '`Local` keeps the client\'s source address (traffic only reaches nodes running a gateway pod); `Cluster` spreads traffic over all nodes but hides the client address. Not for ClusterIP. Unset: Kubernetes\' default, Cluster.',
      }),
      ports: arr(ServicePortSchema, { description: 'Ports of the Service; the list replaces the default as a whole.', minItems: 1, default: UPSTREAM_PORTS }),
    },
    { description: 'The gateway\'s Service.' },
  );
}

const ServerSchema = obj(
  {
    name: str({ description: 'Name of the server, unique in the gateway; the port name in the Gateway resource.', pattern: DNS_LABEL, patternMessage: DNS_LABEL_MESSAGE }),
    protocol: oneOfStrings(['HTTP', 'HTTPS'] as const, { description: 'HTTP, or HTTPS terminated at the gateway with the certificate in `tls.credentialName`.' }),
    port: int({ description: 'Service port the server listens on. Unset: 80 for HTTP, 443 for HTTPS.', minimum: 1, maximum: 65535 }),
    hosts: arr(str({ pattern: GATEWAY_HOST, patternMessage: 'must be a host such as shop.example.com or *.example.com, optionally prefixed with a namespace: team-a/shop.example.com' }), {
      description: 'Hosts served; a `<namespace>/` prefix limits which namespaces\' VirtualServices may bind to them.',
      minItems: 1,
      uniqueItems: true,
    }),
    tls: obj(
      {
        credentialName: str({
          description: 'Name of the Secret in the gateway\'s namespace holding the certificate and key (`tls.crt`, `tls.key`; `ca.crt` for MUTUAL). Required for HTTPS. Only the name: the key never enters the fleet file.',
          pattern: DNS_SUBDOMAIN,
          patternMessage: 'must be the name of a Secret',
        }),
        mode: oneOfStrings(['SIMPLE', 'MUTUAL'] as const, { description: 'HTTPS only: `SIMPLE` TLS, or `MUTUAL` to require client certificates signed by the Secret\'s `ca.crt`.', default: 'SIMPLE' }),
        httpsRedirect: bool({ description: 'HTTP only: answer every request with a redirect to HTTPS.', default: false }),
      },
      { description: 'TLS settings of the server.' },
    ),
    certificate: obj(
      {
        issuer: str({ description: 'Name of the cert-manager issuer.', pattern: DNS_SUBDOMAIN, patternMessage: 'must be the name of an Issuer or ClusterIssuer' }),
        kind: oneOfStrings(['ClusterIssuer', 'Issuer'] as const, { description: 'Kind of the issuer; an Issuer must live in the gateway\'s namespace.', default: 'ClusterIssuer' }),
      },
      { required: ['issuer'], description: 'HTTPS only: have cert-manager issue the certificate into `tls.credentialName` for the server\'s hosts.' },
    ),
  },
  { required: ['name', 'protocol', 'hosts'], description: 'A server of the gateway: rendered into an Istio Gateway resource named after the gateway.' },
);

export interface GatewayDefaults {
  readonly enabled: boolean;
  readonly name?: string;
  readonly namespace?: string;
  readonly serviceType: (typeof SERVICE_TYPES)[number];
}

/** One gateway's settings; the built-in ones add `name`, named gateways are named by their key. */
function gatewaySpecProps(defaults: GatewayDefaults) {
  return {
    enabled: bool({ description: 'Render this gateway.', default: defaults.enabled }),
    namespace: str({
      description: 'Namespace of the gateway and its Gateway resources and TLS Secrets; rendered with the restricted Pod Security Standard unless it is the control-plane namespace.' +
        (defaults.namespace ? '' : ' Unset: the ingress gateway\'s namespace.'),
      default: defaults.namespace,
      pattern: DNS_LABEL,
      patternMessage: DNS_LABEL_MESSAGE,
    }),
    revision: str({
      description: 'Revision or revision tag whose istiod injects this gateway\'s proxy (the pod label `istio.io/rev`). Unset: the revision serving default injection (the `default` revision or the `default` tag).',
      pattern: DNS_LABEL,
      patternMessage: DNS_LABEL_MESSAGE,
    }),
    labels: record(str({ pattern: LABEL_VALUE, patternMessage: LABEL_VALUE_MESSAGE }), {
      description: 'Labels of the gateway\'s objects and pods. `app` (default: the gateway name) and `istio` (default: the name without its `istio-` prefix) select the pods, in the Deployment and in Gateway resources; changing them replaces the Deployment.',
      keyPattern: LABEL_KEY,
    }),
    service: serviceSchema(defaults.serviceType),
    proxyProtocol: bool({ description: 'Expect the PROXY protocol on every connection, for load balancers that pass the client address that way (e.g. AWS NLB with proxy protocol). Connections without it are refused.', default: false }),
    numTrustedProxies: numTrustedProxies('Overrides `gateways.numTrustedProxies` for this gateway.'),
    forwardClientCertDetails: forwardClientCertDetails('Overrides `gateways.forwardClientCertDetails` for this gateway.'),
    autoscale: autoscaleSchema('the gateway', { min: 1, max: 5, targetCPUUtilization: 80 }),
    replicas: int({ description: 'Fixed replica count, used only when autoscaling is off.', default: 1, minimum: 1 }),
    resources: resourcesSchema({ requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '2000m', memory: '1024Mi' } }),
    rollout: rolloutSchema({ maxSurge: '100%', maxUnavailable: '0' }),
    ...SchedulingSchemaProps,
    topologySpread: oneOfStrings(['none', 'hosts', 'zones', 'hosts-and-zones'] as const, {
      description: 'Spread replicas across nodes and zones (topologySpreadConstraints, ScheduleAnyway), so one node or zone failing never takes the whole gateway down.',
      default: 'hosts-and-zones',
    }),
    servers: arr(ServerSchema, { description: 'Servers of the gateway\'s Istio Gateway resource; none: no Gateway resource is rendered.' }),
    proxyEnv: record(str(), {
      description:
        'Environment variables of the gateway\'s `istio-proxy` container, beside those istiod injects, e.g. `ISTIO_META_REQUESTED_NETWORK_VIEW: <network>` for a gateway that forwards only into its own network. ' +
        'Variables meshc sets on the proxy (cluster id, network, trust domain, proxy metadata of the mesh settings, ...) cannot be set here.',
      keyPattern: ENV_NAME,
    }),
  };
}

function builtinGatewaySchema(defaults: GatewayDefaults & { name: string; namespace: string }, description: string) {
  return obj(
    {
      name: str({ description: 'Name of the Deployment, Service, ServiceAccount and Gateway resource.', default: defaults.name, pattern: DNS_LABEL, patternMessage: DNS_LABEL_MESSAGE }),
      ...gatewaySpecProps(defaults),
    },
    { description },
  );
}

export const IngressGatewaySchema = builtinGatewaySchema(
  { enabled: true, name: 'istio-ingressgateway', namespace: 'istio-ingress', serviceType: 'LoadBalancer' },
  'The ingress gateway: traffic from outside the cluster into the mesh. Defaults match upstream\'s `gateway` chart installed as `istio-ingressgateway` in `istio-ingress`.',
);

export const EgressGatewaySchema = builtinGatewaySchema(
  { enabled: false, name: 'istio-egressgateway', namespace: 'istio-egress', serviceType: 'ClusterIP' },
  'The egress gateway: one exit for traffic leaving the mesh, reached only from inside the cluster.',
);

export const NamedGatewaySchema = obj(gatewaySpecProps({ enabled: true, serviceType: 'LoadBalancer' }), {
  description: 'A further gateway, named by its key.',
});

export const GatewaysSchema = obj(
  {
    ingress: IngressGatewaySchema,
    egress: EgressGatewaySchema,
    named: record(NamedGatewaySchema, {
      description: 'Further gateways, by name (a DNS label naming their Deployment, Service and Gateway resource), e.g. an internal ingress.',
      keyPattern: DNS_LABEL,
    }),
    numTrustedProxies: numTrustedProxies(
      'Proxies (load balancers, CDNs) in front of the gateways that append to X-Forwarded-For: the gateways take the client address from that many entries from the right. 0: the address of the connection.',
      0,
    ),
    forwardClientCertDetails: forwardClientCertDetails(
      'How gateways treat the X-Forwarded-Client-Cert header of requests from clients with a certificate. Unset: Istio\'s default, SANITIZE_SET.',
    ),
  },
  { description: 'Gateways of the cluster: the ingress gateway (on by default), the egress gateway, further named ones, and how they see client addresses.' },
);

export type GatewaysSchemaInput = Static<typeof GatewaysSchema>;
export type NamedGatewayInput = Static<typeof NamedGatewaySchema>;
export type BuiltinGatewayInput = Static<typeof IngressGatewaySchema>;
export type ServerInput = Static<typeof ServerSchema>;
export type ServicePortInput = Static<typeof ServicePortSchema>;
