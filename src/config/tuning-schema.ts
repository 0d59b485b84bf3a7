/**
 * Fine-tuning every workload meshc renders shares: resources, scaling, rollout and
 * scheduling, validated with the rules operators such as Kyma's apply.
 */
import { arr, bool, int, obj, oneOfStrings, orNull, record, str, type Static } from './schema-builder';
import { LABEL_KEY } from './patterns';

const CPU = '^([0-9]+m|[0-9]+(\\.[0-9]{1,3})?)$';
const MEMORY = '^[0-9]+(\\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$';
export const MAX_SURGE = '^[0-9]+%?$';
export const MAX_UNAVAILABLE = '^((100|[0-9]{1,2})%|[0-9]+)$';

const cpu = (description: string, dflt?: string) =>
  str({ description, default: dflt, pattern: CPU, patternMessage: 'must be a CPU quantity such as 500m or 2' });
const memory = (description: string, dflt?: string) =>
  str({ description, default: dflt, pattern: MEMORY, patternMessage: 'must be a memory quantity such as 512Mi or 2Gi' });

export interface ResourceDefaults {
  readonly requests?: { readonly cpu?: string; readonly memory?: string };
  readonly limits?: { readonly cpu?: string; readonly memory?: string };
}

/** Container resources with a component's own defaults (fields given replace defaults one by one). */
export function resourcesSchema(defaults: ResourceDefaults = {}) {
  return obj(
    {
      requests: obj(
        { cpu: cpu('CPU request.', defaults.requests?.cpu), memory: memory('Memory request.', defaults.requests?.memory) },
        { description: 'Guaranteed resources; an HPA\'s CPU target is a share of the CPU request.' },
      ),
      limits: obj(
        { cpu: cpu('CPU limit.', defaults.limits?.cpu), memory: memory('Memory limit.', defaults.limits?.memory) },
        { description: 'Upper bounds.' },
      ),
    },
    { description: 'Container resources; fields given replace the default field by field.' },
  );
}
export type ResourcesInput = Static<ReturnType<typeof resourcesSchema>>;

const ephemeralStorage = (description: string) =>
  str({ description, pattern: MEMORY, patternMessage: 'must be a storage quantity such as 1Gi' });

/**
 * Resources of the injected proxy: like resourcesSchema, plus ephemeral storage, and `null` to
 * remove a default (a proxy without a CPU limit, say), as upstream's `omitNil` allows.
 */
export function proxyResourcesSchema(defaults: ResourceDefaults) {
  const group = (what: string, d: ResourceDefaults['requests']) =>
    obj(
      {
        cpu: orNull(cpu(`CPU ${what}; null removes the default.`, d?.cpu)),
        memory: orNull(memory(`Memory ${what}; null removes the default.`, d?.memory)),
        'ephemeral-storage': orNull(ephemeralStorage(`Ephemeral storage ${what}.`)),
      },
      { description: what === 'request' ? 'Guaranteed resources.' : 'Upper bounds.' },
    );
  return obj(
    { requests: group('request', defaults.requests), limits: group('limit', defaults.limits) },
    { description: 'Container resources; fields given replace the default field by field, and `null` removes one.' },
  );
}
type ProxyResourceName = 'cpu' | 'memory' | 'ephemeral-storage';
/** Proxy resources as resolved: the defaults a fleet removed with null are gone. */
export interface ProxyResources {
  readonly requests?: Readonly<Partial<Record<ProxyResourceName, string>>>;
  readonly limits?: Readonly<Partial<Record<ProxyResourceName, string>>>;
}

/** Drops the fields set to null, and groups left empty. */
export function withoutNulls(input: Static<ReturnType<typeof proxyResourcesSchema>> | undefined): ProxyResources {
  const out: Record<string, Record<string, string>> = {};
  for (const group of ['requests', 'limits'] as const) {
    const fields = Object.entries(input?.[group] ?? {}).filter((e): e is [string, string] => typeof e[1] === 'string');
    if (fields.length) out[group] = Object.fromEntries(fields);
  }
  return out;
}

export function autoscaleSchema(component: string, defaults: { min: number; max: number; targetCPUUtilization: number }) {
  return obj(
    {
      enabled: bool({ description: 'Render a HorizontalPodAutoscaler; when off, `replicas` is fixed.', default: true }),
      min: int({ description: 'Minimum replicas.', default: defaults.min, minimum: 1 }),
      max: int({ description: 'Maximum replicas (at least `min`).', default: defaults.max, minimum: 1 }),
      targetCPUUtilization: int({
        description: 'Average CPU utilisation (percent of requests) the HPA aims for.',
        default: defaults.targetCPUUtilization,
        minimum: 1,
        maximum: 100,
      }),
    },
    { description: `Horizontal autoscaling of ${component}.` },
  );
}

export function rolloutSchema(defaults: { maxSurge: string; maxUnavailable: string }) {
  return obj(
    {
      maxSurge: str({
        description: 'Pods created above the desired count during a rollout: a number or a percentage.',
        default: defaults.maxSurge,
        pattern: MAX_SURGE,
        patternMessage: 'must be a number or a percentage such as 1 or 25%',
      }),
      maxUnavailable: str({
        description: 'Pods that may be unavailable during a rollout: a number or a percentage up to 100%.',
        default: defaults.maxUnavailable,
        pattern: MAX_UNAVAILABLE,
        patternMessage: 'must be a number or a percentage from 0% to 100%, such as 0 or 25%',
      }),
    },
    { description: 'Rolling update strategy.' },
  );
}

const TolerationSchema = obj(
  {
    key: str({ description: 'Taint key; empty with operator Exists tolerates everything.' }),
    operator: oneOfStrings(['Exists', 'Equal'] as const, { description: 'How the value is matched.', default: 'Equal' }),
    value: str({ description: 'Taint value, for operator Equal.' }),
    effect: oneOfStrings(['NoSchedule', 'PreferNoSchedule', 'NoExecute'] as const, { description: 'Taint effect; unset matches all.' }),
    tolerationSeconds: int({ description: 'How long a NoExecute taint is tolerated.', minimum: 0 }),
  },
  { description: 'A Kubernetes toleration.' },
);

/** Where pods run and what they carry: shared by every workload. */
export const SchedulingSchemaProps = {
  nodeSelector: record(str(), { description: 'Node labels the pods must run on.', keyPattern: LABEL_KEY }),
  tolerations: arr(TolerationSchema, { description: 'Taints the pods tolerate.' }),
  affinity: {
    json: {
      type: 'object',
      description: 'Kubernetes affinity (nodeAffinity, podAffinity, podAntiAffinity), as in a pod spec.',
      properties: { nodeAffinity: { type: 'object' }, podAffinity: { type: 'object' }, podAntiAffinity: { type: 'object' } },
      additionalProperties: false,
    },
  } as { json: Record<string, unknown>; __type?: { nodeAffinity?: Record<string, unknown>; podAffinity?: Record<string, unknown>; podAntiAffinity?: Record<string, unknown> } },
  topologySpread: oneOfStrings(['none', 'hosts', 'zones', 'hosts-and-zones'] as const, {
    description: 'Spread replicas across nodes and/or zones (topologySpreadConstraints, ScheduleAnyway), so one node or zone failing never takes all of them.',
    default: 'none',
  }),
  priorityClassName: str({ description: 'PriorityClass of the pods.', pattern: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$', patternMessage: 'must be the name of a PriorityClass' }),
  podLabels: record(str({ maxLength: 63 }), { description: 'Extra labels on the pods.', keyPattern: LABEL_KEY }),
  podAnnotations: record(str(), { description: 'Extra annotations on the pods.', keyPattern: LABEL_KEY }),
};

type SchedulingInput = { [K in keyof typeof SchedulingSchemaProps]?: Static<(typeof SchedulingSchemaProps)[K]> };
export type Toleration = Static<typeof TolerationSchema>;

/** Scheduling of a workload after resolution: empty collections instead of absent ones. */
export interface Scheduling {
  readonly nodeSelector: Readonly<Record<string, string>>;
  readonly tolerations: readonly Toleration[];
  readonly affinity?: Static<(typeof SchedulingSchemaProps)['affinity']>;
  readonly priorityClassName?: string;
  readonly topologySpread: 'none' | 'hosts' | 'zones' | 'hosts-and-zones';
  readonly podLabels: Readonly<Record<string, string>>;
  readonly podAnnotations: Readonly<Record<string, string>>;
}

export function resolveScheduling(input: SchedulingInput): Scheduling {
  return {
    nodeSelector: input.nodeSelector ?? {},
    tolerations: input.tolerations ?? [],
    affinity: input.affinity,
    priorityClassName: input.priorityClassName,
    topologySpread: input.topologySpread ?? 'none',
    podLabels: input.podLabels ?? {},
    podAnnotations: input.podAnnotations ?? {},
  };
}

export const SCHEDULING_KEYS = Object.keys(SchedulingSchemaProps) as (keyof typeof SchedulingSchemaProps)[];
