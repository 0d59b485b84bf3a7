/**
 * The Istio CNI node agent of one cluster: on every node it installs Istio's CNI plugin, which
 * sets up the traffic redirection of injected pods as they are created, so that they need no
 * privileged init container. The agent is the one meshc workload that cannot run restricted; it
 * gets its own namespace, admitting privileged pods, and exactly upstream's privileges.
 */
import { ApiObject, JsonPatch } from 'cdk8s';
import { Construct } from 'constructs';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { stringify } from 'yaml';
import { releaseFacts } from '../catalog/release-facts';
import type { IstioRelease } from '../catalog/versions';
import type { ClusterConfig } from '../config/cluster-config';
import { primaryRevision } from '../config/resolve-istio';
import { managedLabels } from '../control-plane/metadata';
import { Annotations, Labels } from '../labels';
import { resourceRequirements, schedulingSpec } from '../render/pod-tuning';
import { Grant } from '../security/rbac';
import {
  AGENT_CAPABILITIES,
  AMBIENT_ENABLEMENT_SELECTORS,
  CNI_NAME,
  CNI_RULES,
  CONFIGMAP_NAME,
  CONTAINER_NAME,
  CRITICAL_POD_QUOTA,
  CniPorts,
  DAEMONSET_NAME,
  DEFAULT_PRIORITY_CLASS,
  HostPaths,
  IMAGE,
  METRICS_PATH,
  MountPaths,
  READINESS_PATH,
  Repair,
  SELECTOR_LABEL,
  SYSTEM_NAMESPACE,
  repairRules,
  sccRule,
} from './facts';
import { controlPlaneNamespaceMessage, type CniConfig } from './resolve-cni';

export interface IstioCniProps {
  readonly cluster: ClusterConfig;
}

/** Where a NetworkAttachmentDefinition must live for the injector's `default/istio-cni` reference. */
const MULTUS_NETWORK_NAMESPACE = 'default';

export class IstioCni extends Construct {
  constructor(scope: Construct, id: string, props: IstioCniProps) {
    super(scope, id);
    const { cluster } = props;
    const cni = cluster.cni;
    const release = cluster.istio.release;
    const namespace = cni.namespace;
    // Resolution reports this at the fleet file's line once it is given the control-plane
    // namespace; rendering must never loosen that namespace either way.
    if (namespace === cluster.controlPlane.namespace) throw new Error(`cluster "${cluster.name}": ${controlPlaneNamespaceMessage(namespace)}`);
    const ownLabels = {
      [Labels.REV]: primaryRevision(cluster.istio).name,
      [Labels.OPERATOR_COMPONENT]: 'Cni',
      ...managedLabels(CNI_NAME, release),
    };
    const appLabels = { [Labels.APP]: CNI_NAME, ...ownLabels };

    if (namespace !== SYSTEM_NAMESPACE) {
      new k8s.KubeNamespace(this, 'namespace', {
        metadata: {
          name: namespace,
          labels: {
            ...managedLabels(CNI_NAME, release),
            [Labels.POD_SECURITY_ENFORCE]: 'privileged',
            [Labels.POD_SECURITY_ENFORCE_VERSION]: 'latest',
          },
        },
      });
      // kube-system is exempt from such platforms' limit on critical pods; any other namespace
      // needs a quota naming the class, or the DaemonSet's pods are refused.
      if (cni.criticalPodQuota && cni.priorityClassName === DEFAULT_PRIORITY_CLASS) {
        new k8s.KubeResourceQuota(this, 'critical-pods', {
          metadata: { name: `${CNI_NAME}-resource-quota`, namespace, labels: managedLabels(CNI_NAME, release) },
          spec: {
            hard: { pods: k8s.Quantity.fromString(String(CRITICAL_POD_QUOTA)) },
            scopeSelector: { matchExpressions: [{ operator: 'In', scopeName: 'PriorityClass', values: [DEFAULT_PRIORITY_CLASS] }] },
          },
        });
      }
    }

    const sa = { name: CNI_NAME, namespace };
    new k8s.KubeServiceAccount(this, 'sa', { metadata: { ...sa, labels: appLabels } });
    new Grant(this, 'grant', {
      name: CNI_NAME,
      rules: [...CNI_RULES, ...(cni.securityContextConstraints ? [sccRule(cni.securityContextConstraints)] : [])],
      serviceAccount: sa,
      labels: appLabels,
    });
    if (cni.repair.enabled) this.repairGrant(cni, sa, appLabels, ownLabels);

    new k8s.KubeConfigMap(this, 'config', {
      metadata: { name: CONFIGMAP_NAME, namespace, labels: appLabels },
      data: agentConfig(cni, release),
    });

    this.daemonSet(cluster, ownLabels);

    if (cni.provider === 'multus') {
      new ApiObject(this, 'multus-network', {
        apiVersion: 'k8s.cni.cncf.io/v1',
        kind: 'NetworkAttachmentDefinition',
        metadata: { name: CNI_NAME, namespace: MULTUS_NETWORK_NAMESPACE, labels: ownLabels },
      });
    }
  }

  /**
   * Upstream names the repair binding differently from its role; meshc keeps both names, so
   * that adopting a Helm-installed agent replaces its objects instead of leaving a stale binding.
   */
  private repairGrant(cni: CniConfig, sa: { name: string; namespace: string }, appLabels: Record<string, string>, ownLabels: Record<string, string>): void {
    const role = `${CNI_NAME}-repair-role`;
    new k8s.KubeClusterRole(this, 'repair-role', { metadata: { name: role, labels: appLabels }, rules: repairRules(cni.repair.mode) });
    new k8s.KubeClusterRoleBinding(this, 'repair-binding', {
      metadata: { name: `${CNI_NAME}-repair-rolebinding`, labels: { [SELECTOR_LABEL]: `${CNI_NAME}-repair`, ...ownLabels } },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
      subjects: [{ kind: 'ServiceAccount', ...sa }],
    });
  }

  private daemonSet(cluster: ClusterConfig, ownLabels: Record<string, string>): void {
    const cni = cluster.cni;
    const release = cluster.istio.release;
    const selector = { [SELECTOR_LABEL]: DAEMONSET_NAME };
    // Repair enters pod network namespaces through the host's /proc; nothing else needs it.
    const hostProc = cni.repair.enabled && cni.repair.mode === 'repair';
    const fieldEnv = (name: string, fieldPath: string): k8s.EnvVar => ({ name, valueFrom: { fieldRef: { fieldPath } } });
    // Go sizes its heap and threads to the container's limits, when it has any.
    const limitEnv = (name: string, resource: string): k8s.EnvVar => ({
      name,
      valueFrom: { resourceFieldRef: { resource, divisor: k8s.Quantity.fromString('1') } },
    });

    const props: k8s.KubeDaemonSetProps = {
      metadata: { name: DAEMONSET_NAME, namespace: cni.namespace, labels: { ...selector, ...ownLabels } },
      spec: {
        selector: { matchLabels: selector },
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: intOrString(cni.rollout.maxUnavailable) } },
        template: {
          metadata: {
            labels: {
              ...cni.podLabels,
              ...selector,
              [Labels.SIDECAR_INJECT]: 'false',
              [Labels.DATAPLANE_MODE]: 'none',
              ...managedLabels(CNI_NAME, release),
            },
            annotations: {
              ...cni.podAnnotations,
              [Annotations.SIDECAR_INJECT]: 'false',
              [Annotations.PROMETHEUS_SCRAPE]: 'true',
              [Annotations.PROMETHEUS_PORT]: String(CniPorts.METRICS),
              [Annotations.PROMETHEUS_PATH]: METRICS_PATH,
            },
          },
          spec: {
            ...schedulingSpec(cni),
            // Windows nodes have no such plugin; their pods cannot be injected either way.
            nodeSelector: { 'kubernetes.io/os': 'linux', ...cni.nodeSelector },
            serviceAccountName: CNI_NAME,
            terminationGracePeriodSeconds: releaseFacts(release).cni.terminationGracePeriodSeconds,
            containers: [
              {
                name: CONTAINER_NAME,
                image: `${cluster.istio.hub}/${IMAGE}:${release.version}`,
                command: ['install-cni'],
                args: [`--log_output_level=${cni.logLevel}`, ...(cni.logAsJson ? ['--log_as_json'] : [])],
                ports: [{ containerPort: CniPorts.METRICS, name: 'metrics', protocol: 'TCP' }],
                readinessProbe: { httpGet: { path: READINESS_PATH, port: k8s.IntOrString.fromNumber(CniPorts.HEALTH) } },
                securityContext: {
                  privileged: false,
                  runAsGroup: 0,
                  runAsUser: 0,
                  runAsNonRoot: false,
                  capabilities: { drop: ['ALL'], add: [...AGENT_CAPABILITIES] },
                  ...(cni.seLinuxType ? { seLinuxOptions: { type: cni.seLinuxType } } : {}),
                },
                envFrom: [{ configMapRef: { name: CONFIGMAP_NAME } }],
                env: [
                  fieldEnv('REPAIR_NODE_NAME', 'spec.nodeName'),
                  { name: 'REPAIR_RUN_AS_DAEMON', value: 'true' },
                  { name: 'REPAIR_SIDECAR_ANNOTATION', value: Repair.SIDECAR_ANNOTATION },
                  // The pod does not share the host's network namespace; the agent enters it when it must.
                  { name: 'ALLOW_SWITCH_TO_HOST_NS', value: 'true' },
                  { name: 'NODE_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'spec.nodeName' } } },
                  limitEnv('GOMEMLIMIT', 'limits.memory'),
                  limitEnv('GOMAXPROCS', 'limits.cpu'),
                  fieldEnv('POD_NAME', 'metadata.name'),
                  fieldEnv('POD_NAMESPACE', 'metadata.namespace'),
                ],
                volumeMounts: [
                  { mountPath: MountPaths.BIN_DIR, name: 'cni-bin-dir' },
                  ...(hostProc ? [{ mountPath: MountPaths.PROC, name: 'cni-host-procfs', readOnly: true }] : []),
                  { mountPath: MountPaths.CONF_DIR, name: 'cni-net-dir' },
                  { mountPath: MountPaths.RUN_DIR, name: 'cni-socket-dir' },
                ],
                resources: resourceRequirements(cni.resources),
              },
            ],
            volumes: [
              { name: 'cni-bin-dir', hostPath: { path: cni.cniBinDir } },
              ...(hostProc ? [{ name: 'cni-host-procfs', hostPath: { path: HostPaths.PROC, type: 'Directory' } }] : []),
              { name: 'cni-net-dir', hostPath: { path: cni.cniConfDir } },
              { name: 'cni-socket-dir', hostPath: { path: HostPaths.RUN_DIR } },
              // Declared as upstream declares it in every mode; only ambient mode, which meshc does
              // not run, mounts it. The agent must not wait for the runtime to create it.
              { name: 'cni-netns-dir', hostPath: { path: HostPaths.NETNS, type: 'DirectoryOrCreate' } },
            ],
          },
        },
      },
    };
    // The typed classes predate the AppArmor field (Kubernetes 1.30) and drop it from their
    // output, so the DaemonSet is written from the same typed props as a plain object.
    const daemonSet = new ApiObject(this, 'daemonset', { ...k8s.KubeDaemonSet.GVK, ...k8s.toJson_KubeDaemonSetProps(props) });
    // The runtime's default AppArmor profile blocks what the agent does to other pods' network
    // namespaces. Every Kubernetes release meshc supports has the field, which replaced
    // upstream's deprecated per-container annotation.
    daemonSet.addJsonPatch(JsonPatch.add('/spec/template/spec/containers/0/securityContext/appArmorProfile', { type: 'Unconfined' }));
  }
}

/** The agent's configuration (its environment), as upstream's chart renders it for these settings. */
export function agentConfig(cni: CniConfig, release: IstioRelease): Record<string, string> {
  const mode = cni.repair.mode;
  return {
    CURRENT_AGENT_VERSION: release.version,
    AMBIENT_ENABLED: 'false',
    // Serialised as upstream does (Helm's toYaml: Go's YAML with sorted keys and unindented
    // lists, the final newline trimmed), so the agents read the same text.
    AMBIENT_ENABLEMENT_SELECTOR: stringify(AMBIENT_ENABLEMENT_SELECTORS, { indentSeq: false, sortMapEntries: true, lineWidth: 0 }).replace(/\n$/, ''),
    ...releaseFacts(release).cni.ambient,
    ...(cni.cniConfFileName ? { CNI_CONF_NAME: cni.cniConfFileName } : {}),
    ISTIO_OWNED_CNI_CONFIG: 'false',
    CHAINED_CNI_PLUGIN: String(cni.chained),
    EXCLUDE_NAMESPACES: cni.excludeNamespaces.join(','),
    REPAIR_ENABLED: String(cni.repair.enabled),
    REPAIR_LABEL_PODS: String(mode === 'label'),
    REPAIR_DELETE_PODS: String(mode === 'delete'),
    REPAIR_REPAIR_PODS: String(mode === 'repair'),
    REPAIR_INIT_CONTAINER_NAME: Repair.INIT_CONTAINER,
    REPAIR_BROKEN_POD_LABEL_KEY: Repair.BROKEN_POD_LABEL_KEY,
    REPAIR_BROKEN_POD_LABEL_VALUE: Repair.BROKEN_POD_LABEL_VALUE,
    // Must agree with the injector's `global.nativeNftables`: both sides program iptables.
    NATIVE_NFTABLES: 'false',
  };
}

function intOrString(v: string): k8s.IntOrString {
  return /^[0-9]+$/.test(v) ? k8s.IntOrString.fromNumber(Number(v)) : k8s.IntOrString.fromString(v);
}
