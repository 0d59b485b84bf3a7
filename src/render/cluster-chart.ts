/**
 * Everything meshc renders for one cluster.
 */
import { ApiObject, Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import type { ClusterConfig } from '../config/cluster-config';
import { ControlPlane } from '../control-plane/control-plane';
import { Gateways } from '../gateways/gateways';
import { renderPolicies } from '../security/authorization-policy';
import { PeerAuthentication } from '../security/peer-authentication';
import { Layer } from './layers';
import { DataPlaneSync } from '../lifecycle/data-plane-sync';
import { restarterConfig } from '../lifecycle/restarter-config';
import { FleetResources } from '../fleet/fleet-resources';

export interface ClusterChartProps {
  readonly cluster: ClusterConfig;
  /** The data-plane restarter script the post-sync Job runs. */
  readonly restarterScript: string;
}

export class ClusterChart extends Chart {
  readonly cluster: ClusterConfig;

  constructor(scope: Construct, props: ClusterChartProps) {
    // Objects carry explicit names; the chart must not prefix or hash them.
    super(scope, props.cluster.name, { disableResourceNameHashes: true });
    this.cluster = props.cluster;
    const { cluster } = props;

    if (cluster.crds.length > 0) {
      const crds = new Layer(this, 'crds');
      for (const crd of cluster.crds) {
        const { apiVersion, kind, metadata, ...rest } = crd as { apiVersion: string; kind: string; metadata: { name: string } };
        new ApiObject(crds, metadata.name, { apiVersion, kind, metadata, ...rest });
      }
    }
    new ControlPlane(new Layer(this, 'control-plane'), 'control-plane', { cluster });
    new Gateways(new Layer(this, 'gateways'), 'gateways', { cluster });

    const policies = new Layer(this, 'policies');
    if (cluster.security.meshMtls !== 'off') {
      new PeerAuthentication(policies, 'mesh-mtls', {
        name: 'default',
        namespace: cluster.controlPlane.namespace,
        mode: cluster.security.meshMtls,
      });
    }
    for (const pa of cluster.policies.peerAuthentications) {
      new PeerAuthentication(policies, `mtls-${pa.namespace}-${pa.name}`, pa);
    }
    renderPolicies(policies, cluster.policies);

    if (cluster.wiring.multicluster || cluster.wiring.federation) {
      new FleetResources(new Layer(this, 'fleet'), 'fleet', { cluster });
    }

    if (cluster.dataPlaneSync.enabled) {
      new DataPlaneSync(new Layer(this, 'post-sync'), 'data-plane-sync', {
        namespace: cluster.controlPlane.namespace,
        settings: cluster.dataPlaneSync,
        config: restarterConfig(cluster),
        script: props.restarterScript,
      });
    }
  }
}
