/**
 * The data-plane sync Job, live: a cluster synced at one Istio version with injected workloads,
 * then synced at the next; the PostSync Job's pod runs meshc's bundled restarter (test/live/
 * pod-runner.ts) with the token of the rendered ServiceAccount, so only the rendered
 * ClusterRole authorises it. It must restart exactly the workloads whose sidecar is outdated,
 * in batches, and be refused anything outside its rules.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterConfig } from '../src/config/cluster-config';
import { KubeApiError, KubeClient } from '../src/restarter/kube-client';
import { waitFor } from './live/processes';
import { runPod, type PodRun } from './live/pod-runner';
import { LiveScenario } from './live/scenario';
import { HEADER, loadCluster } from './support/fleet';
import { manifests } from './support/objects';

type Obj = Record<string, any>;

const fleet = (version: string): ClusterConfig =>
  loadCluster(
    `${HEADER}clusters:\n  - name: upgrade\n    kubernetesVersion: "1.33"\n    istio: { version: "${version}" }\n` +
      '    gateways: { ingress: { enabled: false } }\n' +
      '    dataPlaneSync:\n      batches: { size: 2, maxPerNamespace: 2 }\n',
  );
const OLD = fleet('1.29.6');
const NEW = fleet('1.30.3');
const NS = 'shop';
const OUTDATED = ['cart', 'catalog', 'checkout', 'orders', 'search'];

function deployment(name: string, { podLabels = {}, podAnnotations = {} }: { podLabels?: Record<string, string>; podAnnotations?: Record<string, string> } = {}): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: NS },
    spec: {
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name, ...podLabels }, annotations: podAnnotations }, spec: { containers: [{ name, image: `registry.example/${name}:1` }] } },
    },
  };
}

const proxyImage = (pod: Obj) => [...(pod.spec.initContainers ?? []), ...pod.spec.containers].find((c: Obj) => c.name === 'istio-proxy')?.image;

describe('the data-plane sync Job after an upgrade, live', () => {
  let live: LiveScenario;
  let run: PodRun;
  const before = new Map<string, Obj>();
  const imagesBefore = new Map<string, string | undefined>();

  const api = () => live.cluster.admin();
  const podsOf = async (app: string) => (await api().list<Obj>(`/api/v1/namespaces/${NS}/pods`, { labelSelector: `app=${app}` })).filter((p) => !p.metadata.deletionTimestamp);

  beforeAll(async () => {
    live = await LiveScenario.start(OLD);
    await live.installCrds();
    await live.sync(manifests(OLD));

    await api().create('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS, labels: { 'istio-injection': 'enabled' } } });
    const workloads = [
      ...OUTDATED.map((n) => deployment(n)),
      deployment('legacy', { podLabels: { 'sidecar.istio.io/inject': 'false' } }),
      // Its team restarts it themselves (docs/lifecycle.md).
      deployment('pinned', { podAnnotations: { 'meshc.dev/sidecar-restart': 'disabled' } }),
    ];
    for (const w of workloads) await api().create(`/apis/apps/v1/namespaces/${NS}/deployments`, w);
    await api().create(`/api/v1/namespaces/${NS}/pods`, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'debug', namespace: NS }, spec: { containers: [{ name: 'debug', image: 'registry.example/debug:1' }] } });
    for (const w of workloads) {
      await waitFor(`${w.metadata.name} running`, async () => ((await podsOf(w.metadata.name)).some((p) => p.status?.phase === 'Running') ? true : undefined));
      before.set(w.metadata.name, await api().request<Obj>('GET', `/apis/apps/v1/namespaces/${NS}/deployments/${w.metadata.name}`));
      imagesBefore.set(w.metadata.name, proxyImage((await podsOf(w.metadata.name))[0]));
    }

    // The upgrade: istiod and the injector move to 1.30.3, then the PostSync hook runs.
    live.config = NEW;
    await live.sync(manifests(NEW), { hooks: true });
    const job = manifests(NEW).find((o) => o.kind === 'Job')!;
    const pod = await waitFor('the Job\'s pod', async () => (await api().list<Obj>(`/api/v1/namespaces/${job.metadata.namespace}/pods`, { labelSelector: `job-name=${job.metadata.name}` }))[0]);
    run = await runPod(live.cluster, pod);
    await live.kubelet.finish(pod.metadata.namespace, pod.metadata.name, run.exitCode === 0 ? 'Succeeded' : 'Failed');
  }, 600_000);

  afterAll(async () => {
    await live?.stop();
  });

  it('starts with sidecars of the old release, then upgrades istiod', async () => {
    for (const name of [...OUTDATED, 'pinned']) expect(imagesBefore.get(name), name).toBe('docker.io/istio/proxyv2:1.29.6');
    expect(imagesBefore.get('legacy')).toBeUndefined();
    expect(live.retired.map((r) => r.deployment)).toEqual(['istiod']);
  });

  it('runs the restarter to success', () => {
    expect(run.output).not.toMatch(/^(error|failed)/m);
    expect(run.exitCode, run.output).toBe(0);
  });

  it('restarts exactly the workloads whose sidecar is outdated, and their new pods get the new sidecar', async () => {
    const restarted = [...run.output.matchAll(/^restarted Deployment shop\/(\S+)/gm)].map((m) => m[1]).sort();
    expect(restarted).toEqual(OUTDATED);
    for (const name of OUTDATED) {
      const pods = await waitFor(`${name} rolled out`, async () => {
        const all = await podsOf(name);
        return all.length === 1 && all[0].status?.phase === 'Running' ? all : undefined;
      });
      expect(proxyImage(pods[0]), name).toBe('docker.io/istio/proxyv2:1.30.3');
    }
  });

  it('leaves opted-out workloads and bare pods alone', async () => {
    for (const name of ['legacy', 'pinned']) {
      const now = await api().request<Obj>('GET', `/apis/apps/v1/namespaces/${NS}/deployments/${name}`);
      expect(now.metadata.generation, name).toBe(before.get(name)!.metadata.generation);
    }
    const debug = await api().request<Obj>('GET', `/api/v1/namespaces/${NS}/pods/debug`);
    expect(proxyImage(debug)).toBe('docker.io/istio/proxyv2:1.29.6');
    expect(run.output).toMatch(/Pod shop\/debug/);
  });

  it('restarts in batches of at most two, one batch after the other', () => {
    const batches = [...run.output.matchAll(/^restarted \S+ \S+ \(batch (\d+) of (\d+)\)/gm)].map((m) => Number(m[1]));
    const sizes = [...new Set(batches)].map((b) => batches.filter((x) => x === b).length);
    expect(sizes).toEqual([2, 2, 1]);
    expect(batches).toEqual([...batches].sort((a, b) => a - b));
  });

  it('is refused what its ClusterRole does not grant', async () => {
    const job = manifests(NEW).find((o) => o.kind === 'Job')!;
    const token = await live.cluster.tokenFor(job.metadata.namespace, job.spec.template.spec.serviceAccountName);
    const restarter = new KubeClient(live.cluster.connection(token), { maxAttempts: 1 });
    const attempts: [string, () => Promise<unknown>][] = [
      ['read a Secret', () => restarter.request('GET', `/api/v1/namespaces/${NS}/secrets`)],
      ['change a ConfigMap', () => restarter.request('PATCH', `/api/v1/namespaces/istio-system/configmaps/istio`, {}, { data: { x: 'y' } }, 'application/merge-patch+json')],
      ['delete a Deployment', () => restarter.request('DELETE', `/apis/apps/v1/namespaces/${NS}/deployments/cart`)],
      ['scale a Deployment', () => restarter.request('PATCH', `/apis/apps/v1/namespaces/${NS}/deployments/cart/scale`, {}, { spec: { replicas: 3 } }, 'application/merge-patch+json')],
      ['change a namespace', () => restarter.request('PATCH', `/api/v1/namespaces/${NS}`, {}, { metadata: { labels: { x: 'y' } } }, 'application/merge-patch+json')],
      ['delete a pod (deleteBarePods is off)', () => restarter.request('DELETE', `/api/v1/namespaces/${NS}/pods/debug`)],
    ];
    for (const [what, attempt] of attempts) {
      const status = await attempt().then(
        () => 200,
        (err: unknown) => (err instanceof KubeApiError ? err.status : -1),
      );
      expect(status, what).toBe(403);
    }
  });
});
