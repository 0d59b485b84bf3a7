/**
 * The `istio-sidecar-injector` ConfigMap istiod's injection webhook reads: `config` (policy,
 * selectors and meshc's own `sidecar` and `gateway` templates) and `values` (exactly what those
 * templates, and istiod's image selection, read).
 */
import { Construct } from 'constructs';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { DEFAULT_PROXY_IMAGE, type IstioRelease } from '../catalog/versions';
import { primaryRevision, type RevisionConfig } from '../config/resolve-istio';
import type { ClusterConfig, SidecarSettings } from '../config/cluster-config';
import { DEFAULT_CLUSTER_ID, proxyTemplate } from '../injection/sidecar-template';
import { GRPC_TEMPLATES, grpcTemplate } from '../injection/grpc-templates';
import { ProxyPorts } from '../injection/proxy-ports';
import { toYaml } from '../render/yaml';
import { revisionLabels, revisioned } from './metadata';

export interface SidecarInjectorConfigProps {
  readonly namespace: string;
  readonly revision: string;
  readonly release: IstioRelease;
  readonly hub: string;
  /**
   * Name of the proxy image under the hub.
   * @default proxyv2
   */
  readonly proxyImageName?: string;
  /**
   * Image tag of the proxy.
   * @default the release's version
   */
  readonly tag?: string;
  readonly clusterId: string;
  readonly clusterDomain: string;
  readonly network?: string;
  readonly meshId?: string;
  /** CA the proxies use; unset: this revision's istiod. */
  readonly caAddress?: string;
  /**
   * Istio CNI programs traffic redirection; pods then get `istio-validation` instead of `istio-init`.
   * @default false
   */
  readonly cni?: boolean;
  /**
   * How pods reach the CNI plugin: chained (`default`) or through Multus (`multus`, OpenShift).
   * @default default
   */
  readonly cniProvider?: 'default' | 'multus';
  readonly sidecar: SidecarSettings;
}

/** The injector settings of one revision of a cluster (default: its primary revision), as the fleet file resolves them. */
export function sidecarInjectorProps(cluster: ClusterConfig, revision: RevisionConfig = primaryRevision(cluster.istio)): SidecarInjectorConfigProps {
  return {
    namespace: cluster.controlPlane.namespace,
    revision: revision.name,
    release: revision.release,
    hub: cluster.istio.hub,
    proxyImageName: cluster.istio.proxyImageName,
    clusterId: cluster.clusterId,
    clusterDomain: cluster.clusterDomain,
    network: cluster.network,
    meshId: cluster.meshId,
    caAddress: cluster.controlPlane.caAddress,
    cni: cluster.cni.enabled,
    cniProvider: cluster.cni.provider,
    sidecar: cluster.sidecar,
  };
}

/** The values the injection templates read (see injection/injection-values.ts for the paths). */
export function injectorValues(props: SidecarInjectorConfigProps): Record<string, unknown> {
  const s = props.sidecar;
  return {
    global: {
      caAddress: props.caAddress ?? '',
      // hub, tag, variant and proxy.image are read by istiod itself to pick the proxy image.
      hub: props.hub,
      imagePullPolicy: s.imagePullPolicy ?? '',
      imagePullSecrets: [...s.imagePullSecrets],
      istioNamespace: props.namespace,
      logAsJson: false,
      logging: { level: 'default:info' },
      meshID: props.meshId ?? '',
      mountMtlsCerts: s.mountMtlsCerts,
      // istiod's own default cluster id is left unset, as upstream leaves it: a set cluster name
      // makes istiod move the proxy's cluster env to the end of the list.
      multiCluster: { clusterName: props.clusterId === DEFAULT_CLUSTER_ID ? '' : props.clusterId },
      nativeNftables: false,
      network: props.network ?? '',
      pilotCertProvider: 'istiod',
      proxy: {
        clusterDomain: props.clusterDomain,
        componentLogLevel: s.componentLogLevel,
        excludeIPRanges: s.excludeOutboundIPRanges,
        excludeInboundPorts: s.excludeInboundPorts,
        excludeOutboundPorts: s.excludeOutboundPorts,
        image: props.proxyImageName ?? DEFAULT_PROXY_IMAGE,
        includeIPRanges: s.includeOutboundIPRanges,
        includeInboundPorts: s.includeInboundPorts,
        includeOutboundPorts: '',
        logLevel: s.logLevel,
        privileged: false,
        readinessFailureThreshold: 4,
        readinessInitialDelaySeconds: 0,
        readinessPeriodSeconds: 15,
        resources: s.resources,
        seccompProfile: s.seccompProfile === 'RuntimeDefault' ? { type: 'RuntimeDefault' } : {},
        startupProbe: { enabled: true, failureThreshold: 600 },
        statusPort: ProxyPorts.STATUS,
      },
      proxy_init: { forceApplyIptables: false },
      sds: { token: { aud: 'istio-ca' } },
      tag: props.tag ?? props.release.version,
      variant: '',
    },
    pilot: { cni: { enabled: props.cni ?? false, provider: props.cniProvider ?? 'default' } },
    // Read by istiod itself, after the templates: rewrite application probes to the proxy's status port.
    sidecarInjectorWebhook: { rewriteAppHTTPProbe: s.rewriteAppProbes },
    revision: props.revision === 'default' ? '' : props.revision,
  };
}

/** The injector policy and templates istiod applies. */
export function injectorConfig(sidecar: SidecarSettings): Record<string, unknown> {
  return {
    policy: sidecar.injection,
    alwaysInjectSelector: sidecar.alwaysInjectSelector,
    neverInjectSelector: sidecar.neverInjectSelector,
    injectedAnnotations: {},
    defaultTemplates: ['sidecar'],
    templates: {
      ...sidecar.templates,
      sidecar: proxyTemplate('sidecar'),
      gateway: proxyTemplate('gateway'),
      ...Object.fromEntries(GRPC_TEMPLATES.map((name) => [name, grpcTemplate(name)])),
    },
  };
}

export class SidecarInjectorConfig extends Construct {
  constructor(scope: Construct, id: string, props: SidecarInjectorConfigProps) {
    super(scope, id);
    new k8s.KubeConfigMap(this, 'configmap', {
      metadata: {
        name: revisioned('istio-sidecar-injector', props.revision),
        namespace: props.namespace,
        labels: revisionLabels(props.revision, props.release),
      },
      data: {
        values: JSON.stringify(injectorValues(props), null, 2),
        config: toYaml(injectorConfig(props.sidecar)),
      },
    });
  }
}
