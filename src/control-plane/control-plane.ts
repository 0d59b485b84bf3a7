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
import { RevisionTag } from './revision-tag';
import { primaryRevision, type RevisionConfig } from '../config/resolve-istio';
import { CaMaterialResources } from '../fleet/ca-material';
import { caCertificatesOf, meshNetworksOf, wiringProxyMetadata } from '../fleet/mesh-wiring';
import { RemoteControlPlane } from '../fleet/remote-control-plane';

export interface ControlPlaneProps {
  readonly cluster: ClusterConfig;
}

export class ControlPlane extends Construct {
  constructor(scope: Construct, id: string, props: ControlPlaneProps) {
    super(scope, id);
    const { cluster } = props;
    const { namespace } = cluster.controlPlane;
    const { istio } = cluster;
    if (cluster.wiring.ca) {
      new CaMaterialResources(this, 'ca', { material: cluster.wiring.ca, namespace, cluster: cluster.name, release: istio.release });
    }
    // A remote of a primary-remote mesh runs no istiod: the primary's serves it.
    if (cluster.wiring.multicluster?.role === 'remote') {
      new RemoteControlPlane(this, 'remote', { cluster });
      return;
    }

    // Revision-independent objects follow the newest release, like CRDs: newer ones read older ones' objects.
    new MeshNamespace(this, 'namespace', { name: namespace, release: istio.release, network: cluster.network });
    new IstioReader(this, 'reader', { namespace, release: istio.release });
    // Objects without a revision label are validated by the default revision, else by the newest.
    const validator = primaryRevision(istio).name;
    const services = new Map<string, string>();
    for (const revision of istio.revisions) {
      services.set(revision.name, this.renderRevision(cluster, revision, revision.name === validator));
    }
    for (const tag of istio.tags) {
      const revision = istio.revisions.find((r) => r.name === tag.revision)!;
      new RevisionTag(this, `tag-${tag.name}`, {
        namespace,
        tag: tag.name,
        revision: tag.revision,
        release: revision.release,
        istiodService: services.get(tag.revision)!,
      });
    }
    if (cluster.cni.enabled) new IstioCni(this, 'cni', { cluster });
  }

  /** One revision: istiod, its identity, mesh configuration, injector and webhooks. Returns its Service name. */
  private renderRevision(cluster: ClusterConfig, rev: RevisionConfig, defaultValidator: boolean): string {
    const scope = new Construct(this, rev.name === 'default' ? 'revision' : `revision-${rev.name}`);
    const { namespace } = cluster.controlPlane;
    const { release, name: revision } = rev;
    const identity = new IstiodIdentity(scope, 'identity', { namespace, revision, release });
    const istiod = new Istiod(scope, 'istiod', {
      namespace,
      revision,
      release,
      hub: cluster.istio.hub,
      serviceAccountName: identity.serviceAccountName,
      clusterDomain: cluster.clusterDomain,
      settings: cluster.controlPlane.istiod,
      env: istiodEnv(cluster, rev),
      // With CA material referenced, istiod must not start before it exists and sign with a root of its own.
      ...(cluster.wiring.ca ? { caSecret: cluster.wiring.ca.secretName } : {}),
    });
    const caCertificates = caCertificatesOf(cluster.wiring);
    new MeshConfig(scope, 'mesh', {
      namespace,
      revision,
      release,
      istiodService: istiod.name,
      trustDomain: cluster.trustDomain,
      meshId: cluster.meshId,
      holdApplicationUntilProxyStarts: cluster.sidecar.holdApplicationUntilProxyStarts,
      interceptionMode: cluster.sidecar.interceptionMode,
      proxyDefaults: deepMerge(gatewayProxyDefaults(cluster), meshSettingsProxyDefaults(cluster.mesh), proxyMetadata(wiringProxyMetadata(cluster.wiring))),
      extra: {
        ...meshSettingsConfig(cluster.mesh),
        ...(cluster.trustDomainAliases.length ? { trustDomainAliases: [...cluster.trustDomainAliases] } : {}),
        ...(caCertificates.length ? { caCertificates } : {}),
      },
      meshNetworks: meshNetworksOf(cluster.wiring),
    });
    new SidecarInjectorConfig(scope, 'injector', sidecarInjectorProps(cluster, rev));
    new InjectionWebhook(scope, 'injection', { namespace, revision, release, istiodService: istiod.name });
    new ValidationWebhook(scope, 'validation', { namespace, revision, release, istiodService: istiod.name, defaultValidator });
    return istiod.name;
  }
}

const proxyMetadata = (metadata: Record<string, string>): Record<string, unknown> => (Object.keys(metadata).length ? { proxyMetadata: metadata } : {});
