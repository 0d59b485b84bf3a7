/**
 * What a cluster's fleet wiring changes in its control plane: MeshConfig's `meshNetworks` and
 * `caCertificates`, istiod's environment, and the proxies' metadata. Pure functions of the
 * wiring, so that the control plane only merges them in.
 */
import type { ClusterWiring } from './wiring';
import { PASSTHROUGH_PORT } from './names';

/** `meshNetworks`: which cluster registries form each network and how other networks reach it. */
export function meshNetworksOf(wiring: ClusterWiring): { networks: Record<string, unknown> } {
  const networks: Record<string, unknown> = {};
  for (const n of wiring.multicluster?.networks ?? []) {
    networks[n.network] = {
      endpoints: n.clusters.map((fromRegistry) => ({ fromRegistry })),
      ...(n.gateways.length ? { gateways: n.gateways.map((g) => ({ address: g.address, port: PASSTHROUGH_PORT })) } : {}),
    };
  }
  return { networks };
}

/** The federation peers' roots, each trusted for its own trust domains only. */
export function caCertificatesOf(wiring: ClusterWiring): { pem: string; trustDomains: string[] }[] {
  return (wiring.federation?.trustedRoots ?? []).map((r) => ({ pem: r.pem, trustDomains: [...r.trustDomains] }));
}

/** istiod variables the wiring needs; meshc owns these names (users may not set them). */
const MULTIROOT_MESH = 'ISTIO_MULTIROOT_MESH';
const EXTERNAL_ISTIOD = 'EXTERNAL_ISTIOD';
export const WIRING_ISTIOD_ENV = [MULTIROOT_MESH, EXTERNAL_ISTIOD] as const;

export function wiringIstiodEnv(wiring: ClusterWiring): { name: string; value: string }[] {
  const env: { name: string; value: string }[] = [];
  // Without it istiod hands proxies its own root only, and the peers' roots in caCertificates go unused.
  if (caCertificatesOf(wiring).length) env.push({ name: MULTIROOT_MESH, value: 'true' });
  // A primary serving remotes also patches their webhooks and writes their root-certificate ConfigMaps.
  if (wiring.multicluster?.eastWestGateway.istiodService) env.push({ name: EXTERNAL_ISTIOD, value: 'true' });
  return env;
}

const XDS_AGENT = 'PROXY_CONFIG_XDS_AGENT';
/** Proxy metadata the wiring owns, by what it comes from; a gateway may not set them itself. */
export const WIRING_PROXY_METADATA: Readonly<Record<string, string>> = {
  [XDS_AGENT]: '`federations` (the peers\' roots reach the proxies through it)',
};

/** Proxy metadata the wiring needs in every proxy (MeshConfig `defaultConfig.proxyMetadata`). */
export function wiringProxyMetadata(wiring: ClusterWiring): Record<string, string> {
  // The agent takes trust-bundle updates (the peers' roots) from istiod only over its own xDS channel.
  return caCertificatesOf(wiring).length ? { [XDS_AGENT]: 'true' } : {};
}
