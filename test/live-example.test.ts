/**
 * The example fleet on a real API server with a real istiod: every cluster of mesh.yaml is
 * synced as Argo CD syncs it (test/live/), its istiods run out of cluster on meshc's ConfigMaps,
 * RBAC and webhooks, and then the cluster is used as an application team would use it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterConfig } from '../src/config/cluster-config';
import { revisionOf, type RevisionConfig } from '../src/config/resolve-istio';
import { revisioned } from '../src/control-plane/metadata';
import { ISTIO_JUDGES } from './e2e/toolchain';
import { STAND_IN_ANNOTATION } from './live/fake-operators';
import { isIstiod, LiveScenario } from './live/scenario';
import { waitFor } from './live/processes';
import { exampleClusters, manifests } from './support/objects';
import { injectFor, podOf } from './support/injection-case';

type Obj = Record<string, any>;

const APP_PORT = 8080;

/** The namespaces an application team would label to get its pods injected, and by which revision. */
function injectionRoutes(config: ClusterConfig): { namespace: string; labels: Record<string, string>; revision: RevisionConfig }[] {
  const routes = [];
  if (config.istio.defaultRevision) {
    routes.push({ namespace: 'inject-default', labels: { 'istio-injection': 'enabled' }, revision: revisionOf(config.istio, config.istio.defaultRevision)! });
  }
  for (const r of config.istio.revisions) routes.push({ namespace: `inject-rev-${r.name}`, labels: { 'istio.io/rev': r.name }, revision: r });
  for (const t of config.istio.tags) routes.push({ namespace: `inject-tag-${t.name}`, labels: { 'istio.io/rev': t.name }, revision: revisionOf(config.istio, t.name)! });
  return routes;
}

function appDeployment(namespace: string, optIn: boolean): Obj {
  const labels = { app: 'app', ...(optIn ? { 'sidecar.istio.io/inject': 'true' } : {}) };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'app', namespace },
    spec: {
      selector: { matchLabels: { app: 'app' } },
      template: {
        metadata: { labels },
        spec: {
          containers: [
            // Written as the API server stores it (defaults filled in), so the offline judge sees the same pod.
            {
              name: 'app',
              image: 'registry.example/app:1',
              ports: [{ name: 'http', containerPort: APP_PORT, protocol: 'TCP' }],
              readinessProbe: { httpGet: { path: '/ready', port: APP_PORT, scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 },
            },
          ],
        },
      },
    },
  };
}

/** CPU in millicores, memory in bytes: the API server stores quantities in canonical form. */
function quantity(q: string | number): number {
  const m = /^([0-9.]+)(m|k|M|G|Ki|Mi|Gi)?$/.exec(String(q));
  if (!m) throw new Error(`unexpected quantity ${q}`);
  const factor: Record<string, number> = { '': 1, m: 0.001, k: 1e3, M: 1e6, G: 1e9, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3 };
  return Number(m[1]) * factor[m[2] ?? ''];
}

/** The injected proxy without what the API server defaults after admission. */
function comparableProxy(c: Obj): Obj {
  const resources = (r: Obj | undefined) => Object.fromEntries(Object.entries(r ?? {}).map(([k, v]) => [k, quantity(v as string)]));
  return {
    image: c.image,
    args: c.args,
    env: (c.env ?? []).map((e: Obj) => [e.name, e.value ?? null]),
    requests: resources(c.resources?.requests),
    limits: resources(c.resources?.limits),
    securityContext: c.securityContext,
    // The ServiceAccount admission plugin mounts the API token into every container after the webhook.
    volumeMounts: (c.volumeMounts ?? []).filter((v: Obj) => !v.name.startsWith('kube-api-access-')).map((v: Obj) => [v.name, v.mountPath]),
    ports: (c.ports ?? []).map((p: Obj) => [p.name, p.containerPort]),
    restartPolicy: c.restartPolicy,
  };
}

const proxyOf = (pod: Obj): Obj => [...(pod.spec.initContainers ?? []), ...pod.spec.containers].find((c: Obj) => c.name === 'istio-proxy');
const envOf = (c: Obj): Record<string, string> => Object.fromEntries((c.env ?? []).filter((e: Obj) => 'value' in e).map((e: Obj) => [e.name, e.value]));

describe.each(exampleClusters().map((c) => [c.name, c] as const))('example cluster %s, live', (_, config) => {
  const objects = manifests(config);
  const routes = injectionRoutes(config);
  let live: LiveScenario;

  beforeAll(async () => {
    live = await LiveScenario.start(config);
    await live.createApplicationNamespaces(objects);
    await live.installCrds();
    await live.sync(objects, { hooks: true });
  }, 600_000);

  afterAll(async () => {
    await live?.stop();
  });

  it('accepts every object of the render, PostSync hooks included, synced in Argo CD\'s order with server-side apply', () => {
    expect(live.applied).toBe(objects.length);
    expect(live.rejections).toEqual([]);
    expect(live.kubelet.errors).toEqual([]);
    expect(live.operators.errors).toEqual([]);
    expect([...live.kubelet.waiting]).toEqual([]);
  });

  it('mounts in every pod only what exists: meshc\'s objects, and the Secrets its ExternalSecrets and Certificates ask the operators for', async () => {
    const asked = objects
      .filter((o) => o.kind === 'ExternalSecret' || o.kind === 'Certificate')
      .map((o) => `${o.metadata.namespace}/${o.kind === 'Certificate' ? o.spec.secretName : (o.spec.target?.name ?? o.metadata.name)}`)
      .sort();
    const provided = async () =>
      (await live.cluster.admin().list<Obj>('/api/v1/secrets')).filter((s) => s.metadata.annotations?.[STAND_IN_ANNOTATION]).map((s) => `${s.metadata.namespace}/${s.metadata.name}`).sort();
    // The operators work asynchronously, as the real ones do.
    await waitFor('the operators\' Secrets', async () => (JSON.stringify(await provided()) === JSON.stringify(asked) ? true : undefined), 10_000).catch(() => undefined);
    expect(await provided()).toEqual(asked);
    expect([...live.kubelet.waiting]).toEqual([]);
  });

  it('runs each revision\'s istiod ready on meshc\'s ConfigMaps and RBAC, without an error in its log', () => {
    expect(live.istiods.map((i) => i.revision).sort()).toEqual(config.istio.revisions.map((r) => r.name).sort());
    // Releases whose source the Go module proxy does not serve run the newest judged istiod instead.
    expect(live.istiods.filter((i) => i.standIn).map((i) => i.revision).sort()).toEqual(
      config.istio.revisions.filter((r) => !ISTIO_JUDGES[r.release.version]).map((r) => r.name).sort(),
    );
    for (const run of live.istiods) expect(run.errors(), run.revision).toEqual([]);
  });

  it('has istiod sign every webhook meshc renders', async () => {
    const api = live.cluster.admin();
    const webhooks = objects.filter((o) => o.kind === 'MutatingWebhookConfiguration' || o.kind === 'ValidatingWebhookConfiguration');
    expect(webhooks.length).toBeGreaterThan(1);
    for (const w of webhooks) {
      const plural = w.kind === 'MutatingWebhookConfiguration' ? 'mutatingwebhookconfigurations' : 'validatingwebhookconfigurations';
      await waitFor(`${w.kind} ${w.metadata.name} signed`, async () => {
        const live = await api.request<Obj>('GET', `/apis/admissionregistration.k8s.io/v1/${plural}/${w.metadata.name}`);
        return live.webhooks.every((h: Obj) => h.clientConfig.caBundle) ? true : undefined;
      }, 30_000);
    }
  });

  it('routes each istiod Service, and each tag\'s, to its own revision\'s pods only', async () => {
    const api = live.cluster.admin();
    const ns = config.controlPlane.namespace;
    const services = [
      ...config.istio.revisions.map((r) => ({ service: revisioned('istiod', r.name), revision: r.name })),
      ...config.istio.tags.map((t) => ({ service: `istiod-revision-tag-${t.name}`, revision: t.revision })),
    ];
    for (const { service, revision } of services) {
      const run = live.istiods.find((i) => i.revision === revision)!;
      const slices = await waitFor(`endpoints of ${service}`, async () => {
        const list = await api.list<Obj>(`/apis/discovery.k8s.io/v1/namespaces/${ns}/endpointslices`, { labelSelector: `kubernetes.io/service-name=${service}` });
        const addresses = list.flatMap((s) => (s.endpoints ?? []).flatMap((e: Obj) => e.addresses));
        return addresses.length > 0 ? addresses : undefined;
      });
      expect([...new Set(slices)], service).toEqual([run.ip]);
    }
  });

  it('injects gateway pods through the webhook with the gateway template', async () => {
    const gateways = objects.filter((o) => o.kind === 'Deployment' && o.spec.template.metadata.annotations?.['inject.istio.io/templates'] === 'gateway');
    const api = live.cluster.admin();
    for (const g of gateways) {
      const pods = await api.list<Obj>(`/api/v1/namespaces/${g.metadata.namespace}/pods`, { labelSelector: Object.entries(g.spec.selector.matchLabels).map(([k, v]) => `${k}=${v}`).join(',') });
      expect(pods.length, g.metadata.name).toBeGreaterThan(0);
      for (const pod of pods) {
        const proxy = proxyOf(pod);
        expect(proxy.image, g.metadata.name).not.toBe('auto');
        expect(proxy.args.slice(0, 2), g.metadata.name).toEqual(['proxy', 'router']);
      }
    }
  });

  describe('an application team\'s workloads', () => {
    beforeAll(async () => {
      const api = live.cluster.admin();
      for (const route of routes) {
        await api.create('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: route.namespace, labels: route.labels } });
        await api.create(`/apis/apps/v1/namespaces/${route.namespace}/deployments`, appDeployment(route.namespace, config.sidecar.injection === 'disabled'));
      }
    }, 120_000);

    it.each(routes.map((r) => [r.namespace, r] as const))('in %s get the sidecar of their revision, as the fleet configures it', async (_, route) => {
      const pod = await waitFor(`a pod in ${route.namespace}`, async () => (await live.cluster.admin().list<Obj>(`/api/v1/namespaces/${route.namespace}/pods`))[0]);
      const proxy = proxyOf(pod);
      expect(proxy, 'istio-proxy').toBeDefined();
      expect(proxy.image).toBe(route.revision.proxyImage);
      const proxyConfig = JSON.parse(envOf(proxy).PROXY_CONFIG);
      // istiod leaves out of PROXY_CONFIG what equals Istio's default (istiod.istio-system.svc:15012).
      expect(proxyConfig.discoveryAddress ?? 'istiod.istio-system.svc:15012').toBe(`${revisioned('istiod', route.revision.name)}.${config.controlPlane.namespace}.svc:15012`);
      expect(proxy.resources.requests).toBeDefined();
      const app = pod.spec.containers.find((c: Obj) => c.name === 'app');
      expect(app.readinessProbe.httpGet).toEqual({ path: '/app-health/app/readyz', port: 15020, scheme: 'HTTP' });
      expect(JSON.parse(envOf(proxy).ISTIO_KUBE_APP_PROBERS)).toEqual({ '/app-health/app/readyz': { httpGet: { path: '/ready', port: APP_PORT, scheme: 'HTTP' }, timeoutSeconds: 1 } });
      expect(JSON.parse(pod.metadata.annotations['sidecar.istio.io/status']).revision).toBe(route.revision.name);
    });

    it.each(routes.map((r) => [r.namespace, r] as const))('in %s get what the offline judge injects', async (_, route) => {
      const pod = await waitFor(`a pod in ${route.namespace}`, async () => (await live.cluster.admin().list<Obj>(`/api/v1/namespaces/${route.namespace}/pods`))[0]);
      const workload = appDeployment(route.namespace, config.sidecar.injection === 'disabled');
      const offline = podOf(injectFor(config, workload, { objects, revision: route.revision.name, standIn: true }));
      expect(comparableProxy(proxyOf(pod))).toEqual(comparableProxy(proxyOf(offline)));
    });
  });

  describe('istiod\'s validating webhooks', () => {
    const validators = [
      ...(config.istio.defaultRevision ? [{ label: 'unlabelled (default revision)', rev: undefined as string | undefined }] : []),
      ...config.istio.revisions.map((r) => ({ label: `labelled istio.io/rev=${r.name}`, rev: r.name })),
    ];
    const sidecar = (name: string, rev: string | undefined, hosts: string[]) => ({
      apiVersion: 'networking.istio.io/v1',
      kind: 'Sidecar',
      metadata: { name, namespace: 'default', ...(rev ? { labels: { 'istio.io/rev': rev } } : {}) },
      spec: { egress: [{ hosts }] },
    });

    it.each(validators.map((v) => [v.label, v] as const))('reject an invalid Istio object and accept a valid one, %s', async (_, v) => {
      const suffix = v.rev ?? 'unlabelled';
      const invalid = live.cluster.kubectl(['apply', '--server-side', '-f', '-'], JSON.stringify(sidecar(`bad-${suffix}`, v.rev, ['no-namespace-slash'])));
      expect(invalid.status).not.toBe(0);
      expect(invalid.stderr).toMatch(/admission webhook "[^"]*validation\.istio\.io" denied the request/);
      const valid = live.cluster.kubectl(['apply', '--server-side', '-f', '-'], JSON.stringify(sidecar(`good-${suffix}`, v.rev, ['./*', `${config.controlPlane.namespace}/*`])));
      expect(valid.stderr).toBe('');
      expect(valid.status).toBe(0);
    });
  });

  it('keeps istiod free of errors after serving the cluster', () => {
    expect(objects.filter(isIstiod).length).toBe(config.istio.revisions.length);
    for (const run of live.istiods) expect(run.errors(), run.revision).toEqual([]);
  });
});
