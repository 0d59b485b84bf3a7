/**
 * What a cluster's istiod injects into a workload: the cluster is rendered, and Istio's own
 * injection webhook (support/istio-webhook.ts) runs with exactly the rendered injector and mesh
 * ConfigMaps, the webhook path of the rendered MutatingWebhookConfiguration and the rendered
 * istiod's environment, as the API server would call it for a pod of that workload.
 */
import { parse, stringify } from 'yaml';
import type { ClusterConfig } from '../../src/config/cluster-config';
import { primaryRevision, revisionOf } from '../../src/config/resolve-istio';
import { revisioned } from '../../src/control-plane/metadata';
import { callInjectionWebhook, type WebhookRequest, type WebhookResponse } from './istio-webhook';
import { find, manifests, type Manifest } from './objects';

export interface InjectOptions {
  /** Revision (or tag) whose injector runs; default: the revision serving default injection. */
  readonly revision?: string;
  /** Adjusts the rendered values document before istiod reads it (goldens made with other images). */
  readonly values?: (values: Record<string, any>) => void;
  /** The cluster's rendered objects, when the caller has them already. */
  readonly objects?: Manifest[];
  /** Adjusts the rendered mesh config before istiod reads it (a MeshConfig field the fleet cannot set yet). */
  readonly mesh?: (mesh: Record<string, any>) => void;
  /** Annotations of the workload's namespace, as the cluster holds them (OpenShift's UID range). */
  readonly namespaceAnnotations?: Readonly<Record<string, string>>;
  /** Allow a stand-in istiod for a release without upstream code of its own (live tests compare with what they run). */
  readonly standIn?: boolean;
}

/** The webhook request and istiod environment for one revision of a rendered cluster. */
export interface InjectorSetup {
  readonly istioVersion: string;
  readonly standIn: boolean;
  readonly env: Record<string, string>;
  readonly request: Omit<WebhookRequest, 'namespace' | 'pod'>;
}

export function injectorSetup(cluster: ClusterConfig, options: InjectOptions = {}): InjectorSetup {
  const objects = options.objects ?? manifests(cluster);
  const revision = options.revision ? revisionOf(cluster.istio, options.revision) : primaryRevision(cluster.istio);
  if (!revision) throw new Error(`cluster ${cluster.name} has no revision or tag ${options.revision}`);
  const name = (base: string) => revisioned(base, revision.name);
  const injector = find(objects, 'ConfigMap', name('istio-sidecar-injector')).data;
  const values = JSON.parse(injector.values);
  options.values?.(values);
  const istiod = find(objects, 'Deployment', name('istiod'));
  const discovery = istiod.spec.template.spec.containers.find((c: Manifest) => c.name === 'discovery');
  const env: Record<string, string> = { POD_NAMESPACE: cluster.controlPlane.namespace };
  for (const e of discovery.env ?? []) if (typeof e.value === 'string') env[e.name] = e.value;
  const webhook = find(objects, 'MutatingWebhookConfiguration', name('istio-sidecar-injector')).webhooks[0];
  return {
    istioVersion: revision.release.version,
    standIn: options.standIn ?? false,
    env,
    request: {
      config: injector.config,
      values: JSON.stringify(values),
      mesh: meshOf(find(objects, 'ConfigMap', name('istio')).data.mesh, options.mesh),
      revision: revision.name,
      path: webhook.clientConfig.service.path,
      clusterId: env.CLUSTER_ID ?? 'Kubernetes',
      kubeletVersion: `v${cluster.kubernetesVersion}.0`,
    },
  };
}

function meshOf(rendered: string, change?: (mesh: Record<string, any>) => void): string {
  if (!change) return rendered;
  const mesh = parse(rendered) as Record<string, any>;
  change(mesh);
  return stringify(mesh);
}

const POD_TEMPLATE_HASH = 'pod-template-hash';

/**
 * The pod a controller would create from a workload, owned as the controller owns it (a
 * Deployment's pods belong to a ReplicaSet named `<deployment>-<hash>`), so that istiod derives
 * the workload name and owner as it does in a cluster.
 */
export function podFor(workload: Manifest): Manifest {
  if (workload.kind === 'Pod') return structuredClone(workload);
  const [apiVersion, kind, name, template] =
    workload.kind === 'Deployment'
      ? ['apps/v1', 'ReplicaSet', `${workload.metadata.name}-7d4b9c8f6`, workload.spec.template]
      : workload.kind === 'CronJob'
        ? [workload.apiVersion, workload.kind, workload.metadata.name, workload.spec.jobTemplate.spec.template]
        : [workload.apiVersion, workload.kind, workload.metadata.name, workload.spec.template];
  const metadata = structuredClone(template.metadata ?? {});
  metadata.generateName = `${name}-`;
  metadata.ownerReferences = [{ apiVersion, kind, name, uid: '00000000-0000-0000-0000-000000000001', controller: true }];
  if (workload.kind === 'Deployment') metadata.labels = { ...metadata.labels, [POD_TEMPLATE_HASH]: '7d4b9c8f6' };
  return { apiVersion: 'v1', kind: 'Pod', metadata, spec: structuredClone(template.spec) };
}

/** Puts an injected pod back into its workload's template, without what podFor added. */
function intoWorkload(workload: Manifest, pod: Manifest): Manifest {
  if (workload.kind === 'Pod') return pod;
  const metadata = { ...pod.metadata };
  delete metadata.generateName;
  delete metadata.ownerReferences;
  if (workload.kind === 'Deployment') {
    const labels = { ...metadata.labels };
    delete labels[POD_TEMPLATE_HASH];
    metadata.labels = labels;
  }
  const out = structuredClone(workload);
  const template = workload.kind === 'CronJob' ? out.spec.jobTemplate.spec.template : out.spec.template;
  template.metadata = metadata;
  template.spec = pod.spec;
  return out;
}

/** Calls the webhook for the pods of several workloads at once (one istiod process). */
export function webhookResponses(setup: InjectorSetup, workloads: readonly Manifest[], namespaceAnnotations?: Readonly<Record<string, string>>): WebhookResponse[] {
  return callInjectionWebhook(
    setup.istioVersion,
    setup.env,
    workloads.map((w) => ({ ...setup.request, namespace: w.metadata?.namespace ?? 'default', ...(namespaceAnnotations ? { namespaceAnnotations } : {}), pod: podFor(w) })),
    { standIn: setup.standIn },
  );
}

/**
 * The workload with its pod template as istiod injects it. Throws istiod's message when istiod
 * refuses the pod (an invalid annotation, a failing template).
 */
export function injectFor(cluster: ClusterConfig, workload: Manifest, options: InjectOptions = {}): Manifest {
  return injectAll(cluster, [workload], options)[0];
}

export function injectAll(cluster: ClusterConfig, workloads: readonly Manifest[], options: InjectOptions = {}): Manifest[] {
  const setup = injectorSetup(cluster, options);
  return webhookResponses(setup, workloads, options.namespaceAnnotations).map((answer, i) => {
    if (!answer.allowed) throw new Error(`istiod refused the pod: ${answer.message}`);
    return answer.patched ? intoWorkload(workloads[i], answer.pod!) : workloads[i];
  });
}

export function podOf(workload: Manifest): Manifest {
  if (workload.kind === 'Pod') return workload;
  return workload.kind === 'CronJob' ? workload.spec.jobTemplate.spec.template : workload.spec.template;
}
