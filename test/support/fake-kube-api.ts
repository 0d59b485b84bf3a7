/**
 * Builders of the Kubernetes objects the restarter reads, and a fake API server speaking the
 * few calls it makes (plain HTTP on 127.0.0.1): paged lists of namespaces, pods and
 * ReplicaSets; merge patches of Deployments, StatefulSets and DaemonSets, which roll the
 * workload like its controller would (new pods from the new template, injected as the fake
 * injector says); Events; pod deletion. Faults can be injected per route.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RestarterConfig } from '../../src/restarter/config';
import type { KubeEvent, Namespace, OwnerReference, Pod, ReplicaSet } from '../../src/restarter/kube-types';
import type { WorkloadKind } from '../../src/restarter/owners';

// ---------------------------------------------------------------- object builders

/** Two revisions of a cluster mid-upgrade, as the restarter tests use them. */
export const OLD_REVISION = { name: '1-29-6', version: '1.29.6', proxyImage: 'docker.io/istio/proxyv2:1.29.6' };
export const NEW_REVISION = { name: '1-30-3', version: '1.30.3', proxyImage: 'docker.io/istio/proxyv2:1.30.3' };
export const RESTARTED_ANNOTATION = 'meshc.dev/sidecar-restarted-for';

/** A restarter configuration for those two revisions (`stable` tag and default: the new one). */
export function testRestarterConfig(overrides: Partial<RestarterConfig> = {}): RestarterConfig {
  return {
    cluster: 'test',
    revisions: [OLD_REVISION, NEW_REVISION],
    tags: { stable: NEW_REVISION.name },
    defaultRevision: NEW_REVISION.name,
    initContainer: 'istio-init',
    restartAnnotation: RESTARTED_ANNOTATION,
    namespaceOptOutLabel: 'meshc.dev/sidecar-restart',
    workloadOptOutAnnotation: 'meshc.dev/sidecar-restart',
    batches: { size: 5, maxPerNamespace: 5, maxPerRun: 50, readinessTimeoutSeconds: 600 },
    deleteBarePods: false,
    ...overrides,
  };
}

export const STATUS_ANNOTATION = 'sidecar.istio.io/status';

/** What a pod's sidecar looks like; `revision` undefined means neither label nor status revision (very old Istio). */
export interface ProxySpec {
  readonly revision?: string;
  readonly image: string;
  /** Init container; `null` for none (gateways). Default istio-init. */
  readonly init?: 'istio-init' | 'istio-validation' | null;
  /** istio-proxy as a native sidecar (init container with restartPolicy Always). */
  readonly native?: boolean;
  /** Carry the revision only in the status annotation, not as the istio.io/rev label. */
  readonly revisionInStatusOnly?: boolean;
}

export function uidOf(kind: string, namespace: string, name: string): string {
  return `uid-${kind.toLowerCase()}-${namespace}-${name}`;
}

export function ownerRef(kind: string, namespace: string, name: string, apiVersion = kind === 'Job' ? 'batch/v1' : 'apps/v1'): OwnerReference {
  return { apiVersion, kind, name, uid: uidOf(kind, namespace, name), controller: true };
}

export function namespace(name: string, labels: Record<string, string> = {}): Namespace {
  return { metadata: { name, uid: uidOf('Namespace', '', name), labels } };
}

export interface PodOptions {
  /** Undefined: a pod without sidecar. */
  readonly proxy?: ProxySpec;
  readonly owner?: OwnerReference;
  readonly annotations?: Record<string, string>;
  readonly labels?: Record<string, string>;
  /** Default true. */
  readonly ready?: boolean;
  readonly phase?: string;
  readonly terminating?: boolean;
}

export function pod(ns: string, name: string, options: PodOptions = {}): Pod {
  const { proxy } = options;
  const labels: Record<string, string> = { app: name, ...options.labels };
  const annotations: Record<string, string> = { ...options.annotations };
  const containers = [{ name: 'app', image: 'example.com/app:1' }];
  const initContainers: { name: string; image: string; restartPolicy?: string }[] = [];
  if (proxy) {
    const status: Record<string, unknown> = { initContainers: ['istio-init'], containers: ['istio-proxy'] };
    if (proxy.revision !== undefined) {
      status.revision = proxy.revision;
      // istiod records the injecting revision in an annotation; the label is the user's selector.
      if (!proxy.revisionInStatusOnly) annotations['istio.io/rev'] = proxy.revision;
    }
    annotations[STATUS_ANNOTATION] = JSON.stringify(status);
    const init = proxy.init === undefined ? 'istio-init' : proxy.init;
    if (init) initContainers.push({ name: init, image: proxy.image });
    if (proxy.native) initContainers.push({ name: 'istio-proxy', image: proxy.image, restartPolicy: 'Always' });
    else containers.push({ name: 'istio-proxy', image: proxy.image });
  }
  const ready = options.ready ?? true;
  return {
    metadata: {
      name,
      namespace: ns,
      uid: uidOf('Pod', ns, name),
      labels,
      annotations,
      ...(options.owner ? { ownerReferences: [options.owner] } : {}),
      ...(options.terminating ? { deletionTimestamp: '2025-01-01T00:00:00Z' } : {}),
    },
    spec: { containers, ...(initContainers.length ? { initContainers } : {}) },
    status: { phase: options.phase ?? 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
  };
}

export interface ReplicaSetOptions {
  /** Owning Deployment; undefined for a bare ReplicaSet. */
  readonly deployment?: string;
  readonly replicas?: number;
  /** Rollout number (deployment.kubernetes.io/revision). */
  readonly revision?: number;
  readonly templateAnnotations?: Record<string, string>;
}

export function replicaSet(ns: string, name: string, options: ReplicaSetOptions = {}): ReplicaSet {
  const replicas = options.replicas ?? 1;
  return {
    metadata: {
      name,
      namespace: ns,
      uid: uidOf('ReplicaSet', ns, name),
      annotations: { 'deployment.kubernetes.io/revision': String(options.revision ?? 1) },
      ...(options.deployment ? { ownerReferences: [ownerRef('Deployment', ns, options.deployment)] } : {}),
    },
    spec: { replicas, template: { metadata: { annotations: { ...options.templateAnnotations } } } },
    status: { replicas },
  };
}

// ---------------------------------------------------------------- the fake API server

/** What the injector gives a new pod of a namespace (the fake's stand-in for istiod's webhook). */
export type Injector = (namespace: string) => ProxySpec | undefined;

export interface Fault {
  readonly method: string;
  /** Matches the path (without query) when it contains this string, or matches this expression. */
  readonly path: string | RegExp;
  /** Only calls whose query string contains this. */
  readonly query?: string;
  /** HTTP status to answer, or `reset` to drop the connection. */
  readonly status: number | 'reset';
  /** How many matching calls fail (Infinity: all). */
  times: number;
  readonly retryAfter?: string;
  /** Carry out the request first, then fail (the answer is lost, the change is not). */
  readonly afterApplying?: boolean;
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly status: number | 'reset';
  readonly contentType?: string;
}

interface FakeWorkload {
  readonly kind: WorkloadKind;
  readonly namespace: string;
  readonly name: string;
  readonly replicas: number;
  readonly updateStrategy?: string;
  readonly paused?: boolean;
  templateAnnotations: Record<string, string>;
  /** Template revision, bumped by each effective template change. */
  revision: number;
}

export interface WorkloadOptions {
  readonly replicas?: number;
  /** What the current pods run; undefined: not injected. */
  readonly proxy?: ProxySpec;
  readonly templateAnnotations?: Record<string, string>;
  readonly updateStrategy?: string;
  readonly paused?: boolean;
}

const RESOURCE_KINDS: Record<string, WorkloadKind> = { deployments: 'Deployment', statefulsets: 'StatefulSet', daemonsets: 'DaemonSet' };

export class FakeKubeApi {
  readonly namespaces: Namespace[] = [];
  pods: Pod[] = [];
  readonly replicaSets: ReplicaSet[] = [];
  readonly events: KubeEvent[] = [];
  readonly requests: RecordedRequest[] = [];
  readonly faults: Fault[] = [];
  /** Effective pod-template changes per workload (`Kind ns/name`). */
  readonly templateChanges = new Map<string, number>();
  /** Largest page the server answers, whatever `limit` asks. */
  pageSize = 3;
  /** New pods become ready after this many listings of their pods after their creation (Infinity: never). */
  readyAfterPodLists = 0;
  /** A patched workload's pods are replaced only at the this-many-th listing of its pods after the patch (the controller lags). */
  rolloutAfterPodLists = 0;
  /** Bearer token required, when set. */
  requiredToken?: string;
  private readonly workloads = new Map<string, FakeWorkload>();
  private pendingReady: { pod: string; afterLists: number }[] = [];
  private pendingRollouts: { workload: FakeWorkload; afterLists: number }[] = [];
  private readonly server: Server;
  url = '';

  private constructor(readonly injector: Injector) {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => this.handle(req, res, Buffer.concat(chunks).toString('utf8')));
    });
  }

  static async start(injector: Injector): Promise<FakeKubeApi> {
    const api = new FakeKubeApi(injector);
    await new Promise<void>((resolve) => api.server.listen(0, '127.0.0.1', resolve));
    api.url = `http://127.0.0.1:${(api.server.address() as AddressInfo).port}`;
    return api;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Requests that change something. */
  mutatingRequests(): RecordedRequest[] {
    return this.requests.filter((r) => r.method !== 'GET');
  }

  /** Successful PATCH answers per path. */
  successfulPatches(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const r of this.requests) if (r.method === 'PATCH' && r.status === 200) counts.set(r.path, (counts.get(r.path) ?? 0) + 1);
    return counts;
  }

  addNamespace(name: string, labels: Record<string, string> = {}): void {
    this.namespaces.push(namespace(name, labels));
  }

  addWorkload(kind: WorkloadKind, ns: string, name: string, options: WorkloadOptions = {}): void {
    const w: FakeWorkload = {
      kind,
      namespace: ns,
      name,
      replicas: options.replicas ?? 2,
      templateAnnotations: { ...options.templateAnnotations },
      revision: 1,
      ...(options.updateStrategy ? { updateStrategy: options.updateStrategy } : {}),
      ...(options.paused ? { paused: options.paused } : {}),
    };
    this.workloads.set(`${kind} ${ns}/${name}`, w);
    this.createPods(w, options.proxy, true);
  }

  /** The template annotations of a workload now. */
  template(kind: WorkloadKind, ns: string, name: string): Record<string, string> {
    const w = this.workloads.get(`${kind} ${ns}/${name}`);
    if (!w) throw new Error(`no ${kind} ${ns}/${name}`);
    return w.templateAnnotations;
  }

  /** Replaces a workload's pods (and for a Deployment its current ReplicaSet) with pods of its current template. */
  private createPods(w: FakeWorkload, proxy: ProxySpec | undefined, ready: boolean): void {
    const hash = `r${w.revision}`;
    let owner: OwnerReference;
    if (w.kind === 'Deployment') {
      for (const rs of this.replicaSets) {
        if (rs.metadata.ownerReferences?.[0]?.name === w.name && rs.metadata.namespace === w.namespace) {
          Object.assign(rs, { spec: { ...rs.spec, replicas: 0 }, status: { replicas: 0 } });
        }
      }
      const rsName = `${w.name}-${hash}`;
      this.replicaSets.push(replicaSet(w.namespace, rsName, { deployment: w.name, replicas: w.replicas, revision: w.revision, templateAnnotations: w.templateAnnotations }));
      owner = ownerRef('ReplicaSet', w.namespace, rsName);
    } else {
      owner = ownerRef(w.kind, w.namespace, w.name);
    }
    const replicaSetOfW = new RegExp(`^${w.name}-r\\d+$`);
    const ownedByW = (p: Pod) =>
      p.metadata.namespace === w.namespace &&
      (p.metadata.ownerReferences ?? []).some((o) => (w.kind === 'Deployment' ? o.kind === 'ReplicaSet' && replicaSetOfW.test(o.name) : o.kind === w.kind && o.name === w.name));
    this.pods = this.pods.filter((p) => !ownedByW(p));
    for (let i = 0; i < w.replicas; i++) {
      const name = w.kind === 'StatefulSet' ? `${w.name}-${i}` : `${w.name}-${hash}-${i}`;
      const labels: Record<string, string> = w.kind === 'Deployment' ? {} : { 'controller-revision-hash': `${w.name}-${hash}` };
      this.pods.push(pod(w.namespace, name, { ...(proxy ? { proxy } : {}), owner, annotations: { ...w.templateAnnotations }, labels, ready }));
      if (!ready) this.pendingReady.push({ pod: `${w.namespace}/${name}`, afterLists: this.readyAfterPodLists });
    }
  }

  private handle(req: IncomingMessage, res: ServerResponse, body: string): void {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const contentType = req.headers['content-type'];
    const record = (status: number | 'reset') =>
      this.requests.push({ method, path: url.pathname, query: url.search, status, ...(contentType ? { contentType } : {}) });
    const send = (status: number, payload: unknown) => {
      record(status);
      const text = JSON.stringify(payload);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    };

    if (this.requiredToken && req.headers.authorization !== `Bearer ${this.requiredToken}`) {
      send(401, statusObject(401, 'Unauthorized', 'Unauthorized'));
      return;
    }
    const fault = this.faults.find((f) => f.times > 0 && f.method === method && (typeof f.path === 'string' ? url.pathname.includes(f.path) : f.path.test(url.pathname)) && (f.query === undefined || url.search.includes(f.query)));
    if (fault) fault.times--;
    const failWith = (f: Fault) => {
      if (f.status === 'reset') {
        record('reset');
        req.socket.destroy();
        return;
      }
      if (f.retryAfter !== undefined) res.setHeader('retry-after', f.retryAfter);
      send(f.status, statusObject(f.status, 'Injected', `injected fault ${f.status}`));
    };
    if (fault && !fault.afterApplying) {
      failWith(fault);
      return;
    }
    const [status, payload] = this.route(method, url, body, contentType);
    if (fault) failWith(fault);
    else send(status, payload);
  }

  private route(method: string, url: URL, body: string, contentType: string | undefined): [number, unknown] {
    const p = url.pathname;
    let m: RegExpExecArray | null;
    if (method === 'GET' && p === '/api/v1/namespaces') return this.list(this.namespaces, url);
    if (method === 'GET' && (m = /^\/api\/v1(?:\/namespaces\/([^/]+))?\/pods$/.exec(p))) {
      // A listing is one call without a continue token (the first page); later pages see the same state.
      if (!url.searchParams.has('continue')) this.advance(m[1]);
      return this.list(this.pods.filter((x) => !m![1] || x.metadata.namespace === m![1]), url);
    }
    if (method === 'GET' && (m = /^\/apis\/apps\/v1(?:\/namespaces\/([^/]+))?\/replicasets$/.exec(p))) {
      return this.list(this.replicaSets.filter((x) => !m![1] || x.metadata.namespace === m![1]), url);
    }
    if (method === 'PATCH' && (m = /^\/apis\/apps\/v1\/namespaces\/([^/]+)\/(deployments|statefulsets|daemonsets)\/([^/]+)$/.exec(p))) {
      if (contentType !== 'application/merge-patch+json') return [415, statusObject(415, 'UnsupportedMediaType', `unsupported patch type ${contentType}`)];
      return this.patch(RESOURCE_KINDS[m[2]!]!, m[1]!, m[3]!, body);
    }
    if (method === 'POST' && (m = /^\/api\/v1\/namespaces\/([^/]+)\/events$/.exec(p))) {
      const event = JSON.parse(body) as KubeEvent;
      if (event.metadata.namespace !== m[1]) return [400, statusObject(400, 'BadRequest', 'namespace of the event does not match the path')];
      this.events.push(event);
      return [201, { ...event, metadata: { ...event.metadata, name: `${event.metadata.generateName}${this.events.length}` } }];
    }
    if (method === 'DELETE' && (m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)$/.exec(p))) {
      const found = this.pods.find((x) => x.metadata.namespace === m![1] && x.metadata.name === m![2]);
      if (!found) return [404, statusObject(404, 'NotFound', `pods "${m[2]}" not found`)];
      this.pods = this.pods.filter((x) => x !== found);
      return [200, found];
    }
    return [404, statusObject(404, 'NotFound', `the fake has no route ${method} ${p}`)];
  }

  private list<T extends { metadata: { namespace?: string; name: string } }>(items: readonly T[], url: URL): [number, unknown] {
    const sorted = [...items].sort((a, b) => `${a.metadata.namespace ?? ''}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace ?? ''}/${b.metadata.name}`));
    const limit = Math.min(Number(url.searchParams.get('limit') ?? Infinity), this.pageSize);
    const offset = Number(Buffer.from(url.searchParams.get('continue') ?? '', 'base64').toString() || 0);
    const page = sorted.slice(offset, offset + limit);
    const next = offset + limit < sorted.length ? Buffer.from(String(offset + limit)).toString('base64') : undefined;
    return [200, { kind: 'List', items: structuredClone(page), metadata: next ? { continue: next } : {} }];
  }

  /** One pod listing of a namespace (or of all): the controllers and kubelets of the pods it sees make progress. */
  private advance(ns: string | undefined): void {
    const seen = (namespace: string) => ns === undefined || ns === namespace;
    for (const r of this.pendingRollouts) if (seen(r.workload.namespace)) r.afterLists--;
    for (const r of this.pendingRollouts.filter((x) => x.afterLists <= 0)) this.createPods(r.workload, this.injector(r.workload.namespace), this.readyAfterPodLists === 0);
    this.pendingRollouts = this.pendingRollouts.filter((r) => r.afterLists > 0);
    for (const p of this.pendingReady) if (seen(p.pod.split('/')[0]!)) p.afterLists--;
    const due = new Set(this.pendingReady.filter((p) => p.afterLists < 0).map((p) => p.pod));
    this.pendingReady = this.pendingReady.filter((p) => p.afterLists >= 0);
    this.pods = this.pods.map((x) =>
      due.has(`${x.metadata.namespace}/${x.metadata.name}`) ? { ...x, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } } : x,
    );
  }

  private patch(kind: WorkloadKind, ns: string, name: string, body: string): [number, unknown] {
    const key = `${kind} ${ns}/${name}`;
    const w = this.workloads.get(key);
    if (!w) return [404, statusObject(404, 'NotFound', `${kind.toLowerCase()}s.apps "${name}" not found`)];
    const patch = JSON.parse(body) as { spec?: { template?: { metadata?: { annotations?: Record<string, string> } } } };
    const annotations = patch.spec?.template?.metadata?.annotations ?? {};
    const before = JSON.stringify(w.templateAnnotations);
    w.templateAnnotations = { ...w.templateAnnotations, ...annotations };
    if (JSON.stringify(w.templateAnnotations) !== before) {
      this.templateChanges.set(key, (this.templateChanges.get(key) ?? 0) + 1);
      if (!w.paused && w.updateStrategy !== 'OnDelete') {
        w.revision++;
        if (this.rolloutAfterPodLists > 0) this.pendingRollouts.push({ workload: w, afterLists: this.rolloutAfterPodLists });
        else this.createPods(w, this.injector(ns), this.readyAfterPodLists === 0);
      }
    }
    return [
      200,
      {
        apiVersion: 'apps/v1',
        kind,
        metadata: { name, namespace: ns, uid: uidOf(kind, ns, name) },
        spec: {
          template: { metadata: { annotations: w.templateAnnotations } },
          ...(w.paused ? { paused: true } : {}),
          ...(w.updateStrategy ? { updateStrategy: { type: w.updateStrategy } } : {}),
        },
      },
    ];
  }
}

function statusObject(code: number, reason: string, message: string): unknown {
  return { kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message };
}
