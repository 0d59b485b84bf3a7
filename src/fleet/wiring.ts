/**
 * What a cluster needs to know about the rest of the fleet, computed once from the whole fleet
 * file (src/fleet/resolve-wiring.ts): its multicluster mesh, its federation, and the CA
 * material it references. Constructs render from this alone; they never look at other clusters.
 */

/** A Kubernetes Secret meshc references but never writes: its content stays out of Git. */
export type SecretSource =
  /** An ExternalSecret (external-secrets.io) that fills the Secret from a secret store. */
  | {
      readonly kind: 'external-secret';
      readonly store: { readonly kind: 'SecretStore' | 'ClusterSecretStore'; readonly name: string };
      /** Key of the secret in the store. */
      readonly remoteKey: string;
    }
  /** A Secret someone else creates (sealed secret, manual, another tool); meshc only names it. */
  | { readonly kind: 'existing-secret' };

/** A gateway address peers connect to: an IP (ServiceEntry resolution STATIC) or a hostname (DNS). */
export interface GatewayAddress {
  readonly address: string;
  readonly kind: 'ip' | 'hostname';
}

export interface EastWestGateway {
  readonly name: string;
  readonly namespace: string;
  readonly serviceType: 'LoadBalancer' | 'NodePort';
  /** Where peers reach it (from the fleet file). */
  readonly addresses: readonly GatewayAddress[];
  /** Set on a primary whose remotes use its control plane: the istiod Service it exposes (15012 xDS, 15017 webhooks). */
  readonly istiodService?: string;
}

export interface MeshNetwork {
  readonly network: string;
  /** Clusters whose endpoints are on this network (registry names = cluster ids). */
  readonly clusters: readonly string[];
  /** East-west gateways of the network, port 15443. */
  readonly gateways: readonly GatewayAddress[];
}

export interface RemoteSecret {
  /** The peer cluster whose API server istiod reads. */
  readonly cluster: string;
  /** `istio-remote-secret-<cluster>`, in the control-plane namespace. */
  readonly secretName: string;
  readonly source: SecretSource;
}

export interface MulticlusterWiring {
  /** The mesh's name in the fleet file (also its mesh id). */
  readonly mesh: string;
  readonly model: 'multi-primary' | 'primary-remote';
  readonly role: 'primary' | 'remote';
  /** This cluster's network. */
  readonly network: string;
  /** Remote clusters: the primary whose istiod they use, reached through its east-west gateway. */
  readonly primary?: {
    readonly cluster: string;
    readonly addresses: readonly GatewayAddress[];
    /** The primary's istiod Service (`istiod` or `istiod-<revision>`), which the remote mirrors. */
    readonly istiodService: string;
  };
  readonly eastWestGateway: EastWestGateway;
  /** Every network of the mesh, sorted by name: MeshConfig `meshNetworks`. */
  readonly networks: readonly MeshNetwork[];
  /** Peers whose API servers this cluster's istiod watches (primaries only), sorted by cluster. */
  readonly remoteSecrets: readonly RemoteSecret[];
}

export interface ServicePortSpec {
  /** Required: Istio reads the protocol from it, and ServiceEntry ports need one. */
  readonly name: string;
  readonly number: number;
  readonly protocol: 'HTTP' | 'HTTP2' | 'HTTPS' | 'GRPC' | 'TCP' | 'TLS';
}

export interface ExportedService {
  readonly namespace: string;
  readonly name: string;
  readonly ports: readonly ServicePortSpec[];
}

/** A service of another federation member, as this cluster reaches it. */
export interface ImportedService {
  readonly fromCluster: string;
  readonly namespace: string;
  readonly name: string;
  /** `<name>.<namespace>.svc.<remote cluster domain>`. */
  readonly host: string;
  readonly ports: readonly ServicePortSpec[];
  /** The remote member's federation gateway addresses; all IPs → STATIC, else DNS. */
  readonly endpoints: readonly GatewayAddress[];
  /** Stable, collision-free DNS-label name for its ServiceEntry and DestinationRule. */
  readonly objectName: string;
}

export interface TrustedRoot {
  readonly cluster: string;
  readonly trustDomains: readonly string[];
  /** Public root certificate(s), PEM. */
  readonly pem: string;
}

export interface FederationWiring {
  readonly federation: string;
  readonly gateway: {
    readonly name: string;
    readonly namespace: string;
    readonly serviceType: 'LoadBalancer' | 'NodePort';
    /** `*.<this cluster's domain>`: remote members reach exported services through it. */
    readonly hosts: readonly string[];
  };
  readonly exported: readonly ExportedService[];
  /** Sorted by objectName. */
  readonly imported: readonly ImportedService[];
  /** Roots of the other members, sorted by cluster. */
  readonly trustedRoots: readonly TrustedRoot[];
}

/** The CA material istiod signs with, referenced only: where its Secret comes from, and its name. */
export type CaMaterial = { readonly secretName: string } & (
  | { readonly kind: 'external-secret'; readonly store: { readonly kind: 'SecretStore' | 'ClusterSecretStore'; readonly name: string }; readonly remoteKey: string }
  | { readonly kind: 'cert-manager'; readonly issuer: { readonly kind: 'Issuer' | 'ClusterIssuer'; readonly name: string } }
  | { readonly kind: 'existing-secret' }
);

export interface ClusterWiring {
  readonly multicluster?: MulticlusterWiring;
  readonly federation?: FederationWiring;
  /** Unset: istiod's self-signed root (fine for one cluster, not for a multicluster mesh). */
  readonly ca?: CaMaterial;
}
