/**
 * The data-plane sync Job: after every sync it restarts, once each, the workloads whose sidecar
 * no longer matches what the control plane injects (a new proxy version, a moved tag, a removed
 * revision, a CNI switch). An upgrade is only finished when the data plane has moved too.
 *
 * Argo CD runs it as a PostSync hook (recreated before each run). Flux applies it like any
 * object, so its name carries a hash of everything it acts on: a new target is a new Job, and an
 * unchanged one is not run again on every reconciliation.
 */
import { createHash } from 'node:crypto';
import { Construct } from 'constructs';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { RESTARTER_NODE_UID } from '../catalog/versions';
import type { DataPlaneSyncSettings } from '../config/data-plane-sync-schema';
import { Labels, MANAGER } from '../labels';
import { resourceRequirements } from '../render/pod-tuning';
import type { RestarterConfig } from '../restarter/config';
import { Grant } from '../security/rbac';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from '../security/restricted';
import { WEEKDAYS } from '../restarter/config';

export const DATA_PLANE_SYNC_NAME = 'meshc-dataplane-sync';
const MOUNT = '/etc/meshc';
const SCRIPT_KEY = 'restarter.js';
const CONFIG_KEY = 'restarter.json';

export const ARGOCD_HOOK_ANNOTATION = 'argocd.argoproj.io/hook';
export const ARGOCD_HOOK_DELETE_POLICY_ANNOTATION = 'argocd.argoproj.io/hook-delete-policy';

export interface DataPlaneSyncProps {
  readonly namespace: string;
  readonly settings: DataPlaneSyncSettings;
  readonly config: RestarterConfig;
  /** The restarter, one dependency-free JavaScript file. */
  readonly script: string;
}

/**
 * Exactly what the restarter does, and nothing more: read pods, namespaces and ReplicaSets
 * (to find a pod's Deployment and see rollouts in progress), patch the pod template of the
 * three workload kinds, record Events, and delete pods only when bare-pod deletion is on.
 */
export function restarterRules(deleteBarePods: boolean): k8s.PolicyRule[] {
  return [
    { apiGroups: [''], resources: ['namespaces', 'pods'], verbs: ['list'] },
    ...(deleteBarePods ? [{ apiGroups: [''], resources: ['pods'], verbs: ['delete'] }] : []),
    { apiGroups: [''], resources: ['events'], verbs: ['create'] },
    { apiGroups: ['apps'], resources: ['replicasets'], verbs: ['list'] },
    { apiGroups: ['apps'], resources: ['daemonsets', 'deployments', 'statefulsets'], verbs: ['patch'] },
  ];
}

/** `HH:MM` on the window's days → a cron schedule opening the window (the CronJob carries the time zone). */
export function windowSchedule(window: NonNullable<RestarterConfig['window']>): string {
  const [hour, minute] = window.start.split(':').map(Number);
  // cron counts days from Sunday = 0.
  const days = window.days.map((d) => (WEEKDAYS.indexOf(d) + 1) % 7).sort((a, b) => a - b);
  return `${minute} ${hour} * * ${days.join(',')}`;
}

export class DataPlaneSync extends Construct {
  /** Name of the Job (and its ConfigMap): the base name and the hash of what it acts on. */
  readonly jobName: string;

  constructor(scope: Construct, id: string, props: DataPlaneSyncProps) {
    super(scope, id);
    const { namespace, settings } = props;
    const configJson = JSON.stringify(props.config, null, 2) + '\n';
    const hash = createHash('sha256').update(configJson).update('\0').update(props.script).digest('hex').slice(0, 10);
    this.jobName = `${DATA_PLANE_SYNC_NAME}-${hash}`;
    const labels = { [Labels.NAME]: DATA_PLANE_SYNC_NAME, [Labels.PART_OF]: 'istio', [Labels.MANAGED_BY]: MANAGER };
    const serviceAccount = { name: DATA_PLANE_SYNC_NAME, namespace };

    new k8s.KubeServiceAccount(this, 'sa', { metadata: { ...serviceAccount, labels } });
    new Grant(this, 'grant', { name: DATA_PLANE_SYNC_NAME, rules: restarterRules(settings.deleteBarePods), serviceAccount, labels });
    new k8s.KubeConfigMap(this, 'config', {
      metadata: { name: this.jobName, namespace, labels },
      data: { [CONFIG_KEY]: configJson, [SCRIPT_KEY]: props.script },
    });

    const podSpec: k8s.PodSpec = {
      serviceAccountName: DATA_PLANE_SYNC_NAME,
      restartPolicy: 'Never',
      securityContext: { ...restrictedPodSecurityContext(), runAsUser: RESTARTER_NODE_UID, runAsGroup: RESTARTER_NODE_UID },
      containers: [
        {
          name: 'restarter',
          image: settings.image,
          command: ['node', `${MOUNT}/${SCRIPT_KEY}`, '--config', `${MOUNT}/${CONFIG_KEY}`],
          resources: resourceRequirements(settings.resources),
          securityContext: restrictedContainerSecurityContext(),
          volumeMounts: [{ name: 'restarter', mountPath: MOUNT, readOnly: true }],
        },
      ],
      volumes: [{ name: 'restarter', configMap: { name: this.jobName } }],
    };
    const jobSpec: k8s.JobSpec = {
      // The restarter retries API errors itself; a failed run is for a person to read, not to repeat blindly.
      backoffLimit: 0,
      activeDeadlineSeconds: settings.activeDeadlineSeconds,
      template: { metadata: { labels }, spec: podSpec },
    };
    new k8s.KubeJob(this, 'job', {
      metadata: {
        name: this.jobName,
        namespace,
        labels,
        annotations: { [ARGOCD_HOOK_ANNOTATION]: 'PostSync', [ARGOCD_HOOK_DELETE_POLICY_ANNOTATION]: 'BeforeHookCreation' },
      },
      spec: jobSpec,
    });
    // Outside the window the Job defers; this runs the same restarter when the window opens.
    if (props.config.window) {
      new k8s.KubeCronJob(this, 'cron', {
        metadata: { name: DATA_PLANE_SYNC_NAME, namespace, labels },
        spec: {
          schedule: windowSchedule(props.config.window),
          timeZone: props.config.window.timeZone,
          concurrencyPolicy: 'Forbid',
          successfulJobsHistoryLimit: 1,
          failedJobsHistoryLimit: 1,
          jobTemplate: { spec: jobSpec },
        },
      });
    }
  }
}
