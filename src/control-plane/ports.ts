/** istiod's ports: one definition for its container, its Service and whoever dials it. */
export const IstiodPorts = {
  /** Readiness and debug endpoints. */
  HTTP_DEBUG: 8080,
  /** Plaintext xDS (legacy, in-cluster only). */
  GRPC_XDS: 15010,
  /** mTLS xDS and the CA: what proxies dial. */
  TLS_XDS: 15012,
  /** Metrics and monitoring. */
  MONITORING: 15014,
  /** Injection and validation webhooks (container side). */
  WEBHOOK: 15017,
  /** Webhook port on the Service, as the API server expects HTTPS on 443. */
  WEBHOOK_SERVICE: 443,
} as const;
