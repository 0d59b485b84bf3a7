/**
 * `dataPlaneSync:`: the Job that runs after every sync and restarts workloads whose sidecar is
 * older than (or injected by another revision than) what the cluster's control plane now injects.
 */
import { RESTARTER_NODE_IMAGE } from '../catalog/versions';
import { WEEKDAYS, type MaintenanceWindow } from '../restarter/config';
import { arr, bool, int, obj, oneOfStrings, str, type Static } from './schema-builder';
import { resourcesSchema, type ResourcesInput } from './tuning-schema';
import { DURATION } from './patterns';
import type { ResolveContext } from './resolve-context';
import { durationSeconds } from '../util/duration';

const TIME = '^([01][0-9]|2[0-3]):[0-5][0-9]$';
const DURATION_MESSAGE = 'must be a duration such as 10m, 1h or 90s';

export const DataPlaneSyncSchema = obj(
  {
    enabled: bool({ description: 'Render the Job (Argo CD PostSync hook; for Flux its own Kustomization after the control plane).', default: true }),
    image: str({
      description: 'Node.js image the restarter script runs in; the default is an official `node` image pinned by meshc\'s catalog. Override it to use a mirror.',
      default: RESTARTER_NODE_IMAGE,
      pattern: '^[a-z0-9]([-a-z0-9._:/@]*[a-z0-9])?$',
      patternMessage: 'must be an image reference such as docker.io/library/node:22.12.0-alpine3.21',
    }),
    window: obj(
      {
        days: arr(oneOfStrings(WEEKDAYS, { description: 'Day of the week.' }), { description: 'Days on which the window opens.', minItems: 1, uniqueItems: true }),
        start: str({ description: 'Opening time, HH:MM (24 h) in `timeZone`.', pattern: TIME, patternMessage: 'must be a time HH:MM, e.g. 02:00' }),
        end: str({ description: 'Closing time, HH:MM; earlier than `start` runs past midnight.', pattern: TIME, patternMessage: 'must be a time HH:MM, e.g. 05:00' }),
        timeZone: str({ description: 'IANA time zone of the times, e.g. Europe/Berlin.', default: 'UTC', pattern: '^[A-Za-z_]+(/[A-Za-z0-9_+-]+)*$', patternMessage: 'must be an IANA time zone such as Europe/Berlin or UTC' }),
      },
      {
        description: 'Maintenance window: outside it the Job restarts nothing and reports what it deferred; a CronJob then runs the restarter when the window opens.',
        required: ['days', 'start', 'end'],
      },
    ),
    batches: obj(
      {
        size: int({ description: 'Workloads restarted together before waiting for them to become ready.', default: 5, minimum: 1 }),
        maxPerNamespace: int({ description: 'At most this many workloads of one namespace in one batch.', default: 2, minimum: 1 }),
        maxPerRun: int({ description: 'Workloads restarted in one run; the rest wait for the next run.', default: 50, minimum: 1 }),
        readinessTimeout: str({ description: 'How long a batch may take to become ready before the run stops.', default: '10m', pattern: DURATION, patternMessage: DURATION_MESSAGE }),
      },
      { description: 'How many workloads roll at once.' },
    ),
    deleteBarePods: bool({ description: 'Delete outdated pods no controller owns. They are not recreated: leave this off unless something else recreates them.', default: false }),
    activeDeadline: str({ description: 'The Job is stopped after this long.', default: '1h', pattern: DURATION, patternMessage: DURATION_MESSAGE }),
    resources: resourcesSchema({ requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi' } }),
  },
  { description: 'The post-sync Job that restarts workloads whose sidecar is outdated, once per workload, in batches, inside a maintenance window.' },
);

type DataPlaneSyncInput = Static<typeof DataPlaneSyncSchema>;

export interface DataPlaneSyncSettings {
  readonly enabled: boolean;
  readonly image: string;
  readonly window?: MaintenanceWindow;
  readonly batches: { readonly size: number; readonly maxPerNamespace: number; readonly maxPerRun: number; readonly readinessTimeoutSeconds: number };
  readonly deleteBarePods: boolean;
  readonly activeDeadlineSeconds: number;
  readonly resources: ResourcesInput;
}

export function resolveDataPlaneSync(input: DataPlaneSyncInput, ctx: ResolveContext): DataPlaneSyncSettings {
  // Only the schema's default time zone is present when the fleet file sets no window.
  const w = input.window?.days ? input.window : undefined;
  if (w) {
    if (w.start === w.end) ctx.fail(['dataPlaneSync', 'window', 'end'], `maintenance window closes when it opens (${w.start}); give it a length`);
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: w.timeZone });
    } catch {
      ctx.fail(['dataPlaneSync', 'window', 'timeZone'], `unknown time zone "${w.timeZone}"`);
    }
  }
  const b = input.batches!;
  if (b.maxPerNamespace! > b.size!) {
    ctx.warn(['dataPlaneSync', 'batches', 'maxPerNamespace'], `batches.maxPerNamespace (${b.maxPerNamespace}) is larger than batches.size (${b.size}) and has no effect`);
  }
  const activeDeadlineSeconds = Math.ceil(durationSeconds(input.activeDeadline!));
  const readinessTimeoutSeconds = Math.ceil(durationSeconds(b.readinessTimeout!));
  if (readinessTimeoutSeconds >= activeDeadlineSeconds) {
    ctx.fail(['dataPlaneSync', 'batches', 'readinessTimeout'], `batches.readinessTimeout (${b.readinessTimeout}) must be shorter than activeDeadline (${input.activeDeadline})`);
  }
  return {
    enabled: input.enabled!,
    image: input.image!,
    ...(w ? { window: { days: [...w.days].sort((x, y) => WEEKDAYS.indexOf(x) - WEEKDAYS.indexOf(y)), start: w.start, end: w.end, timeZone: w.timeZone! } } : {}),
    batches: { size: b.size!, maxPerNamespace: b.maxPerNamespace!, maxPerRun: b.maxPerRun!, readinessTimeoutSeconds },
    deleteBarePods: input.deleteBarePods!,
    activeDeadlineSeconds,
    resources: input.resources ?? {},
  };
}
