/**
 * Plays the one node of a live cluster, as far as the API server can tell: a Ready Node of the
 * cluster's Kubernetes version, pods bound to it and reported running once every Secret and
 * ConfigMap they mount exists; and the cloud's load balancer controller, giving each
 * LoadBalancer Service an address. Nothing is executed; a
 * pod is reported Ready at once, except pods served by a process of the test (an out-of-cluster
 * istiod), which get that process's address and become Ready when its readiness URL answers,
 * as a kubelet's readiness probe would decide.
 */
import * as http from 'node:http';
import type { KubeClient } from '../../src/restarter/kube-client';
import { sleep } from './processes';

export const NODE_NAME = 'node-1';

type Obj = Record<string, any>;

/** Pods of the test's own processes: selected by labels, given an address, probed for readiness. */
export interface ServedPods {
  readonly labels: Readonly<Record<string, string>>;
  readonly ip: string;
  readonly readyUrl: string;
}

export class FakeKubelet {
  private stopped = false;
  private loop?: Promise<void>;
  private nextIp = 1;
  private nextLoadBalancer = 0;
  private readonly ips = new Map<string, string>();
  /** By the name of what serves them (e.g. the istiod Deployment), which may change its pods' labels. */
  private readonly served = new Map<string, ServedPods>();
  /** Pods the test finishes itself (e.g. a Job it ran), by namespace/name: never reported running. */
  private readonly finished = new Map<string, 'Succeeded' | 'Failed'>();
  errors: string[] = [];
  /** Pods held back, by namespace/name, with the volumes they wait for. */
  readonly waiting = new Map<string, string[]>();

  constructor(
    private readonly api: KubeClient,
    private readonly kubeletVersion: string,
  ) {}

  serve(key: string, pods: ServedPods): void {
    this.served.set(key, pods);
  }

  async start(): Promise<void> {
    await this.api.create('/api/v1/nodes', {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name: NODE_NAME,
        labels: {
          'kubernetes.io/hostname': NODE_NAME,
          'kubernetes.io/os': 'linux',
          'kubernetes.io/arch': 'amd64',
          'topology.kubernetes.io/zone': 'zone-a',
          'topology.kubernetes.io/region': 'region-a',
        },
      },
    });
    const now = new Date().toISOString();
    await this.api.request('PATCH', `/api/v1/nodes/${NODE_NAME}/status`, {}, {
      status: {
        conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', lastHeartbeatTime: now, lastTransitionTime: now }],
        addresses: [{ type: 'InternalIP', address: '10.0.0.10' }, { type: 'Hostname', address: NODE_NAME }],
        capacity: { cpu: '64', memory: '256Gi', pods: '500' },
        allocatable: { cpu: '64', memory: '256Gi', pods: '500' },
        nodeInfo: {
          kubeletVersion: this.kubeletVersion,
          kubeProxyVersion: this.kubeletVersion,
          architecture: 'amd64',
          operatingSystem: 'linux',
          containerRuntimeVersion: 'containerd://2.0.0',
          kernelVersion: '6.1.0',
          osImage: 'Debian GNU/Linux 12',
          machineID: 'live',
          systemUUID: 'live',
          bootID: 'live',
        },
      },
    }, 'application/merge-patch+json');
    this.loop = this.run();
  }

  /** Marks a pod as completed, as the kubelet reports a finished Job pod. */
  async finish(namespace: string, name: string, phase: 'Succeeded' | 'Failed'): Promise<void> {
    this.finished.set(`${namespace}/${name}`, phase);
    const pod = await this.api.request<Obj>('GET', `/api/v1/namespaces/${namespace}/pods/${name}`);
    const exitCode = phase === 'Succeeded' ? 0 : 1;
    const terminated = (c: Obj) => ({ name: c.name, image: c.image, imageID: c.image, ready: false, started: false, restartCount: 0, state: { terminated: { exitCode, reason: phase === 'Succeeded' ? 'Completed' : 'Error' } } });
    await this.patchStatus(pod, {
      phase,
      conditions: [{ type: 'Ready', status: 'False', reason: 'PodCompleted' }, { type: 'ContainersReady', status: 'False', reason: 'PodCompleted' }],
      containerStatuses: pod.spec.containers.map(terminated),
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.tick();
      } catch (err) {
        this.errors.push((err as Error).message);
      }
      await sleep(300);
    }
  }

  private async tick(): Promise<void> {
    const services = await this.api.list<Obj>('/api/v1/services');
    for (const svc of services) {
      if (svc.spec.type !== 'LoadBalancer' || svc.status?.loadBalancer?.ingress?.length) continue;
      const ip = `198.18.0.${(this.nextLoadBalancer++ % 250) + 1}`;
      await this.api.request('PATCH', `/api/v1/namespaces/${svc.metadata.namespace}/services/${svc.metadata.name}/status`, {}, { status: { loadBalancer: { ingress: [{ ip }] } } }, 'application/merge-patch+json');
    }
    const pods = await this.api.list<Obj>('/api/v1/pods');
    for (const pod of pods) {
      if (pod.metadata.deletionTimestamp) {
        // No containers to stop: the pod is gone as soon as it is asked to go.
        await this.api.request('DELETE', `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}`, { gracePeriodSeconds: '0' }).catch(() => undefined);
        continue;
      }
      if (!pod.spec.nodeName) {
        await this.api.create(`/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}/binding`, {
          apiVersion: 'v1',
          kind: 'Binding',
          metadata: { name: pod.metadata.name },
          target: { apiVersion: 'v1', kind: 'Node', name: NODE_NAME },
        });
        continue;
      }
      const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
      if (this.finished.has(key) || pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') continue;
      const served = [...this.served.values()].find((s) => Object.entries(s.labels).every(([k, v]) => pod.metadata.labels?.[k] === v));
      const ready = served ? await answers(served.readyUrl) : true;
      const wasReady = pod.status?.conditions?.some((c: Obj) => c.type === 'Ready' && c.status === 'True') ?? false;
      if (pod.status?.phase === 'Running' && wasReady === ready) continue;
      if (pod.status?.phase !== 'Running') {
        const missing = await this.missingVolumes(pod);
        if (missing.length > 0) {
          // A kubelet cannot mount what does not exist: the pod waits, as in ContainerCreating.
          this.waiting.set(key, missing);
          continue;
        }
        this.waiting.delete(key);
      }
      await this.patchStatus(pod, this.runningStatus(pod, served?.ip ?? this.ipOf(pod), ready));
    }
  }

  /** Secrets and ConfigMaps a pod needs (not marked optional) that do not exist. */
  private async missingVolumes(pod: Obj): Promise<string[]> {
    const ns = pod.metadata.namespace;
    const refs: { kind: 'secrets' | 'configmaps'; name: string }[] = [];
    for (const v of pod.spec.volumes ?? []) {
      if (v.secret && !v.secret.optional) refs.push({ kind: 'secrets', name: v.secret.secretName });
      if (v.configMap && !v.configMap.optional) refs.push({ kind: 'configmaps', name: v.configMap.name });
      for (const source of v.projected?.sources ?? []) {
        if (source.secret && !source.secret.optional) refs.push({ kind: 'secrets', name: source.secret.name });
        if (source.configMap && !source.configMap.optional) refs.push({ kind: 'configmaps', name: source.configMap.name });
      }
    }
    const missing: string[] = [];
    for (const ref of refs) {
      const found = await this.api.request('GET', `/api/v1/namespaces/${ns}/${ref.kind}/${ref.name}`).then(
        () => true,
        () => false,
      );
      if (!found) missing.push(`${ref.kind === 'secrets' ? 'Secret' : 'ConfigMap'} ${ns}/${ref.name}`);
    }
    return missing;
  }

  private ipOf(pod: Obj): string {
    const uid = pod.metadata.uid as string;
    let ip = this.ips.get(uid);
    if (!ip) {
      const n = this.nextIp++;
      ip = `10.244.${Math.floor(n / 250)}.${(n % 250) + 2}`;
      this.ips.set(uid, ip);
    }
    return ip;
  }

  private runningStatus(pod: Obj, ip: string, ready: boolean): Obj {
    const now = new Date().toISOString();
    const condition = (type: string, status: boolean) => ({ type, status: status ? 'True' : 'False', lastTransitionTime: now });
    const running = (c: Obj, isReady: boolean) => ({
      name: c.name,
      image: c.image,
      imageID: c.image,
      ready: isReady,
      started: true,
      restartCount: 0,
      state: { running: { startedAt: now } },
    });
    // Native sidecars (init containers that keep running) run; classic init containers finished.
    const init = (c: Obj) =>
      c.restartPolicy === 'Always'
        ? running(c, ready)
        : { name: c.name, image: c.image, imageID: c.image, ready: true, started: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } };
    return {
      phase: 'Running',
      hostIP: '10.0.0.10',
      hostIPs: [{ ip: '10.0.0.10' }],
      podIP: ip,
      podIPs: [{ ip }],
      startTime: pod.status?.startTime ?? now,
      qosClass: pod.status?.qosClass,
      conditions: [condition('PodScheduled', true), condition('Initialized', true), condition('ContainersReady', ready), condition('Ready', ready)],
      initContainerStatuses: (pod.spec.initContainers ?? []).map(init),
      containerStatuses: pod.spec.containers.map((c: Obj) => running(c, ready)),
    };
  }

  private async patchStatus(pod: Obj, status: Obj): Promise<void> {
    await this.api.request(
      'PATCH',
      `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}/status`,
      {},
      { status },
      'application/strategic-merge-patch+json',
    );
  }
}

function answers(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}
