/**
 * istiod: the Deployment, its Service, and how it scales and survives disruption.
 */
import { Construct } from 'constructs';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { imageRef, type IstioRelease } from '../catalog/versions';
import type { IstiodSettings } from '../config/cluster-config';
import { Annotations, Labels } from '../labels';
import { resourceRequirements, rollingUpdate, schedulingSpec } from '../render/pod-tuning';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from '../security/restricted';
import type { EnvVar } from './istiod-env';
import { managedLabels, revisioned } from './metadata';
import { IstiodPorts } from './ports';
import { CA_SECRET } from '../fleet/names';

export interface IstiodProps {
  readonly namespace: string;
  /** Istio revision served; `default` matches upstream's default install. */
  readonly revision: string;
  readonly release: IstioRelease;
  /** Image registry path, e.g. `docker.io/istio`. */
  readonly hub: string;
  readonly serviceAccountName: string;
  /** DNS suffix of the cluster's services (istiod's `--domain`). */
  readonly clusterDomain: string;
  readonly settings: IstiodSettings;
  /** Full environment, from `istiodEnv()`. */
  readonly env: readonly EnvVar[];
  /**
   * The Secret holding the CA istiod signs with; istiod then waits for it instead of starting
   * with a self-signed root when it is absent.
   * @default `cacerts`, optional: istiod uses it when present, its own root otherwise
   */
  readonly caSecret?: string;
}

/**
 * Upstream's resources for istiod; fields the fleet file sets replace these one by one. The CPU
 * request is what the autoscaler's utilisation target is a percentage of: without it the
 * HorizontalPodAutoscaler cannot compute utilisation and never scales.
 */
/**
 * Labels selecting istiod pods, as upstream chooses them. Deployment selectors are immutable,
 * so matching upstream lets meshc adopt an existing Helm-installed istiod in place.
 */
export function istiodSelectors(revision: string): { deployment: Record<string, string>; service: Record<string, string> } {
  if (revision === 'default') {
    return { deployment: { [Labels.ISTIO]: 'pilot' }, service: { [Labels.APP]: 'istiod', [Labels.ISTIO]: 'pilot' } };
  }
  const byRevision = { [Labels.APP]: 'istiod', [Labels.REV]: revision };
  return { deployment: byRevision, service: byRevision };
}

/** The spec of a Service in front of a revision's istiod: its own, or a revision tag's. */
export function istiodServiceSpec(revision: string): k8s.ServiceSpec {
  return {
    selector: istiodSelectors(revision).service,
    ports: [
      { name: 'grpc-xds', port: IstiodPorts.GRPC_XDS, protocol: 'TCP' },
      { name: 'https-dns', port: IstiodPorts.TLS_XDS, protocol: 'TCP' },
      { name: 'https-webhook', port: IstiodPorts.WEBHOOK_SERVICE, targetPort: k8s.IntOrString.fromNumber(IstiodPorts.WEBHOOK), protocol: 'TCP' },
      { name: 'http-monitoring', port: IstiodPorts.MONITORING, protocol: 'TCP' },
    ],
  };
}

/** Name of a revision's istiod Deployment and Service, which proxies and webhooks dial. */
export const istiodServiceName = (revision: string): string => revisioned('istiod', revision);

export class Istiod extends Construct {
  /** Name of the Deployment and the Service. */
  readonly name: string;

  constructor(scope: Construct, id: string, props: IstiodProps) {
    super(scope, id);
    const { namespace, revision, settings } = props;
    const { autoscale } = settings;
    if (autoscale.enabled && autoscale.min > autoscale.max) {
      throw new Error(`istiod: autoscale.min (${autoscale.min}) exceeds autoscale.max (${autoscale.max})`);
    }
    this.name = istiodServiceName(revision);
    const selectors = istiodSelectors(revision);
    // `istio: pilot` marks istiod's workload objects; upstream leaves it off the autoscaler, and
    // so does meshc, so that selecting `istio=pilot` finds the same objects as on a Helm install.
    const scalerLabels = {
      [Labels.APP]: 'istiod',
      [Labels.REV]: revision,
      [Labels.OPERATOR_COMPONENT]: 'Pilot',
      ...managedLabels('istiod', props.release),
    };
    const labels = { ...scalerLabels, [Labels.ISTIO]: 'pilot' };

    new k8s.KubeService(this, 'service', { metadata: { name: this.name, namespace, labels }, spec: istiodServiceSpec(revision) });

    new k8s.KubeDeployment(this, 'deployment', {
      metadata: { name: this.name, namespace, labels },
      spec: {
        // With autoscaling the HPA owns the replica count; a rendered one would fight it on every sync.
        replicas: autoscale.enabled ? undefined : settings.replicas,
        strategy: rollingUpdate(settings.rollout),
        selector: { matchLabels: selectors.deployment },
        template: {
          metadata: {
            // A revisioned istiod's pods are `istio: istiod`, never `istio: pilot`, which the
            // default revision's Service, PDB and spread constraints select.
            labels: {
              ...settings.podLabels,
              ...labels,
              [Labels.ISTIO]: revision === 'default' ? 'pilot' : 'istiod',
              [Labels.SIDECAR_INJECT]: 'false',
              [Labels.DATAPLANE_MODE]: 'none',
            },
            annotations: {
              ...settings.podAnnotations,
              [Annotations.PROMETHEUS_PORT]: String(IstiodPorts.MONITORING),
              [Annotations.PROMETHEUS_SCRAPE]: 'true',
              [Annotations.SIDECAR_INJECT]: 'false',
            },
          },
          spec: {
            serviceAccountName: props.serviceAccountName,
            securityContext: restrictedPodSecurityContext(),
            ...schedulingSpec(settings, selectors.deployment),
            // istiod must start before the CNI agent is ready on a node: it is what the agent needs.
            tolerations: [{ key: 'cni.istio.io/not-ready', operator: 'Exists' }, ...settings.tolerations],
            containers: [
              {
                name: 'discovery',
                image: imageRef(props.hub, 'pilot', props.release.version),
                args: [
                  'discovery',
                  `--monitoringAddr=:${IstiodPorts.MONITORING}`,
                  ...(settings.logAsJson ? ['--log_as_json'] : []),
                  `--log_output_level=${settings.logLevel}`,
                  '--domain',
                  props.clusterDomain,
                  '--keepaliveMaxServerConnectionAge',
                  settings.keepaliveMaxServerConnectionAge,
                ],
                ports: [
                  { name: 'http-debug', containerPort: IstiodPorts.HTTP_DEBUG, protocol: 'TCP' },
                  { name: 'grpc-xds', containerPort: IstiodPorts.GRPC_XDS, protocol: 'TCP' },
                  { name: 'tls-xds', containerPort: IstiodPorts.TLS_XDS, protocol: 'TCP' },
                  { name: 'https-webhooks', containerPort: IstiodPorts.WEBHOOK, protocol: 'TCP' },
                  { name: 'http-monitoring', containerPort: IstiodPorts.MONITORING, protocol: 'TCP' },
                ],
                readinessProbe: {
                  httpGet: { path: '/ready', port: k8s.IntOrString.fromNumber(IstiodPorts.HTTP_DEBUG) },
                  initialDelaySeconds: 1,
                  periodSeconds: 3,
                  timeoutSeconds: 5,
                },
                env: props.env.map((e) => ({ ...e })),
                resources: resourceRequirements(settings.resources),
                securityContext: restrictedContainerSecurityContext(),
                volumeMounts: [
                  { name: 'istio-token', mountPath: '/var/run/secrets/tokens', readOnly: true },
                  { name: 'local-certs', mountPath: '/var/run/secrets/istio-dns' },
                  { name: 'cacerts', mountPath: '/etc/cacerts', readOnly: true },
                  { name: 'istio-kubeconfig', mountPath: '/var/run/secrets/remote', readOnly: true },
                  { name: 'istio-csr-dns-cert', mountPath: '/var/run/secrets/istiod/tls', readOnly: true },
                  { name: 'istio-csr-ca-configmap', mountPath: '/var/run/secrets/istiod/ca', readOnly: true },
                ],
              },
            ],
            volumes: [
              { name: 'local-certs', emptyDir: { medium: 'Memory' } },
              {
                name: 'istio-token',
                projected: {
                  sources: [{ serviceAccountToken: { audience: 'istio-ca', expirationSeconds: 43200, path: 'istio-token' } }],
                },
              },
              // A plugged-in CA (cacerts) replaces istiod's self-signed root when present.
              { name: 'cacerts', secret: { secretName: props.caSecret ?? CA_SECRET, optional: props.caSecret === undefined } },
              { name: 'istio-kubeconfig', secret: { secretName: 'istio-kubeconfig', optional: true } },
              // Certificates issued by cert-manager's istio-csr, when that integration is used.
              { name: 'istio-csr-dns-cert', secret: { secretName: 'istiod-tls', optional: true } },
              { name: 'istio-csr-ca-configmap', configMap: { name: 'istio-ca-root-cert', defaultMode: 420, optional: true } },
            ],
          },
        },
      },
    });

    if (autoscale.enabled) {
      new k8s.KubeHorizontalPodAutoscalerV2(this, 'hpa', {
        metadata: { name: this.name, namespace, labels: scalerLabels },
        spec: {
          minReplicas: autoscale.min,
          maxReplicas: autoscale.max,
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: this.name },
          metrics: [
            { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: autoscale.targetCPUUtilization } } },
          ],
        },
      });
    }

    // A budget of one with a single replica would block every node drain, so, like upstream,
    // it exists only when istiod runs more than one replica.
    const minReplicas = autoscale.enabled ? autoscale.min : settings.replicas;
    if (minReplicas > 1) {
      new k8s.KubePodDisruptionBudget(this, 'pdb', {
        metadata: { name: this.name, namespace, labels },
        spec: {
          minAvailable: k8s.IntOrString.fromNumber(1),
          selector: { matchLabels: selectors.service },
        },
      });
    }
  }
}
