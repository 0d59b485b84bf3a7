/**
 * Every label and annotation name meshc reads or writes, in one place. Imports nothing, so the
 * restarter bundle may include it. Istio's own names
 * are facts of its API; the `app.kubernetes.io/*` ones mark what meshc manages.
 */
export const Labels = {
  /** Istio revision an object or namespace belongs to. */
  REV: 'istio.io/rev',
  /** Revision tag a tag's webhook serves; istiod finds the tags pointing at it by this label. */
  TAG: 'istio.io/tag',
  /** Namespace opt-out of the data-plane restarter (value `disabled`). */
  SIDECAR_RESTART: 'meshc.dev/sidecar-restart',
  /** Namespace opt-in to sidecar injection by the default revision. */
  INJECTION: 'istio-injection',
  /** Pod opt-in or opt-out of sidecar injection. */
  SIDECAR_INJECT: 'sidecar.istio.io/inject',
  /** Ambient data plane mode; `none` keeps control-plane pods out of ambient. */
  DATAPLANE_MODE: 'istio.io/dataplane-mode',
  /** Network a namespace's workloads live on (multi-network meshes). */
  NETWORK: 'topology.istio.io/network',
  /** Selector label of istiod pods. */
  ISTIO: 'istio',
  APP: 'app',
  /** Component name istioctl uses to find control-plane objects. */
  OPERATOR_COMPONENT: 'operator.istio.io/component',
  MANAGED_BY: 'app.kubernetes.io/managed-by',
  PART_OF: 'app.kubernetes.io/part-of',
  NAME: 'app.kubernetes.io/name',
  VERSION: 'app.kubernetes.io/version',
  POD_SECURITY_ENFORCE: 'pod-security.kubernetes.io/enforce',
  POD_SECURITY_ENFORCE_VERSION: 'pod-security.kubernetes.io/enforce-version',
  /** Marks a Secret holding another cluster's kubeconfig; istiod watches the clusters these name. */
  MULTICLUSTER_SECRET: 'istio/multiCluster',
  /** Marks the EndpointSlices of a Service without a selector as belonging to it. */
  SERVICE_NAME: 'kubernetes.io/service-name',
  /** Who maintains an EndpointSlice; anything but the endpoint controller keeps it from being overwritten. */
  ENDPOINT_SLICE_MANAGED_BY: 'endpointslice.kubernetes.io/managed-by',
  /** On the ServiceEntry and DestinationRule of an imported service: where the service comes from. */
  FEDERATION_CLUSTER: 'federation.meshc.dev/cluster',
  FEDERATION_NAMESPACE: 'federation.meshc.dev/namespace',
  FEDERATION_SERVICE: 'federation.meshc.dev/service',
  /** Pods of one StatefulSet or DaemonSet revision share it; several values mean a rollout is under way. */
  CONTROLLER_REVISION: 'controller-revision-hash',
} as const;

export const Annotations = {
  SIDECAR_INJECT: 'sidecar.istio.io/inject',
  PROMETHEUS_SCRAPE: 'prometheus.io/scrape',
  PROMETHEUS_PORT: 'prometheus.io/port',
  PROMETHEUS_PATH: 'prometheus.io/path',
  /** Which injection templates istiod applies; `gateway` turns the pod into a standalone proxy. */
  INJECT_TEMPLATES: 'inject.istio.io/templates',
  /** ProxyConfig overrides of one pod, applied by istiod at injection. */
  PROXY_CONFIG: 'proxy.istio.io/config',
  /**
   * Hash of the settings a gateway's Envoy reads only at start; a change rolls the Deployment,
   * which the settings themselves (mesh-wide, in MeshConfig) would not.
   */
  GATEWAY_CONFIG_HASH: 'meshc.dev/gateway-config-hash',
  /** Workload opt-out of the data-plane restarter (value `disabled`), on the pod template. */
  SIDECAR_RESTART: 'meshc.dev/sidecar-restart',
  /**
   * Pod-template annotation the restarter sets to the revision and proxy image it restarted a
   * workload for: a re-run finds it and does not roll the workload a second time.
   */
  SIDECAR_RESTARTED_FOR: 'meshc.dev/sidecar-restarted-for',
  /** Injection status istiod writes on every pod it injected (JSON, incl. the revision). */
  SIDECAR_STATUS: 'sidecar.istio.io/status',
  /** Name of the cluster whose kubeconfig a remote secret holds. */
  REMOTE_CLUSTER: 'networking.istio.io/cluster',
  /** Per-pod proxy image override. */
  PROXY_IMAGE: 'sidecar.istio.io/proxyImage',
} as const;

export const MANAGER = 'meshc';
