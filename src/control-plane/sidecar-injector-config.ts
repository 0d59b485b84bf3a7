/**
 * The `istio-sidecar-injector` ConfigMap istiod's injection webhook reads: `values` (the
 * settings the injection templates consult) and `config` (policy, selectors, templates).
 *
 * The injection templates themselves are not rendered yet: `config.templates` is empty, and
 * `meshc validate` / `meshc synth` warn about it (see INJECTION_TEMPLATES_PENDING).
 */
import { Construct } from 'constructs';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import type { IstioRelease } from '../catalog/versions';
import { toYaml } from '../render/yaml';
import { revisionLabels, revisioned } from './metadata';
import { IstiodPorts } from './ports';

export const INJECTION_TEMPLATES_PENDING =
  'the istio-sidecar-injector ConfigMap carries injection values and policy but no injection templates yet: ' +
  'istiod cannot inject sidecars with it, so keep workloads out of injection-enabled namespaces until templates are rendered';

export interface SidecarInjectorConfigProps {
  readonly namespace: string;
  readonly revision: string;
  readonly release: IstioRelease;
  readonly hub: string;
  readonly clusterId: string;
  readonly clusterDomain: string;
  readonly network?: string;
  readonly meshId?: string;
  /** istiod's extra environment from the fleet file; templates read feature flags from it. */
  readonly istiodEnv?: Readonly<Record<string, string>>;
}

/**
 * The values injection templates read, with upstream's defaults for the proxy. Only template
 * inputs belong here: upstream also copies switches that steer its Helm chart (which objects to
 * render, PDB and NetworkPolicy toggles), which no template reads and meshc does not have.
 */
export function injectorValues(props: SidecarInjectorConfigProps): Record<string, unknown> {
  return {
    // Left empty so that the gateway templates apply their own pod security defaults.
    gateways: { seccompProfile: {}, securityContext: {} },
    global: {
      caAddress: '',
      caName: '',
      hub: props.hub,
      imagePullPolicy: '',
      imagePullSecrets: [],
      istioNamespace: props.namespace,
      logAsJson: false,
      logging: { level: 'default:info' },
      meshID: props.meshId ?? '',
      mountMtlsCerts: false,
      multiCluster: { clusterName: props.clusterId },
      nativeNftables: false,
      network: props.network ?? '',
      pilotCertProvider: 'istiod',
      priorityClassName: '',
      proxy: {
        autoInject: 'enabled',
        clusterDomain: props.clusterDomain,
        componentLogLevel: 'misc:error',
        excludeIPRanges: '',
        excludeInboundPorts: '',
        excludeOutboundPorts: '',
        image: 'proxyv2',
        includeIPRanges: '*',
        includeInboundPorts: '*',
        includeOutboundPorts: '',
        logLevel: 'warning',
        outlierLogPath: '',
        privileged: false,
        readinessFailureThreshold: 4,
        readinessInitialDelaySeconds: 0,
        readinessPeriodSeconds: 15,
        resources: { limits: { cpu: '2000m', memory: '1024Mi' }, requests: { cpu: '100m', memory: '128Mi' } },
        seccompProfile: {},
        startupProbe: { enabled: true, failureThreshold: 600 },
        statusPort: 15020,
        tracer: 'none',
      },
      proxy_init: { forceApplyIptables: false, image: 'proxyv2' },
      remotePilotAddress: '',
      sds: { token: { aud: 'istio-ca' } },
      // 0 keeps the proxies' token exchange service off, as upstream does by default.
      sts: { servicePort: 0 },
      tag: props.release.version,
      variant: '',
      // The waypoint template sizes and schedules ambient waypoints from these.
      waypoint: {
        affinity: {},
        nodeSelector: {},
        resources: { limits: { cpu: '2', memory: '1Gi' }, requests: { cpu: '100m', memory: '128Mi' } },
        tolerations: [],
        topologySpreadConstraints: [],
      },
    },
    pilot: { cni: { enabled: false, provider: 'default' }, env: { ...props.istiodEnv } },
    revision: props.revision === 'default' ? '' : props.revision,
    sidecarInjectorWebhook: {
      alwaysInjectSelector: [],
      defaultTemplates: [],
      enableNamespacesByDefault: false,
      injectedAnnotations: {},
      neverInjectSelector: [],
      reinvocationPolicy: 'Never',
      rewriteAppHTTPProbe: true,
      templates: {},
    },
  };
}

/** The injector policy istiod applies before any template runs. */
export function injectorConfig(): Record<string, unknown> {
  return {
    policy: 'enabled',
    alwaysInjectSelector: [],
    neverInjectSelector: [],
    injectedAnnotations: {},
    defaultTemplates: ['sidecar'],
    templates: {},
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
        config: toYaml(injectorConfig()),
      },
    });
  }
}

/** Port the injection webhook answers on, through the istiod Service. */
export const INJECTION_WEBHOOK_PORT = IstiodPorts.WEBHOOK_SERVICE;
