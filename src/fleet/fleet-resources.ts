/**
 * A cluster's part in the fleet topology, from its resolved wiring: cross-network routing and
 * istiod exposure on the east-west gateway, remote secrets, and its federation.
 */
import { Construct } from 'constructs';
import type { ClusterConfig } from '../config/cluster-config';
import { CrossNetwork } from './cross-network';
import { Federation } from './federation';
import { EAST_WEST_GATEWAY, FEDERATION_GATEWAY } from './names';
import { RemoteSecrets } from './remote-secrets';

export interface FleetResourcesProps {
  readonly cluster: ClusterConfig;
}

export class FleetResources extends Construct {
  constructor(scope: Construct, id: string, props: FleetResourcesProps) {
    super(scope, id);
    const { cluster } = props;
    const { multicluster: mc, federation: fed } = cluster.wiring;
    const release = cluster.istio.release;
    const namespace = cluster.controlPlane.namespace;
    const gateway = (name: string) => {
      const g = cluster.gateways.gateways.find((x) => x.name === name && x.namespace === namespace);
      if (!g) throw new Error(`${cluster.name}: the fleet wiring needs gateway ${namespace}/${name}, which resolution did not add`);
      return g;
    };

    if (mc) {
      // Resolution adds the east-west gateway where the mesh needs one (several networks or a lone member, and the primary of primary-remote).
      const eastWest = cluster.gateways.gateways.find((g) => g.name === EAST_WEST_GATEWAY && g.namespace === namespace);
      if (eastWest) {
        new CrossNetwork(this, 'cross-network', {
          namespace,
          selector: eastWest.selector,
          clusterDomain: cluster.clusterDomain,
          release,
          ...(mc.eastWestGateway.istiodService ? { istiodService: mc.eastWestGateway.istiodService } : {}),
        });
      }
      new RemoteSecrets(this, 'remote-secrets', { secrets: mc.remoteSecrets, namespace, release });
    }
    if (fed) {
      new Federation(this, 'federation', { wiring: fed, selector: gateway(FEDERATION_GATEWAY).selector, rootNamespace: namespace, release });
    }
  }
}
