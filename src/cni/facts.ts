/**
 * Facts of upstream Istio's CNI node agent (the `cni` Helm chart and the `install-cni` image):
 * names, ports, paths, capabilities, defaults and RBAC rules, as data.
 */
import type * as k8s from 'cdk8s-plus-28/lib/imports/k8s';

/** Name of the ServiceAccount, its ClusterRole and binding, and the `app.kubernetes.io/name` label. */
export const CNI_NAME = 'istio-cni';
/** The plugin looks the agent up by this name when it has to recover, so it never changes. */
export const DAEMONSET_NAME = 'istio-cni-node';
export const CONFIGMAP_NAME = 'istio-cni-config';
export const IMAGE = 'install-cni';
/** The one container of the agent's pods; upstream keys its AppArmor setting by this name. */
export const CONTAINER_NAME = 'install-cni';
/** Selector label of the agent's pods; upstream's, so an existing Helm install is adopted in place. */
export const SELECTOR_LABEL = 'k8s-app';

/** Namespace the distribution owns: meshc renders objects into it but never the namespace itself. */
export const SYSTEM_NAMESPACE = 'kube-system';

export const CniPorts = {
  /** Prometheus metrics. */
  METRICS: 15014,
  /** Health server: `/readyz` once the plugin is installed on the node. */
  HEALTH: 8000,
} as const;

export const READINESS_PATH = '/readyz';
export const METRICS_PATH = '/metrics';

/** Host paths that are the same on every platform. */
export const HostPaths = {
  /** The agent's run directory: the plugin's kubeconfig, its log socket. */
  RUN_DIR: '/var/run/istio-cni',
  /** Where repair finds pod network namespaces. */
  PROC: '/proc',
  /** Network namespaces of pods; only ambient mode mounts it. */
  NETNS: '/var/run/netns',
} as const;

/** Where the agent expects each host path inside its container. */
export const MountPaths = {
  BIN_DIR: '/host/opt/cni/bin',
  CONF_DIR: '/host/etc/cni/net.d',
  RUN_DIR: '/var/run/istio-cni',
  PROC: '/host/proc',
} as const;

/**
 * What the agent needs on the node and nothing more: it runs as root without `privileged`, with
 * every capability dropped except these. NET_ADMIN and NET_RAW program iptables in pod network
 * namespaces, SYS_ADMIN and SYS_PTRACE let repair enter them through /proc, DAC_OVERRIDE writes
 * host CNI directories owned by other users.
 */
export const AGENT_CAPABILITIES = ['NET_ADMIN', 'NET_RAW', 'SYS_PTRACE', 'SYS_ADMIN', 'DAC_OVERRIDE'] as const;

/** Upstream's tolerations: every NoSchedule and NoExecute taint, so every node gets the plugin. */
export const DEFAULT_TOLERATIONS = [
  { effect: 'NoSchedule', operator: 'Exists' },
  { key: 'CriticalAddonsOnly', operator: 'Exists' },
  { effect: 'NoExecute', operator: 'Exists' },
] as const;

export const DEFAULT_PRIORITY_CLASS = 'system-node-critical';

/** Pods of the critical priority class allowed in the agent's namespace, where a platform quotas them. */
export const CRITICAL_POD_QUOTA = 5000;

/** The agent's defaults for repairing pods that started before their traffic redirection existed. */
export const Repair = {
  /** Name of the injected container that fails when redirection is missing. */
  INIT_CONTAINER: 'istio-validation',
  /** Annotation marking injected pods; pods without it are not the agent's business. */
  SIDECAR_ANNOTATION: 'sidecar.istio.io/status',
  BROKEN_POD_LABEL_KEY: 'cni.istio.io/uninitialized',
  BROKEN_POD_LABEL_VALUE: 'true',
} as const;

export const REPAIR_MODES = ['repair', 'delete', 'label'] as const;
export type RepairMode = (typeof REPAIR_MODES)[number];

/** Namespaces whose pods the plugin leaves alone, as upstream. */
export const DEFAULT_EXCLUDE_NAMESPACES = [SYSTEM_NAMESPACE] as const;

/**
 * Which pods ambient mode would capture. meshc runs the agent in sidecar mode only; upstream
 * hands the agent this selector even then, and so does meshc, so the agent sees one configuration.
 */
export const AMBIENT_ENABLEMENT_SELECTORS = [
  { podSelector: { matchLabels: { 'istio.io/dataplane-mode': 'ambient' } } },
  {
    namespaceSelector: { matchLabels: { 'istio.io/dataplane-mode': 'ambient' } },
    podSelector: { matchExpressions: [{ key: 'istio.io/dataplane-mode', operator: 'NotIn', values: ['none'] }] },
  },
];

/** Read access to what the plugin decides on: pods, their namespaces, the node. */
export const CNI_RULES: readonly k8s.PolicyRule[] = [{ apiGroups: [''], resources: ['pods', 'nodes', 'namespaces'], verbs: ['get', 'list', 'watch'] }];

export function sccRule(name: string): k8s.PolicyRule {
  return { apiGroups: ['security.openshift.io'], resources: ['securitycontextconstraints'], resourceNames: [name], verbs: ['use'] };
}

/**
 * The repair controller's rules. Repairing in place needs no more than watching pods and
 * reporting events; deleting or labelling broken pods needs exactly that verb, and labelling
 * goes through pods/status, which is narrower than the pod itself.
 */
export function repairRules(mode: RepairMode): k8s.PolicyRule[] {
  const rules: k8s.PolicyRule[] = [
    { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
    { apiGroups: [''], resources: ['pods'], verbs: ['watch', 'get', 'list'] },
  ];
  if (mode === 'delete') rules.push({ apiGroups: [''], resources: ['pods'], verbs: ['delete'] });
  if (mode === 'label') rules.push({ apiGroups: [''], resources: ['pods/status'], verbs: ['patch', 'update'] });
  return rules;
}
