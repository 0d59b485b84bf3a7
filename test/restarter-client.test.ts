import { afterEach, describe, expect, it } from 'vitest';
import type { RestarterConfig } from '../src/restarter/config';
import { KubeApiError, KubeClient, parseRetryAfter } from '../src/restarter/kube-client';
import { runRestarter, type RunOptions } from '../src/restarter/run';
import { FakeKubeApi, NEW_REVISION, OLD_REVISION, pod, RESTARTED_ANNOTATION, testRestarterConfig, type ProxySpec } from './support/fake-kube-api';

const OLD = OLD_REVISION;
const NEW = NEW_REVISION;
const RESTARTED = RESTARTED_ANNOTATION;
const TARGET = `1-30-3/${NEW.proxyImage}/istio-init`;
const old: ProxySpec = { revision: OLD.name, image: OLD.proxyImage };
const current: ProxySpec = { revision: NEW.name, image: NEW.proxyImage };

function config(batches: Partial<RestarterConfig['batches']> = {}, extra: Partial<RestarterConfig> = {}): RestarterConfig {
  return testRestarterConfig({ cluster: 'fake', batches: { size: 2, maxPerNamespace: 2, maxPerRun: 50, readinessTimeoutSeconds: 120, ...batches }, ...extra });
}

const servers: FakeKubeApi[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** A cluster whose control plane moved to 1-30-3: four outdated workloads, one up to date. */
async function cluster(): Promise<FakeKubeApi> {
  const api = await FakeKubeApi.start(() => current);
  servers.push(api);
  api.addNamespace('shop', { 'istio.io/rev': 'stable' });
  api.addNamespace('data', { 'istio.io/rev': 'stable' });
  api.addNamespace('infra', { 'istio-injection': 'enabled' });
  api.addNamespace('kube-system');
  api.addWorkload('Deployment', 'shop', 'cart', { proxy: old, replicas: 3 });
  api.addWorkload('Deployment', 'shop', 'web', { proxy: old });
  api.addWorkload('Deployment', 'shop', 'fresh', { proxy: current });
  api.addWorkload('StatefulSet', 'data', 'db', { proxy: old });
  api.addWorkload('DaemonSet', 'infra', 'agent', { proxy: old });
  api.addWorkload('Deployment', 'kube-system', 'dns');
  return api;
}

const OUTDATED = ['Deployment shop/cart', 'Deployment shop/web', 'StatefulSet data/db', 'DaemonSet infra/agent'];
const PATCH_PATHS = [
  '/apis/apps/v1/namespaces/shop/deployments/cart',
  '/apis/apps/v1/namespaces/shop/deployments/web',
  '/apis/apps/v1/namespaces/data/statefulsets/db',
  '/apis/apps/v1/namespaces/infra/daemonsets/agent',
];

/** Runs the restarter against the fake with a fake clock; every wait advances the clock instead of waiting. */
async function run(api: FakeKubeApi, cfg = config(), options: Partial<RunOptions> = {}) {
  const lines: string[] = [];
  const sleeps: number[] = [];
  let clock = Date.parse('2025-03-04T12:00:00Z');
  const code = await runRestarter(cfg, { server: api.url }, {
    dryRun: false,
    log: (line) => lines.push(line),
    now: () => new Date(clock),
    sleep: async (ms) => {
      sleeps.push(ms);
      clock += ms;
    },
    random: () => 0.5,
    pollIntervalMs: 5000,
    pageSize: 2,
    ...options,
  });
  const summary = JSON.parse(lines.at(-1)!) as {
    kind: string;
    exitCode: number;
    counts: Record<string, number>;
    restarted: { kind: string; namespace: string; name: string; target: string }[];
    failed: { kind: string; namespace: string; name: string; message: string }[];
    notStarted: { kind: string; namespace: string; name: string }[];
    error?: string;
  };
  return { code, lines, sleeps, summary, elapsedMs: clock - Date.parse('2025-03-04T12:00:00Z') };
}

const names = (list: { kind: string; namespace: string; name: string }[]) => list.map((o) => `${o.kind} ${o.namespace}/${o.name}`).sort();

describe('restarter against an API server', () => {
  it('restarts every outdated workload once, records an Event on each, and pages through the lists', async () => {
    const api = await cluster();
    const { code, summary, lines } = await run(api);
    expect(code).toBe(0);
    expect(summary.kind).toBe('MeshcRestarterSummary');
    expect(names(summary.restarted)).toEqual([...OUTDATED].sort());
    expect(summary.restarted.every((r) => r.target === TARGET)).toBe(true);
    expect(summary.counts).toMatchObject({ restarted: 4, failed: 0, upToDate: 1 });
    for (const path of PATCH_PATHS) expect(api.successfulPatches().get(path)).toBe(1);
    expect([...api.templateChanges.values()]).toEqual([1, 1, 1, 1]);
    expect(api.template('Deployment', 'shop', 'cart')[RESTARTED]).toBe(TARGET);
    expect(api.template('Deployment', 'shop', 'fresh')[RESTARTED]).toBeUndefined();
    expect(api.requests.filter((r) => r.method === 'PATCH').every((r) => r.contentType === 'application/merge-patch+json')).toBe(true);

    expect(api.events.map((e) => `${e.involvedObject.kind} ${e.involvedObject.namespace}/${e.involvedObject.name}`).sort()).toEqual([...OUTDATED].sort());
    const cartEvent = api.events.find((e) => e.involvedObject.name === 'cart')!;
    expect(cartEvent).toMatchObject({
      reason: 'SidecarRestart',
      type: 'Normal',
      source: { component: 'meshc-restarter' },
      involvedObject: { apiVersion: 'apps/v1', uid: 'uid-deployment-shop-cart' },
      metadata: { namespace: 'shop' },
    });
    expect(cartEvent.message).toContain(TARGET);

    // 12 pods at 2 per page: the pod list took several pages.
    const podPages = api.requests.filter((r) => r.path === '/api/v1/pods');
    expect(podPages.length).toBeGreaterThan(3);
    expect(podPages.slice(1).every((r) => r.query.includes('continue='))).toBe(true);
    expect(lines.some((l) => l.startsWith('summary: cluster fake: 4 restarted, 0 failed'))).toBe(true);
  });

  it('patches each workload exactly once through 429s, 409s, 500s, lost answers and dropped connections', async () => {
    const api = await cluster();
    api.faults.push(
      { method: 'GET', path: '/api/v1/pods', status: 'reset', times: 1 },
      { method: 'GET', path: '/apis/apps/v1/replicasets', status: 503, times: 2 },
      { method: 'PATCH', path: '/deployments/cart', status: 429, times: 2, retryAfter: '3' },
      { method: 'PATCH', path: '/deployments/web', status: 409, times: 1 },
      { method: 'PATCH', path: '/statefulsets/db', status: 500, times: 1 },
      // The patch is applied, then the answer is lost: the retry must not roll the DaemonSet twice.
      { method: 'PATCH', path: '/daemonsets/agent', status: 500, times: 1, afterApplying: true },
      { method: 'POST', path: '/events', status: 503, times: 1 },
    );
    const { code, summary, sleeps } = await run(api);
    expect(code).toBe(0);
    expect(names(summary.restarted)).toEqual([...OUTDATED].sort());
    for (const path of PATCH_PATHS) expect(api.successfulPatches().get(path)).toBe(1);
    expect([...api.templateChanges.values()]).toEqual([1, 1, 1, 1]);
    expect(api.events).toHaveLength(4);
    expect(api.faults.every((f) => f.times === 0)).toBe(true);
    // Retry-After honoured twice; otherwise backoff of 500 ms with jitter 0.5: 250 + 125.
    expect(sleeps.filter((ms) => ms === 3000)).toHaveLength(2);
    expect(sleeps).toContain(375);
  });

  it('keeps going when one workload cannot be patched, and fails the run', async () => {
    const api = await cluster();
    api.faults.push({ method: 'PATCH', path: '/deployments/web', status: 500, times: Infinity });
    const { code, summary, lines } = await run(api);
    expect(code).toBe(1);
    expect(summary.exitCode).toBe(1);
    expect(names(summary.failed)).toEqual(['Deployment shop/web']);
    expect(summary.failed[0]!.message).toContain('500 Internal Server Error: injected fault 500 (gave up after 6 attempts)');
    expect(names(summary.restarted)).toEqual(OUTDATED.filter((o) => o !== 'Deployment shop/web').sort());
    expect(api.template('Deployment', 'shop', 'web')[RESTARTED]).toBeUndefined();
    const warning = api.events.find((e) => e.involvedObject.name === 'web')!;
    expect(warning).toMatchObject({ reason: 'SidecarRestartFailed', type: 'Warning' });
    expect(lines.some((l) => l.startsWith('failed Deployment shop/web'))).toBe(true);
  });

  it('patches nothing on a second run', async () => {
    const api = await cluster();
    expect((await run(api)).code).toBe(0);
    const before = api.requests.length;
    const again = await run(api);
    expect(again.code).toBe(0);
    expect(api.requests.slice(before).filter((r) => r.method !== 'GET')).toEqual([]);
    expect(again.summary.counts).toMatchObject({ planned: 0, restarted: 0, skipped: 0, upToDate: 5 });
  });

  it('skips a workload mid-rollout from an earlier run instead of patching it again', async () => {
    const api = await cluster();
    api.addWorkload('Deployment', 'shop', 'slow', { proxy: old, templateAnnotations: { [RESTARTED]: TARGET } });
    const { summary, lines } = await run(api, config({ size: 10, maxPerNamespace: 10 }));
    expect(api.successfulPatches().get('/apis/apps/v1/namespaces/shop/deployments/slow')).toBeUndefined();
    expect(summary.counts.skipped).toBe(1);
    expect(lines.some((l) => l.startsWith('skip Deployment shop/slow: already-restarted'))).toBe(true);
  });

  it('changes nothing in a dry run', async () => {
    const api = await cluster();
    const { code, summary, lines } = await run(api, config(), { dryRun: true });
    expect(code).toBe(0);
    expect(api.mutatingRequests()).toEqual([]);
    expect(summary.counts).toMatchObject({ planned: 4, restarted: 0 });
    expect(lines.filter((l) => l.startsWith('would restart'))).toHaveLength(4);
  });

  it('waits for slow pods, then goes on with the next batch', async () => {
    const api = await cluster();
    api.readyAfterPodLists = 2;
    const { code, summary, sleeps } = await run(api, config({ size: 1 }));
    expect(code).toBe(0);
    expect(summary.counts.restarted).toBe(4);
    expect(sleeps.filter((ms) => ms === 5000).length).toBeGreaterThanOrEqual(4);
  });

  it('waits while the controller has not yet replaced the old pods', async () => {
    const api = await cluster();
    api.rolloutAfterPodLists = 3;
    const { code, summary, sleeps } = await run(api, config({ size: 10, maxPerNamespace: 10 }));
    expect(code).toBe(0);
    expect(summary.counts.restarted).toBe(4);
    // Two polls see only old (ready, outdated) pods; the third sees the new ones.
    expect(sleeps).toEqual([5000, 5000]);
  });

  it('stops when a batch does not become ready in time, and reports the rest as not started', async () => {
    const api = await cluster();
    api.readyAfterPodLists = Infinity;
    const { code, summary, lines, elapsedMs } = await run(api, config({ size: 2, maxPerNamespace: 1, readinessTimeoutSeconds: 60 }));
    expect(code).toBe(1);
    // Batches (namespace, kind, name): [data/db, infra/agent], [shop/cart], [shop/web].
    expect(names(summary.failed)).toEqual(['DaemonSet infra/agent', 'StatefulSet data/db']);
    expect(summary.failed[0]!.message).toMatch(/^not ready within 60s: 2 pods: 2 not ready$/);
    expect(names(summary.notStarted)).toEqual(['Deployment shop/cart', 'Deployment shop/web']);
    expect(api.requests.filter((r) => r.method === 'PATCH')).toHaveLength(2);
    expect(elapsedMs).toBeGreaterThanOrEqual(60_000);
    expect(elapsedMs).toBeLessThan(70_000);
    expect(lines).toContain('batch 1 of 3 did not become ready in time; stopping');
  });

  it('starts no batch after the maintenance window closed', async () => {
    const api = await cluster();
    api.readyAfterPodLists = 2;
    // Open from 12:00 to 12:01 UTC; the first batch takes a minute to get ready.
    const window = { days: ['Tue' as const], start: '12:00', end: '12:01', timeZone: 'UTC' };
    const { code, summary, lines } = await run(api, config({ size: 2, maxPerNamespace: 1 }, { window }), { pollIntervalMs: 30_000 });
    expect(code).toBe(0);
    expect(names(summary.restarted)).toEqual(['DaemonSet infra/agent', 'StatefulSet data/db']);
    expect(summary.counts).toMatchObject({ deferred: 2, failed: 0, notStarted: 0 });
    expect(api.requests.filter((r) => r.method === 'PATCH')).toHaveLength(2);
    expect(lines).toContain('defer Deployment shop/cart: outside-window: the maintenance window (Tue 12:00–12:01 UTC) closed during the run');
  });

  it('fails a workload that will not roll after the patch (OnDelete) without waiting for it', async () => {
    const api = await FakeKubeApi.start(() => current);
    servers.push(api);
    api.addNamespace('data', { 'istio.io/rev': 'stable' });
    api.addWorkload('StatefulSet', 'data', 'legacy', { proxy: old, updateStrategy: 'OnDelete' });
    const { code, summary, sleeps } = await run(api);
    expect(code).toBe(1);
    expect(summary.failed[0]!.message).toContain('update strategy is OnDelete');
    expect(sleeps).toEqual([]);
  });

  it('fails a workload whose new pods still run something else than expected', async () => {
    const api = await FakeKubeApi.start(() => ({ revision: NEW.name, image: 'docker.io/istio/proxyv2:1.30.2' }));
    servers.push(api);
    api.addNamespace('shop', { 'istio.io/rev': 'stable' });
    api.addWorkload('Deployment', 'shop', 'cart', { proxy: old });
    const { code, summary } = await run(api);
    expect(code).toBe(1);
    expect(summary.failed[0]!.message).toContain(`rolled out, but pod cart-r2-0: istio-proxy runs docker.io/istio/proxyv2:1.30.2, expected ${NEW.proxyImage}`);
  });

  it('deletes outdated bare pods when told to, and records an Event on each', async () => {
    const api = await FakeKubeApi.start(() => current);
    servers.push(api);
    api.addNamespace('shop', { 'istio.io/rev': 'stable' });
    api.pods.push(pod('shop', 'debug', { proxy: old }), pod('shop', 'fresh', { proxy: current }));
    const { code, summary } = await run(api, config({}, { deleteBarePods: true }));
    expect(code).toBe(0);
    expect(api.pods.map((p) => p.metadata.name)).toEqual(['fresh']);
    expect(names(summary.restarted)).toEqual(['Pod shop/debug']);
    expect(api.events[0]).toMatchObject({ involvedObject: { apiVersion: 'v1', kind: 'Pod', name: 'debug' }, reason: 'SidecarRestart' });
  });

  it('does not fail the run when Events cannot be recorded', async () => {
    const api = await cluster();
    api.faults.push({ method: 'POST', path: '/events', status: 403, times: Infinity });
    const { code, lines } = await run(api);
    expect(code).toBe(0);
    expect(lines.filter((l) => l.startsWith('warning: no Event recorded on'))).toHaveLength(4);
  });

  it('exits non-zero with a clear message when the cluster cannot be read', async () => {
    const api = await cluster();
    api.faults.push({ method: 'GET', path: '/api/v1/namespaces', status: 403, times: Infinity });
    const { code, summary, lines } = await run(api);
    expect(code).toBe(1);
    expect(lines[0]).toBe('error: cannot read the cluster: GET /api/v1/namespaces: 403 Forbidden: injected fault 403');
    expect(summary).toMatchObject({ exitCode: 1, error: lines[0]!.slice('error: '.length) });
    expect(api.mutatingRequests()).toEqual([]);
  });
});

describe('KubeClient', () => {
  it('does not retry what cannot succeed, and says what failed', async () => {
    const api = await cluster();
    api.faults.push({ method: 'PATCH', path: '/deployments/cart', status: 422, times: Infinity });
    const client = new KubeClient({ server: api.url }, { sleep: async () => undefined });
    try {
      const err = await client.mergePatch('/apis/apps/v1/namespaces/shop/deployments/cart', {}).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(KubeApiError);
      expect((err as KubeApiError).status).toBe(422);
      expect((err as KubeApiError).attempts).toBe(1);
      expect((err as Error).message).toBe('PATCH /apis/apps/v1/namespaces/shop/deployments/cart: 422 Unprocessable Entity: injected fault 422');
    } finally {
      client.close();
    }
  });

  it('gives up on connection errors after the configured attempts', async () => {
    const api = await cluster();
    const url = api.url;
    await api.close();
    servers.splice(servers.indexOf(api), 1);
    const delays: number[] = [];
    const client = new KubeClient({ server: url }, { maxAttempts: 3, baseDelayMs: 100, random: () => 0, sleep: async (ms) => void delays.push(ms) });
    const err = (await client.list('/api/v1/pods').catch((e: unknown) => e)) as KubeApiError;
    client.close();
    expect(err.message).toMatch(/^GET \/api\/v1\/pods: ECONNREFUSED: .* \(gave up after 3 attempts\)$/);
    expect(delays).toEqual([50, 100]);
  });

  it('lists again from the start when a continue token expired', async () => {
    const api = await cluster();
    api.faults.push({ method: 'GET', path: '/api/v1/pods', query: 'continue=', status: 410, times: 1 });
    const retries: string[] = [];
    const client = new KubeClient({ server: api.url }, { onRetry: (m) => retries.push(m) });
    try {
      const pods = await client.list<{ metadata: { name: string } }>('/api/v1/pods', {}, 2);
      // Every pod once: the pages before the expiry are not kept twice.
      expect(pods.map((p) => p.metadata.name).sort()).toEqual(api.pods.map((p) => p.metadata.name).sort());
      expect(retries).toEqual(['GET /api/v1/pods: the list expired while paging (410 Gone); listing again from the start']);
    } finally {
      client.close();
    }
  });

  it('reads Retry-After as seconds or as a date', () => {
    expect(parseRetryAfter('7')).toBe(7000);
    expect(parseRetryAfter('Tue, 04 Mar 2025 12:00:10 GMT', Date.parse('2025-03-04T12:00:00Z'))).toBe(10_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});
