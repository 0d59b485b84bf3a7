/**
 * What a cluster's fleet wiring changes in its control plane: MeshConfig's `meshNetworks` and
 * `caCertificates`, istiod's environment, and the proxies' metadata. Pure functions of the
 * wiring, so that the control plane only merges them in.
 */
import type { ClusterWiring, GatewayAddress } from './wiring';
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
export const WIRING_ISTIOD_ENV = ['ISTIO_MULTIROOT_MESH', 'EXTERNAL_ISTIOD'] as const;

export function wiringIstiodEnv(wiring: ClusterWiring): { name: string; value: string }[] {
  const env: { name: string; value: string }[] = [];
  // Without it istiod hands proxies its own root only, and the peers' roots in caCertificates go unused.
  if (caCertificatesOf(wiring).length) env.push({ name: 'ISTIO_MULTIROOT_MESH', value: 'true' });
  // A primary serving remotes also patches their webhooks and writes their root-certificate ConfigMaps.
  const mc = wiring.multicluster;
  if (mc?.model === 'primary-remote' && mc.role === 'primary') env.push({ name: 'EXTERNAL_ISTIOD', value: 'true' });
  return env;
}

/** Proxy metadata the wiring needs in every proxy (MeshConfig `defaultConfig.proxyMetadata`). */
export function wiringProxyMetadata(wiring: ClusterWiring): Record<string, string> {
  // The agent takes trust-bundle updates (the peers' roots) from istiod only over its own xDS channel.
  return caCertificatesOf(wiring).length ? { PROXY_CONFIG_XDS_AGENT: 'true' } : {};
}

/** `host:port` with IPv6 addresses bracketed, as URLs and dial strings need. */
export function hostPort(address: GatewayAddress, port: number): string {
  return `${address.kind === 'ip' && address.address.includes(':') ? `[${address.address}]` : address.address}:${port}`;
}
