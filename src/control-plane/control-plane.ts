/**
 * The whole control plane of one cluster, as upstream's `base` and `istiod` charts install it.
 */
import { Construct } from 'constructs';
import type { ClusterConfig } from '../config/cluster-config';
import { IstioCni } from '../cni/istio-cni';
import { gatewayProxyDefaults } from '../gateways/gateways';
import { deepMerge } from '../util/deep-merge';
import { InjectionWebhook } from './injection-webhook';
import { meshSettingsConfig, meshSettingsProxyDefaults } from './mesh-settings';
import { IstioReader } from './istio-reader';
import { Istiod } from './istiod';
import { istiodEnv } from './istiod-env';
import { IstiodIdentity } from './istiod-identity';
import { MeshConfig } from './mesh-config';
import { MeshNamespace } from './namespace';
import { SidecarInjectorConfig, sidecarInjectorProps } from './sidecar-injector-config';
import { ValidationWebhook } from './validation-webhook';

export interface ControlPlaneProps {
  readonly cluster: ClusterConfig;
}

export class ControlPlane extends Construct {
  constructor(scope: Construct, id: string, props: ControlPlaneProps) {
    super(scope, id);
    const { cluster } = props;
    const { namespace, revision } = cluster.controlPlane;
    const release = cluster.istio.release;

    new MeshNamespace(this, 'namespace', { name: namespace, release, network: cluster.network });
    new IstioReader(this, 'reader', { namespace, release });
    const identity = new IstiodIdentity(this, 'identity', { namespace, revision, release });
    const istiod = new Istiod(this, 'istiod', {
      namespace,
      revision,
      release,
      hub: cluster.istio.hub,
      serviceAccountName: identity.serviceAccountName,
      clusterDomain: cluster.clusterDomain,
      settings: cluster.controlPlane.istiod,
      env: istiodEnv(cluster),
    });
    new MeshConfig(this, 'mesh', {
      namespace,
      revision,
      release,
      istiodService: istiod.name,
      trustDomain: cluster.trustDomain,
      meshId: cluster.meshId,
      holdApplicationUntilProxyStarts: cluster.sidecar.holdApplicationUntilProxyStarts,
      interceptionMode: cluster.sidecar.interceptionMode,
      proxyDefaults: deepMerge(gatewayProxyDefaults(cluster), meshSettingsProxyDefaults(cluster.mesh)),
      extra: { ...meshSettingsConfig(cluster.mesh), ...(cluster.trustDomainAliases.length ? { trustDomainAliases: [...cluster.trustDomainAliases] } : {}) },
    });
    if (cluster.cni.enabled) new IstioCni(this, 'cni', { cluster });
    new SidecarInjectorConfig(this, 'injector', sidecarInjectorProps(cluster));
    new InjectionWebhook(this, 'injection', { namespace, revision, release, istiodService: istiod.name });
    new ValidationWebhook(this, 'validation', { namespace, revision, release, istiodService: istiod.name });
  }
}
