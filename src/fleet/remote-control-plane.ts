/**
 * A remote cluster of a primary-remote mesh: no istiod of its own. Its proxies and its webhooks
 * reach the primary's istiod through the primary's east-west gateway, under the same Service
 * name they would use locally, so that what the primary injects works unchanged here.
 */
import { Construct } from 'constructs';
import { isIPv4 } from 'node:net';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import type { ClusterConfig } from '../config/cluster-config';
import { IstioCni } from '../cni/istio-cni';
import { InjectionWebhook } from '../control-plane/injection-webhook';
import { IstioReader, READER_SERVICE_ACCOUNT } from '../control-plane/istio-reader';
import { managedLabels } from '../control-plane/metadata';
import { MeshNamespace } from '../control-plane/namespace';
import { IstiodPorts } from '../control-plane/ports';
import { EXTERNAL_ISTIOD_CLUSTER_RULES } from '../control-plane/rbac-rules';
import { ValidationWebhook } from '../control-plane/validation-webhook';
import { Labels, MANAGER } from '../labels';
import { Grant } from '../security/rbac';
import type { GatewayAddress } from './wiring';

export interface RemoteControlPlaneProps {
  readonly cluster: ClusterConfig;
}

const PORTS = [
  { name: 'tls-istiod', port: IstiodPorts.TLS_XDS },
  { name: 'https-webhook', port: IstiodPorts.WEBHOOK },
] as const;

export class RemoteControlPlane extends Construct {
  constructor(scope: Construct, id: string, props: RemoteControlPlaneProps) {
    super(scope, id);
    const { cluster } = props;
    const mc = cluster.wiring.multicluster;
    if (mc?.role !== 'remote' || !mc.primary) throw new Error(`${cluster.name}: RemoteControlPlane renders remote clusters of a primary-remote mesh only`);
    const { namespace } = cluster.controlPlane;
    const { release } = cluster.istio;
    const revision = cluster.istio.revisions[0].name;
    const istiodService = mc.primary.istiodService;

    new MeshNamespace(this, 'namespace', { name: namespace, release, network: cluster.network });
    new IstioReader(this, 'reader', { namespace, release });
    new Grant(this, 'external-istiod', {
      name: `istio-reader-external-istiod-${namespace}`,
      rules: EXTERNAL_ISTIOD_CLUSTER_RULES,
      serviceAccount: { name: READER_SERVICE_ACCOUNT, namespace },
      labels: { [Labels.APP]: 'istio-reader', ...managedLabels('istio-reader', release) },
    });

    new RemoteIstiodService(this, 'istiod', { name: istiodService, namespace, addresses: mc.primary.addresses, labels: managedLabels('istiod', release) });
    new InjectionWebhook(this, 'injection', {
      namespace,
      revision,
      release,
      istiodService,
      // The primary's istiod injects with this cluster's identity and network, read from the path.
      path: `/inject/cluster/${cluster.clusterId}/net/${mc.network}`,
      port: IstiodPorts.WEBHOOK,
    });
    new ValidationWebhook(this, 'validation', { namespace, revision, release, istiodService, defaultValidator: true, port: IstiodPorts.WEBHOOK });
    if (cluster.cni.enabled) new IstioCni(this, 'cni', { cluster });
  }
}

export interface RemoteIstiodServiceProps {
  readonly name: string;
  readonly namespace: string;
  /** The primary's east-west gateway: IPs, or one DNS name. */
  readonly addresses: readonly GatewayAddress[];
  readonly labels: Record<string, string>;
}

/** istiod's Service name, pointing at the primary's east-west gateway instead of local pods. */
export class RemoteIstiodService extends Construct {
  constructor(scope: Construct, id: string, props: RemoteIstiodServiceProps) {
    super(scope, id);
    const { name, namespace, addresses, labels } = props;
    const ports = PORTS.map((p) => ({ name: p.name, port: p.port, targetPort: k8s.IntOrString.fromNumber(p.port), protocol: 'TCP' }));
    if (addresses.length === 1 && addresses[0].kind === 'hostname') {
      new k8s.KubeService(this, 'service', { metadata: { name, namespace, labels }, spec: { type: 'ExternalName', externalName: addresses[0].address, ports } });
      return;
    }
    if (addresses.length === 0 || addresses.some((a) => a.kind !== 'ip')) throw new Error(`${namespace}/${name}: give the primary's east-west gateway as IP addresses or one DNS name`);
    // No selector: the EndpointSlices below are its endpoints.
    new k8s.KubeService(this, 'service', { metadata: { name, namespace, labels }, spec: { ports } });
    for (const family of ['IPv4', 'IPv6'] as const) {
      const ips = addresses.filter((a) => isIPv4(a.address) === (family === 'IPv4')).map((a) => a.address);
      if (ips.length === 0) continue;
      new k8s.KubeEndpointSlice(this, `endpoints-${family}`, {
        metadata: {
          name: `${name}-primary-${family.toLowerCase()}`,
          namespace,
          labels: { ...labels, [Labels.SERVICE_NAME]: name, [Labels.ENDPOINT_SLICE_MANAGED_BY]: MANAGER },
        },
        addressType: family,
        endpoints: ips.map((ip) => ({ addresses: [ip] })),
        ports: PORTS.map((p) => ({ name: p.name, port: p.port, protocol: 'TCP' })),
      });
    }
  }
}
