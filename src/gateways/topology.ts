/**
 * Client addresses and certificates at the gateways: ProxyConfig `gatewayTopology`, mesh-wide in
 * MeshConfig and per gateway in the pod's `proxy.istio.io/config` annotation.
 *
 * istiod bakes the ProxyConfig into a pod when it injects it, and Envoy reads it only at start,
 * so a running gateway keeps the topology it started with. The config hash on the pod template
 * makes every change of a gateway's effective topology roll that gateway.
 */
import { createHash } from 'node:crypto';
import type { GatewaysConfig, GatewayTopology } from './resolve-gateways';

/** `gatewayTopology` as ProxyConfig spells it; absent fields are Istio's defaults. */
export function topologyConfig(t: Omit<GatewayTopology, 'proxyProtocol'> & { proxyProtocol?: boolean }): Record<string, unknown> {
  return {
    ...(t.numTrustedProxies > 0 ? { numTrustedProxies: t.numTrustedProxies } : {}),
    ...(t.forwardClientCertDetails ? { forwardClientCertDetails: t.forwardClientCertDetails } : {}),
    // An empty message switches the PROXY protocol listener filter on (Istio 1.19 and newer).
    ...(t.proxyProtocol ? { proxyProtocol: {} } : {}),
  };
}

/** The mesh-wide `defaultConfig.gatewayTopology`, or nothing when every field is Istio's default. */
export function meshTopologyDefaults(config: GatewaysConfig): Record<string, unknown> {
  const topology = topologyConfig(config);
  return Object.keys(topology).length > 0 ? { gatewayTopology: topology } : {};
}

/**
 * The pod's `proxy.istio.io/config`. It replaces the mesh's `gatewayTopology` as a whole rather
 * than field by field, so it carries every field, the trusted proxy count even when 0.
 */
export function podProxyConfig(t: GatewayTopology): string {
  return canonicalJson({ gatewayTopology: { ...topologyConfig(t), numTrustedProxies: t.numTrustedProxies } });
}

/** Truncated sha256 of the effective topology: changes exactly when the gateway must restart. */
export function gatewayConfigHash(t: GatewayTopology): string {
  const input = canonicalJson({
    forwardClientCertDetails: t.forwardClientCertDetails ?? null,
    numTrustedProxies: t.numTrustedProxies,
    proxyProtocol: t.proxyProtocol,
  });
  return createHash('sha256').update(input).digest('hex').slice(0, 16);
}

/** JSON with object keys sorted at every level, so equal values always print alike. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return Object.fromEntries(entries.map(([k, v]) => [k, sortKeys(v)]));
  }
  return value;
}
