/** Every gateway of one cluster, with its Gateway resources. */
import { Construct } from 'constructs';
import type { ClusterConfig } from '../config/cluster-config';
import { MeshNamespace } from '../control-plane/namespace';
import { GatewayResources } from './gateway-resources';
import { GatewayWorkload } from './gateway-workload';
import { meshTopologyDefaults } from './topology';

export interface GatewaysProps {
  readonly cluster: ClusterConfig;
}

export class Gateways extends Construct {
  constructor(scope: Construct, id: string, props: GatewaysProps) {
    super(scope, id);
    const { cluster } = props;
    const release = cluster.istio.release;
    const namespaces = new Set(cluster.gateways.gateways.map((g) => g.namespace));
    // The control-plane namespace is rendered, and labelled, by the control plane.
    namespaces.delete(cluster.controlPlane.namespace);
    for (const name of [...namespaces].sort()) {
      new MeshNamespace(this, `namespace-${name}`, { name, release, network: cluster.network, component: 'istio-gateways' });
    }
    for (const settings of cluster.gateways.gateways) {
      const scope = new Construct(this, `gateway-${settings.name}`);
      // The gateway's objects carry the release of the revision that injects its proxy.
      new GatewayWorkload(scope, 'workload', { settings, release: settings.injection.release });
      new GatewayResources(scope, 'resources', { settings, release: settings.injection.release });
    }
  }
}

/** MeshConfig `defaultConfig` fields the gateway settings contribute (client addresses, certificates). */
export function gatewayProxyDefaults(cluster: ClusterConfig): Record<string, unknown> {
  return meshTopologyDefaults(cluster.gateways);
}
