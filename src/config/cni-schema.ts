/** Fleet-file schema of the Istio CNI node agent. */
import { CNI_PLATFORMS, CNI_PLATFORM_PRESETS } from '../cni/platforms';
import { DEFAULT_EXCLUDE_NAMESPACES, DEFAULT_PRIORITY_CLASS, DEFAULT_TOLERATIONS, REPAIR_MODES } from '../cni/facts';
import { arr, bool, obj, oneOfStrings, str, type Schema } from './schema-builder';
import { MAX_UNAVAILABLE, resourcesSchema, SchedulingSchemaProps } from './tuning-schema';
import { DNS_LABEL, DNS_LABEL_MESSAGE } from './patterns';

const ABSOLUTE_PATH = '^/([A-Za-z0-9._+-]+/?)*$';
const LEVEL = '(debug|info|warn|error|none)';
const LOG_LEVEL = `^(${LEVEL}|[a-z][a-z0-9-]*:${LEVEL})(,(${LEVEL}|[a-z][a-z0-9-]*:${LEVEL}))*$`;

const presetList = CNI_PLATFORMS.map((p) => `\`${p}\` (${CNI_PLATFORM_PRESETS[p].cniBinDir}, ${CNI_PLATFORM_PRESETS[p].cniConfDir})`).join(', ');

const hostDir = (what: string, platformField: 'cniBinDir' | 'cniConfDir') =>
  str({
    description: `Host directory ${what}; overrides the platform preset (default: the preset's, \`${CNI_PLATFORM_PRESETS.default[platformField]}\` on \`default\`).`,
    pattern: ABSOLUTE_PATH,
    patternMessage: 'must be an absolute path such as /opt/cni/bin',
  });

/** A shared scheduling field, described for the agent and with the agent's own default, if any. */
function forAgent<T>(schema: Schema<T>, description: string, dflt?: unknown): Schema<T> {
  return { json: { ...schema.json, description, ...(dflt === undefined ? {} : { default: dflt }) } };
}

export const CniSchema = obj(
  {
    enabled: bool({ description: 'Run the Istio CNI node agent, so pods need no privileged init container.', default: false }),
    platform: oneOfStrings(CNI_PLATFORMS, {
      description: `Kubernetes distribution, for the host paths of CNI plugins and their configuration: ${presetList}. \`gke\` adds a ResourceQuota for system-node-critical pods; \`openshift\` runs the plugin as a Multus network.`,
      default: 'default',
    }),
    cniBinDir: hostDir('the container runtime loads CNI plugin binaries from', 'cniBinDir'),
    cniConfDir: hostDir('of the CNI network configuration Istio\'s plugin is added to', 'cniConfDir'),
    namespace: str({
      description: 'Namespace the agent runs in, labelled to admit privileged pods: the agent is the one component that cannot run restricted. `kube-system` uses the cluster\'s own namespace, which meshc then does not render.',
      default: 'istio-cni',
      pattern: DNS_LABEL,
      patternMessage: DNS_LABEL_MESSAGE,
    }),
    excludeNamespaces: arr(str({ pattern: DNS_LABEL, patternMessage: DNS_LABEL_MESSAGE }), {
      description: 'Namespaces whose pods the plugin never touches.',
      default: [...DEFAULT_EXCLUDE_NAMESPACES],
      uniqueItems: true,
    }),
    repair: obj(
      {
        enabled: bool({ description: 'Watch for injected pods that started before the plugin set up their traffic redirection.', default: true }),
        mode: oneOfStrings(REPAIR_MODES, {
          description: 'What happens to such a pod: `repair` sets its redirection up in place (no extra RBAC); `delete` deletes it to be recreated (RBAC: delete any pod); `label` labels it `cni.istio.io/uninitialized=true` for you to act on (RBAC: update any pod\'s status).',
          default: 'repair',
        }),
      },
      { description: 'Repair of pods the plugin missed, for example because they started while the agent was restarting on their node.' },
    ),
    logLevel: str({
      description: 'Log output level of the agent, as its `--log_output_level`: a level, or scope:level pairs separated by commas.',
      default: 'info',
      pattern: LOG_LEVEL,
      patternMessage: 'must be a level or scope:level pairs separated by commas, e.g. info or default:info,cni:debug (levels: debug, info, warn, error, none)',
    }),
    logAsJson: bool({ description: 'Log as JSON instead of text.', default: false }),
    resources: resourcesSchema({ requests: { cpu: '100m', memory: '100Mi' } }),
    rollout: obj(
      {
        maxUnavailable: str({
          description: 'Nodes whose agent may be down at once during a rollout: a number or a percentage of nodes, at least 1.',
          default: '1',
          pattern: MAX_UNAVAILABLE,
          patternMessage: 'must be a number or a percentage from 1% to 100%, such as 1 or 10%',
        }),
      },
      { description: 'Rolling update of the DaemonSet. Pods on a node whose agent is restarting start without redirection until repair catches them.' },
    ),
    nodeSelector: forAgent(
      SchedulingSchemaProps.nodeSelector,
      'Node labels the agent runs on, in addition to `kubernetes.io/os: linux`. Injected pods on nodes without the agent do not start.',
    ),
    tolerations: forAgent(
      SchedulingSchemaProps.tolerations,
      'Taints the agent tolerates. The default tolerates every NoSchedule and NoExecute taint, so every node runs it; a list given replaces the default.',
      DEFAULT_TOLERATIONS.map((t) => ({ ...t })),
    ),
    affinity: SchedulingSchemaProps.affinity,
    priorityClassName: forAgent(
      SchedulingSchemaProps.priorityClassName,
      'PriorityClass of the agent: node-critical, so it is never preempted and is scheduled first on a new node.',
      DEFAULT_PRIORITY_CLASS,
    ),
    podLabels: SchedulingSchemaProps.podLabels,
    podAnnotations: SchedulingSchemaProps.podAnnotations,
  },
  { description: 'Istio CNI: a node agent that sets up traffic redirection for injected pods, so they need no privileged init container.' },
);
