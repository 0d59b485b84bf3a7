/**
 * Fleet topology: multicluster meshes (one mesh over several clusters) and federations
 * (independent meshes that trust each other and share chosen services), plus the per-cluster
 * facts their checks need (pod and service CIDRs) and the CA material a cluster signs with.
 */
import { arr, bool, int, obj, oneOfStrings, record, str, type Static } from './schema-builder';
import { CIDR, DNS_LABEL, DNS_LABEL_MESSAGE, DNS_SUBDOMAIN, LABEL_VALUE } from './patterns';

/** An IPv4/IPv6 address or a DNS name: where peers reach a gateway. */
const ADDRESS = '^([0-9]{1,3}(\\.[0-9]{1,3}){3}|[0-9a-fA-F:]*:[0-9a-fA-F:.]*|[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)$';
const ADDRESS_MESSAGE = 'must be an IP address or a DNS name, e.g. 203.0.113.10 or eastwest.eu.corp.example';

const addresses = (description: string) =>
  arr(str({ pattern: ADDRESS, patternMessage: ADDRESS_MESSAGE }), { description, minItems: 1, uniqueItems: true });

const SERVICE_TYPES = ['LoadBalancer', 'NodePort'] as const;

/**
 * Defaults of the top-level `meshes` and `federations`, which resolution applies itself (they
 * live in maps and lists, where schema defaults are not merged in), and the schema documents.
 */
export const TopologyDefaults = {
  storeKind: 'ClusterSecretStore',
  issuerKind: 'ClusterIssuer',
  portProtocol: 'TCP',
  gatewayServiceType: 'LoadBalancer',
  meshModel: 'multi-primary',
  remoteSecretKeyPrefix: 'istio-remote-secret-',
} as const;

export const SecretStoreRefSchema = obj(
  {
    kind: oneOfStrings(['ClusterSecretStore', 'SecretStore'] as const, { description: 'Kind of the external-secrets store.', default: TopologyDefaults.storeKind }),
    name: str({ description: 'Name of the store.', pattern: DNS_SUBDOMAIN, patternMessage: 'must be a Kubernetes object name' }),
  },
  { description: 'The external-secrets.io store the secret is read from.', required: ['name'] },
);

export const CaSchema = obj(
  {
    externalSecret: obj(
      {
        store: SecretStoreRefSchema,
        key: str({ description: 'Key of the CA in the store; its properties `ca-cert.pem`, `ca-key.pem`, `root-cert.pem` and `cert-chain.pem` become the `cacerts` Secret.', minLength: 1 }),
      },
      { description: 'Fill `cacerts` from a secret store with an ExternalSecret.', required: ['store', 'key'] },
    ),
    certManager: obj(
      {
        issuer: obj(
          {
            kind: oneOfStrings(['ClusterIssuer', 'Issuer'] as const, { description: 'Issuer kind.', default: TopologyDefaults.issuerKind }),
            name: str({ description: 'Issuer name; it must sign intermediate CAs from the fleet\'s shared root.', pattern: DNS_SUBDOMAIN, patternMessage: 'must be a Kubernetes object name' }),
          },
          { description: 'The cert-manager issuer of the intermediate CA.', required: ['name'] },
        ),
      },
      { description: 'Have cert-manager issue `cacerts` as an intermediate CA.', required: ['issuer'] },
    ),
    existingSecret: bool({ description: 'The Secret is created by other means (sealed secret, manual); meshc renders nothing for it.' }),
    secretName: str({ description: 'Name of the Secret in the control-plane namespace that istiod mounts as its CA; the ExternalSecret or Certificate writes it. Unset: `cacerts`, upstream\'s name.', pattern: DNS_SUBDOMAIN, patternMessage: 'must be a Kubernetes object name' }),
  },
  {
    description: 'The CA istiod signs workload certificates with: the `cacerts` Secret in the control-plane namespace, referenced, never written. Exactly one of the three. Unset: istiod\'s self-signed root (a single cluster only).',
  },
);

export const ServicePortSchema = obj(
  {
    name: str({ description: 'Port name (required: Istio reads the protocol from it and ServiceEntry ports are named).', pattern: DNS_LABEL, patternMessage: DNS_LABEL_MESSAGE }),
    port: int({ description: 'Port number of the Service.', minimum: 1, maximum: 65535 }),
    protocol: oneOfStrings(['HTTP', 'HTTP2', 'HTTPS', 'GRPC', 'TCP', 'TLS'] as const, { description: 'Protocol of the port.', default: TopologyDefaults.portProtocol }),
  },
  { description: 'A port of an exported service.', required: ['name', 'port'] },
);

export const ExportSchema = obj(
  {
    namespace: str({ description: 'Namespace of the Service.', pattern: DNS_LABEL, patternMessage: DNS_LABEL_MESSAGE }),
    name: str({ description: 'Name of the Service.', pattern: DNS_LABEL, patternMessage: DNS_LABEL_MESSAGE }),
    ports: arr(ServicePortSchema, { description: 'Ports other members may reach.', minItems: 1 }),
  },
  { description: 'A Service this member offers to the other members.', required: ['namespace', 'name', 'ports'] },
);

export const FederationMemberSchema = obj(
  {
    cluster: str({ description: 'A cluster of the fleet.', pattern: DNS_LABEL, patternMessage: DNS_LABEL_MESSAGE }),
    gateway: obj(
      {
        serviceType: oneOfStrings(SERVICE_TYPES, { description: 'Service type of the federation ingress gateway (port 15443, externalTrafficPolicy Local).', default: TopologyDefaults.gatewayServiceType }),
        addresses: addresses('Addresses other members reach this member\'s federation gateway at (its load balancer IPs or DNS name).'),
      },
      { description: 'This member\'s federation ingress gateway.', required: ['addresses'] },
    ),
    rootCertificate: obj(
      {
        file: str({ description: 'Path (relative to the fleet file) of the PEM file with this member\'s root certificate(s). Public certificates only: a private key is an error.', minLength: 1 }),
        pem: str({ description: 'The root certificate(s) inline, PEM.', minLength: 1 }),
      },
      { description: 'The public root certificate of this member\'s mesh, which the other members trust for its trust domain. Exactly one of `file` and `pem`.' },
    ),
    exports: arr(ExportSchema, { description: 'Services of this member the other members may call.' }),
  },
  { description: 'One member of a federation.', required: ['cluster', 'gateway', 'rootCertificate'] },
);

export const FederationSchema = obj(
  { members: arr(FederationMemberSchema, { description: 'The members, at least two; each its own cluster domain and trust domain.', minItems: 2 }) },
  { description: 'Independent clusters (own cluster domain and trust domain each) that trust each other\'s roots and call chosen services through each other\'s federation gateways.', required: ['members'] },
);

export const MeshSchema = obj(
  {
    model: oneOfStrings(['multi-primary', 'primary-remote'] as const, {
      description: '`multi-primary`: every cluster runs istiod and watches the others. `primary-remote`: the `primary` runs istiod for all; the others use it through its east-west gateway.',
      default: TopologyDefaults.meshModel,
    }),
    clusters: arr(str({ pattern: DNS_LABEL, patternMessage: DNS_LABEL_MESSAGE }), {
      description:
        'Member clusters; same trust domain and cluster domain, one network each (a network may hold several). ' +
        'One member renders as the first cluster of a mesh over several networks (east-west gateway, meshNetworks), so that members joining later change it only by their network and remote secret.',
      minItems: 1,
      uniqueItems: true,
    }),
    primary: str({ description: '`primary-remote`: the cluster whose istiod serves the mesh.', pattern: DNS_LABEL, patternMessage: DNS_LABEL_MESSAGE }),
    eastWestGateway: obj(
      {
        serviceType: oneOfStrings(SERVICE_TYPES, { description: 'Service type of the east-west gateways.', default: TopologyDefaults.gatewayServiceType }),
        addresses: record(addresses('Addresses of the cluster\'s east-west gateway.'), {
          description: 'Per cluster: where the other members reach its east-west gateway. Needed for every member when the mesh spans several networks, and for the primary of `primary-remote` with remotes; optional for a mesh of one cluster, whose load balancer address may not be known yet.',
          keyPattern: DNS_LABEL,
        }),
      },
      { description: 'East-west gateways: cross-network traffic (15443) and, on the primary of `primary-remote`, istiod (15012, 15017).' },
    ),
    remoteSecrets: obj(
      {
        externalSecret: obj(
          {
            store: SecretStoreRefSchema,
            keyPrefix: str({ description: 'Store key of a member\'s kubeconfig: this prefix and the cluster name.', default: TopologyDefaults.remoteSecretKeyPrefix }),
          },
          { description: 'Fill each remote secret from a secret store with an ExternalSecret.', required: ['store'] },
        ),
        existingSecret: bool({ description: 'The remote secrets `istio-remote-secret-<cluster>` (label `istio/multiCluster: "true"`) are created by other means; meshc renders none.' }),
      },
      { description: 'How istiod gets read access to the other members\' API servers: never a kubeconfig or token in Git. Exactly one of the two.' },
    ),
  },
  { description: 'One mesh over several clusters (or, to begin with, one); its name is the mesh id.', required: ['clusters', 'remoteSecrets'] },
);

export const TopologySettings = {
  podCIDRs: arr(str({ pattern: CIDR, patternMessage: 'must be a CIDR such as 10.8.0.0/14' }), { description: 'Pod IP ranges of the cluster; members of one multicluster mesh must not overlap.' }),
  serviceCIDRs: arr(str({ pattern: CIDR, patternMessage: 'must be a CIDR such as 10.96.0.0/16' }), { description: 'Service IP ranges of the cluster; members of one multicluster mesh must not overlap.' }),
};

export const TopologyFleetSettings = {
  meshes: record(MeshSchema, { description: 'Multicluster meshes by name (the mesh id).', keyPattern: LABEL_VALUE }),
  federations: record(FederationSchema, { description: 'Federations by name.', keyPattern: DNS_LABEL }),
};

export type MeshInput = Static<typeof MeshSchema>;
export type FederationInput = Static<typeof FederationSchema>;
export type CaInput = Static<typeof CaSchema>;
