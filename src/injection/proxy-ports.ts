/** Ports of the injected proxy, named once for the templates and the iptables rules. */
export const ProxyPorts = {
  /** Outbound traffic is redirected here. */
  OUTBOUND: 15001,
  /** Inbound traffic is redirected here. */
  INBOUND: 15006,
  /** Envoy's Prometheus endpoint. */
  ENVOY_PROMETHEUS: 15090,
  /** Envoy's health endpoint, probed for readiness. */
  HEALTH: 15021,
  /** The istio-agent status port (merged metrics, app probes); the default of `status.sidecar.istio.io/port`. */
  STATUS: 15020,
} as const;

/** UID and GID the proxy runs as; iptables exempts this UID's traffic from redirection. */
export const PROXY_UID = 1337;
