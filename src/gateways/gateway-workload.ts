/**
 * One gateway's workload, as upstream's `gateway` chart installs it: ServiceAccount, the Role
 * that lets it use TLS Secrets, Service, Deployment, autoscaler, plus a disruption budget.
 *
 * The Deployment only declares a pod with an `istio-proxy` container of image `auto`; istiod's
 * injection webhook fills in the proxy with meshc's `gateway` template when the pod is created.
 */
import { Construct } from 'constructs';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import type { IstioRelease } from '../catalog/versions';
import { managedLabels } from '../control-plane/metadata';
import { ProxyPorts } from '../injection/proxy-ports';
import { Annotations, Labels } from '../labels';
import { resourceRequirements, rollingUpdate, schedulingSpec } from '../render/pod-tuning';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from '../security/restricted';
import { AUTO_IMAGE, GATEWAY_TEMPLATE, PROXY_CONTAINER } from './names';
import type { GatewaySettings } from './resolve-gateways';
import { gatewayConfigHash, podProxyConfig } from './topology';

export interface GatewayWorkloadProps {
  readonly settings: GatewaySettings;
  readonly release: IstioRelease;
}

/**
 * The health port keeps the name load balancers know (`status-port`), which names no protocol:
 * Istio would have to guess it, and istioctl rejects such a Service. `tcp` rather than `http`
 * because some cloud load balancers switch their health probe to HTTP on `/` for an HTTP
 * appProtocol, a path the health endpoint does not serve.
 */
const HEALTH_APP_PROTOCOL = 'tcp';

/** Envoy drains listeners for this long on shutdown; upstream's chart value. */
const TERMINATION_GRACE_SECONDS = 30;

/**
 * The gateway reads TLS Secrets of its namespace through istiod, which first checks that the
 * gateway's ServiceAccount could list them itself: without this grant `credentialName` fails.
 */
const SECRET_READER_RULES: k8s.PolicyRule[] = [{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'watch', 'list'] }];

export class GatewayWorkload extends Construct {
  constructor(scope: Construct, id: string, props: GatewayWorkloadProps) {
    super(scope, id);
    const { settings: g, release } = props;
    const { name, namespace } = g;
    const labels = {
      ...g.labels,
      ...g.selector,
      // Gateways are proxies themselves; ambient capture would route their traffic twice.
      [Labels.DATAPLANE_MODE]: 'none',
      ...managedLabels(name, release),
    };
    const metadata = { name, namespace, labels };

    new k8s.KubeServiceAccount(this, 'sa', { metadata });
    new k8s.KubeRole(this, 'role', { metadata, rules: SECRET_READER_RULES });
    new k8s.KubeRoleBinding(this, 'binding', {
      metadata,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      // A RoleBinding's ServiceAccount subject defaults to the binding's namespace, as upstream leaves it.
      subjects: [{ kind: 'ServiceAccount', name }],
    });

    const { service } = g;
    new k8s.KubeService(this, 'service', {
      metadata: { ...metadata, ...(Object.keys(service.annotations).length ? { annotations: { ...service.annotations } } : {}) },
      spec: {
        type: service.type,
        selector: { ...g.selector },
        ports: service.ports.map((p) => ({
          name: p.name,
          port: p.port,
          protocol: p.protocol,
          targetPort: k8s.IntOrString.fromNumber(p.targetPort),
          ...(p.nodePort !== undefined ? { nodePort: p.nodePort } : {}),
          ...(p.targetPort === ProxyPorts.HEALTH ? { appProtocol: HEALTH_APP_PROTOCOL } : {}),
        })),
        ...(service.loadBalancerSourceRanges.length ? { loadBalancerSourceRanges: [...service.loadBalancerSourceRanges] } : {}),
        ...(service.externalTrafficPolicy ? { externalTrafficPolicy: service.externalTrafficPolicy } : {}),
      },
    });

    const { autoscale } = g;
    new k8s.KubeDeployment(this, 'deployment', {
      metadata,
      spec: {
        // With autoscaling the HPA owns the replica count; a rendered one would fight it on every sync.
        replicas: autoscale.enabled ? undefined : g.replicas,
        strategy: rollingUpdate(g.rollout),
        selector: { matchLabels: { ...g.selector } },
        template: {
          metadata: {
            annotations: {
              [Annotations.PROMETHEUS_PATH]: '/stats/prometheus',
              [Annotations.PROMETHEUS_PORT]: String(ProxyPorts.STATUS),
              [Annotations.PROMETHEUS_SCRAPE]: 'true',
              ...g.podAnnotations,
              [Annotations.INJECT_TEMPLATES]: GATEWAY_TEMPLATE,
              [Annotations.SIDECAR_INJECT]: 'true',
              [Annotations.GATEWAY_CONFIG_HASH]: gatewayConfigHash(g.topology),
              ...(g.topologyOnPod ? { [Annotations.PROXY_CONFIG]: podProxyConfig(g.topology) } : {}),
            },
            labels: {
              ...g.podLabels,
              ...labels,
              [Labels.SIDECAR_INJECT]: 'true',
              ...(g.injection.revisionLabel ? { [Labels.REV]: g.injection.revisionLabel } : {}),
            },
          },
          spec: {
            serviceAccountName: name,
            securityContext: {
              ...restrictedPodSecurityContext(),
              // Lets the non-root proxy listen on 80 and 443; a namespaced sysctl the restricted standard allows.
              sysctls: [{ name: 'net.ipv4.ip_unprivileged_port_start', value: '0' }],
            },
            ...schedulingSpec(g, g.selector),
            containers: [
              {
                name: PROXY_CONTAINER,
                image: AUTO_IMAGE,
                securityContext: { ...restrictedContainerSecurityContext(), privileged: false },
                ports: [{ containerPort: ProxyPorts.ENVOY_PROMETHEUS, protocol: 'TCP', name: 'http-envoy-prom' }],
                resources: resourceRequirements(g.resources),
                ...(Object.keys(g.proxyEnv).length ? { env: Object.keys(g.proxyEnv).sort().map((name) => ({ name, value: g.proxyEnv[name] })) } : {}),
              },
            ],
            terminationGracePeriodSeconds: TERMINATION_GRACE_SECONDS,
          },
        },
      },
    });

    if (autoscale.enabled) {
      new k8s.KubeHorizontalPodAutoscalerV2(this, 'hpa', {
        metadata,
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
          minReplicas: autoscale.min,
          maxReplicas: autoscale.max,
          metrics: [
            { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: autoscale.targetCPUUtilization } } },
          ],
        },
      });
    }

    // One pod at a time may be evicted, whatever the replica count: a drain never empties the
    // gateway while it runs more than one replica, and never blocks on a single one. Unhealthy
    // pods serve nothing, so they never hold a drain up.
    new k8s.KubePodDisruptionBudget(this, 'pdb', {
      metadata,
      spec: {
        maxUnavailable: k8s.IntOrString.fromNumber(1),
        selector: { matchLabels: { ...g.selector } },
        unhealthyPodEvictionPolicy: 'AlwaysAllow',
      },
    });
  }
}
