/** Every gateway of one cluster, with its Gateway resources. */
import { Construct } from 'constructs';
import type { ClusterConfig } from '../config/cluster-config';

export interface GatewaysProps {
  readonly cluster: ClusterConfig;
}

export class Gateways extends Construct {
  constructor(scope: Construct, id: string, props: GatewaysProps) {
    super(scope, id);
    void props;
  }
}

/** MeshConfig `defaultConfig` fields the gateway settings contribute (client addresses, certificates). */
export function gatewayProxyDefaults(cluster: ClusterConfig): Record<string, unknown> {
  void cluster;
  return {};
}
