/**
 * Names and ports of what the fleet topology adds to a cluster, shared by its resolution and
 * its constructs.
 */

/** The east-west gateway workload: cross-network traffic, and istiod for remotes. */
export const EAST_WEST_GATEWAY = 'istio-eastwestgateway';
/** The federation ingress gateway workload: the peers' calls to exported services. */
export const FEDERATION_GATEWAY = 'istio-federation-gateway';
/** Cross-network and federation traffic: the callers' mTLS passed through, routed by SNI. */
export const PASSTHROUGH_PORT = 15443;

/** Gateway objects (networking.istio.io) bound to those workloads. */
export const GatewayObjects = {
  CROSS_NETWORK: 'cross-network-gateway',
  ISTIOD: 'istiod-gateway',
  ISTIOD_ROUTES: 'istiod-vs',
  FEDERATION: 'federation-gateway',
} as const;

/** The Secret istiod reads a peer cluster's kubeconfig from. */
export const remoteSecretName = (cluster: string): string => `istio-remote-secret-${cluster}`;

/** The Secret istiod signs workload certificates with when it is present. */
export const CA_SECRET = 'cacerts';
