/**
 * meshc's injection templates inject exactly what upstream Istio 1.30.3 injects.
 *
 * For every golden pair under ../shared/reference/injection/1.30.3 (settings per its CASES.md),
 * meshc's injector ConfigMap is rendered for those settings, its template is evaluated by
 * Go's own text/template with Istio's template functions and data model (test/injection/harness),
 * the result is merged into the pod as istiod merges it, and the pod is compared with the
 * golden output.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import type { ClusterConfig } from '../src/config/cluster-config';
import { injectorValues, sidecarInjectorProps } from '../src/control-plane/sidecar-injector-config';
import { valuesPathsIn } from '../src/injection/injection-values';
import { proxyTemplate } from '../src/injection/sidecar-template';
import { SHARED_DIR } from './support/crd-validator';
import { loadCluster, singleCluster } from './support/fleet';
import { injectFor, podOf } from './support/injection-case';
import { buildHarness, harnessAvailable } from './support/injection-harness';

const GOLDEN = join(SHARED_DIR, 'reference', 'injection', '1.30.3');

/** CASES.md's test-wide settings, as a fleet file: upstream chart defaults otherwise. */
function upstreamTestCluster(extra = ''): ClusterConfig {
  return loadCluster(
    singleCluster(
      '    clusterId: Kubernetes\n    trustDomain: cluster.local\n' +
        // Upstream leaves the sidecar's seccomp profile to the pod; meshc's default sets RuntimeDefault.
        '    sidecar:\n      seccompProfile: unset\n' +
        extra,
      { hub: 'registry.istio.io/testing' },
    ),
  );
}

interface Case {
  readonly input: string;
  readonly expected: string;
  readonly cluster: ClusterConfig;
  readonly cni?: boolean;
}

const CASES: Case[] = [
  { input: 'hello.yaml', expected: 'hello.yaml.injected', cluster: upstreamTestCluster() },
  { input: 'hello.yaml', expected: 'hello.yaml.cni.injected', cluster: upstreamTestCluster('    network: network1\n'), cni: true },
  { input: 'hello.yaml', expected: 'hello-never.yaml.injected', cluster: upstreamTestCluster('      imagePullPolicy: Never\n') },
  { input: 'hello-namespace.yaml', expected: 'hello-namespace.yaml.injected', cluster: upstreamTestCluster() },
  { input: 'hello-probes.yaml', expected: 'hello-probes.yaml.injected', cluster: upstreamTestCluster() },
  { input: 'native-sidecar.yaml', expected: 'native-sidecar.yaml.injected', cluster: upstreamTestCluster() },
  { input: 'resource_annotations.yaml', expected: 'resource_annotations.yaml.injected', cluster: upstreamTestCluster() },
  { input: 'traffic-annotations.yaml', expected: 'traffic-annotations.yaml.injected', cluster: upstreamTestCluster() },
  { input: 'statefulset.yaml', expected: 'statefulset.yaml.injected', cluster: upstreamTestCluster() },
  { input: 'job.yaml', expected: 'job.yaml.injected', cluster: upstreamTestCluster() },
  { input: 'two_container.yaml', expected: 'two_container.yaml.injected', cluster: upstreamTestCluster() },
  { input: 'gateway.yaml', expected: 'gateway.yaml.injected', cluster: upstreamTestCluster() },
];

function runCase(c: Case): Record<string, any> {
  const workload = parse(readFileSync(join(GOLDEN, c.input), 'utf8'));
  // The golden files were made with the image tag `latest`.
  return injectFor(c.cluster, workload, { tag: 'latest', cni: c.cni });
}

// ---- what the comparison leaves out, and why ------------------------------------------------

/** Fields istiod's own code writes after the templates ran; a template cannot and should not produce them. */
const EXCLUDED_ANNOTATIONS: Record<string, string> = {
  'sidecar.istio.io/status': 'written by istiod after injection, listing what it injected',
};
const EXCLUDED_PROXY_ENV: Record<string, string> = {
  ISTIO_KUBE_APP_PROBERS: 'istiod rewrites application probes to the agent and records the originals here',
};
/**
 * Proxy env istiod moves to the end of the list once a cluster id or network is configured
 * (meshc always configures the cluster id). Compared by value, not position.
 */
const REORDERED_PROXY_ENV = ['ISTIO_META_CLUSTER_ID', 'ISTIO_META_NETWORK'];
/** App-container fields istiod's probe rewriting changes (it points them at the agent's status port). */
const PROBE_FIELDS = ['livenessProbe', 'readinessProbe', 'startupProbe', 'lifecycle'];

const INJECTED = new Set(['istio-proxy', 'istio-init', 'istio-validation']);

/**
 * The comparable view of a pod: labels, annotations, volumes, and containers and init containers
 * keyed by name (istiod orders containers itself). Typed Kubernetes serialization is applied
 * to both sides: an empty env value is omitted, `resources` defaults to `{}`.
 */
function comparable(pod: Record<string, any>) {
  const containers = (list: any[] | undefined) =>
    Object.fromEntries(
      (list ?? []).map((c) => {
        const copy = { ...c, resources: c.resources ?? {} };
        if (!INJECTED.has(c.name)) for (const f of PROBE_FIELDS) delete copy[f];
        if (copy.env) {
          const env = copy.env
            .filter((e: any) => !(c.name === 'istio-proxy' && e.name in EXCLUDED_PROXY_ENV))
            .map((e: any) => (e.value === '' ? { name: e.name, ...(e.valueFrom ? { valueFrom: e.valueFrom } : {}) } : e));
          if (c.name === 'istio-proxy') {
            copy.reorderedEnv = Object.fromEntries(env.filter((e: any) => REORDERED_PROXY_ENV.includes(e.name)).map((e: any) => [e.name, e]));
            copy.env = env.filter((e: any) => !REORDERED_PROXY_ENV.includes(e.name));
          } else copy.env = env;
        }
        return [c.name, copy];
      }),
    );
  const annotations = { ...(pod.metadata?.annotations ?? {}) };
  for (const key of Object.keys(EXCLUDED_ANNOTATIONS)) delete annotations[key];
  return {
    labels: pod.metadata?.labels ?? {},
    annotations,
    containers: containers(pod.spec.containers),
    initContainers: containers(pod.spec.initContainers),
    volumes: pod.spec.volumes ?? [],
    securityContext: pod.spec.securityContext ?? {},
    imagePullSecrets: pod.spec.imagePullSecrets ?? [],
  };
}

describe('injection templates against upstream golden pairs', () => {
  beforeAll(() => {
    buildHarness();
  });

  it('has Go, sprig and the golden pairs to run against', () => {
    expect(harnessAvailable()).toBe(true);
    expect(readFileSync(join(GOLDEN, 'CASES.md'), 'utf8')).toContain('hello.yaml.cni.injected');
  });

  it.each(CASES.map((c) => [c.expected, c] as const))('%s', (_, c) => {
    const expected = parseAllDocuments(readFileSync(join(GOLDEN, c.expected), 'utf8'))
      .map((d) => d.toJS())
      .filter(Boolean)[0];
    const actual = runCase(c);
    expect(comparable(podOf(actual))).toEqual(comparable(podOf(expected)));
  });
});

describe('the templates and their values', () => {
  it('read only values that the rendered values document has', () => {
    const values = injectorValues(sidecarInjectorProps(upstreamTestCluster()));
    const has = (path: string) => path.split('.').reduce<any>((v, k) => (v && typeof v === 'object' ? v[k] : undefined), values) !== undefined;
    for (const kind of ['sidecar', 'gateway'] as const) {
      const paths = valuesPathsIn(proxyTemplate(kind));
      expect(paths.length).toBeGreaterThan(10);
      expect(paths.filter((p) => !has(p))).toEqual([]);
    }
  });

  it('carry no value the templates and istiod do not read', () => {
    const values = injectorValues(sidecarInjectorProps(upstreamTestCluster()));
    const leaves: string[] = [];
    const walk = (v: any, path: string) => {
      if (v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length > 0 && !path.endsWith('resources') && !path.endsWith('seccompProfile')) {
        for (const [k, child] of Object.entries(v)) walk(child, path ? `${path}.${k}` : k);
      } else leaves.push(path);
    };
    walk(values, '');
    const read = new Set([...valuesPathsIn(proxyTemplate('sidecar')), ...valuesPathsIn(proxyTemplate('gateway'))]);
    // istiod itself reads these to choose the proxy image.
    const istiodReads = ['global.hub', 'global.tag', 'global.variant', 'global.proxy.image'];
    expect(leaves.filter((l) => !read.has(l) && !istiodReads.includes(l))).toEqual([]);
  });
});
