/**
 * The environment meshc gives a gateway's proxy, which a gateway's `proxyEnv` may not set: what
 * the gateway injection template writes at injection, and the proxy metadata of the mesh
 * settings and the fleet wiring. A value of the gateway's own would either be replaced by
 * istiod's (cluster id, network) or win over it, and the proxy would then disagree with the
 * fleet file.
 */
import { MESH_SETTINGS_PROXY_METADATA } from '../control-plane/mesh-settings';
import { WIRING_PROXY_METADATA } from '../fleet/mesh-wiring';
import { proxyEnvNames } from '../injection/sidecar-template';

const POD = 'the pod as Kubernetes creates it';
const CPU_LIMIT = 'the gateway\'s `resources.limits.cpu`';

/** Where each variable of the gateway injection template comes from. */
export const GATEWAY_TEMPLATE_ENV_SOURCES: Readonly<Record<string, string>> = {
  PILOT_CERT_PROVIDER: 'istiod, the proxies\' certificate authority',
  CA_ADDR: '`controlPlane.caAddress`',
  POD_NAME: POD,
  POD_NAMESPACE: POD,
  INSTANCE_IP: POD,
  SERVICE_ACCOUNT: POD,
  HOST_IP: POD,
  ISTIO_META_NODE_NAME: POD,
  ISTIO_META_POD_PORTS: POD,
  ISTIO_META_APP_CONTAINERS: POD,
  ISTIO_META_WORKLOAD_NAME: 'the gateway\'s Deployment',
  ISTIO_META_OWNER: 'the gateway\'s Deployment',
  ISTIO_CPU_LIMIT: CPU_LIMIT,
  GOMAXPROCS: CPU_LIMIT,
  GOMEMLIMIT: 'the gateway\'s `resources.limits.memory`',
  PROXY_CONFIG: 'the mesh settings and the gateway\'s `numTrustedProxies`, `forwardClientCertDetails` and `proxyProtocol`',
  ISTIO_META_INTERCEPTION_MODE: 'the mesh configuration\'s traffic interception mode',
  ISTIO_META_CLUSTER_ID: '`clusterId`',
  ISTIO_META_MESH_ID: '`meshId` (a member of `meshes`: the mesh\'s name)',
  TRUST_DOMAIN: '`trustDomain`',
  ISTIO_META_NETWORK: '`network`',
  ISTIO_BOOTSTRAP_OVERRIDE: 'the pod\'s `sidecar.istio.io/bootstrapOverride` annotation',
};

/** Every name meshc sets on a gateway's proxy, by the setting it comes from. */
export const GATEWAY_MANAGED_PROXY_ENV: ReadonlyMap<string, string> = new Map([
  ...proxyEnvNames('gateway').map((name): [string, string] => {
    const source = GATEWAY_TEMPLATE_ENV_SOURCES[name];
    if (source === undefined) throw new Error(`the gateway injection template sets ${name}: say where it comes from in GATEWAY_TEMPLATE_ENV_SOURCES`);
    return [name, source];
  }),
  ...Object.entries(MESH_SETTINGS_PROXY_METADATA),
  ...Object.entries(WIRING_PROXY_METADATA),
]);
