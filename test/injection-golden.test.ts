/**
 * meshc's injector, judged by Istio's own injection webhook: for every golden pair under
 * ../shared/reference/injection/1.30.3 (settings per its CASES.md), the cluster is rendered for
 * those settings, the upstream webhook (support/istio-webhook.ts) injects the input workload's
 * pod with meshc's rendered ConfigMaps, and the result must equal upstream's output in every
 * field, probe rewriting and container order included, but the status annotation (it names
 * the revision, which upstream's kube-inject leaves empty).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { injectorValues, sidecarInjectorProps } from '../src/control-plane/sidecar-injector-config';
import { ISTIOD_VALUES, valuesPathsIn } from '../src/injection/injection-values';
import { proxyTemplate } from '../src/injection/sidecar-template';
import { SHARED_DIR } from './support/crd-validator';
import { REPO } from './support/objects';
import { injectFor, podOf } from './support/injection-case';
import { comparablePod, statusWithoutRevision, upstreamTag, upstreamTestCluster, yamlDocuments } from './support/upstream-injection';

const GOLDEN = join(SHARED_DIR, 'reference', 'injection', '1.30.3');

interface Case {
  readonly input: string;
  readonly expected: string;
  readonly extra?: string;
}

const CASES: Case[] = [
  { input: 'hello.yaml', expected: 'hello.yaml.injected' },
  { input: 'hello.yaml', expected: 'hello.yaml.cni.injected', extra: '    network: network1\n    cni: { enabled: true }\n' },
  { input: 'hello.yaml', expected: 'hello-never.yaml.injected', extra: '      imagePullPolicy: Never\n' },
  { input: 'hello-namespace.yaml', expected: 'hello-namespace.yaml.injected' },
  { input: 'hello-probes.yaml', expected: 'hello-probes.yaml.injected' },
  { input: 'native-sidecar.yaml', expected: 'native-sidecar.yaml.injected' },
  { input: 'resource_annotations.yaml', expected: 'resource_annotations.yaml.injected' },
  { input: 'traffic-annotations.yaml', expected: 'traffic-annotations.yaml.injected' },
  { input: 'statefulset.yaml', expected: 'statefulset.yaml.injected' },
  { input: 'job.yaml', expected: 'job.yaml.injected' },
  { input: 'two_container.yaml', expected: 'two_container.yaml.injected' },
  { input: 'gateway.yaml', expected: 'gateway.yaml.injected' },
];

const documents = (file: string) => yamlDocuments(join(GOLDEN, file));

describe('meshc injection, run by upstream Istio 1.30 against its golden pairs', () => {
  it.each(CASES.map((c) => [c.expected, c] as const))('%s', (_, c) => {
    const cluster = upstreamTestCluster(c.extra ?? '');
    const inputs = documents(c.input);
    const expected = documents(c.expected);
    expect(inputs.length).toBe(expected.length);
    inputs.forEach((workload, i) => {
      const actual = injectFor(cluster, workload, { values: upstreamTag });
      expect(comparablePod(podOf(actual))).toEqual(comparablePod(podOf(expected[i])));
      // istiod's status annotation lists what it injected, as upstream's does.
      expect(statusWithoutRevision(podOf(actual))).toEqual(statusWithoutRevision(podOf(expected[i])));
    });
  });

  it('leaves a pod that opts out untouched', () => {
    const workload = parse(readFileSync(join(GOLDEN, 'hello.yaml'), 'utf8'));
    workload.spec.template.metadata.labels['sidecar.istio.io/inject'] = 'false';
    expect(injectFor(upstreamTestCluster(), workload)).toEqual(workload);
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
    const istiodReads = ISTIOD_VALUES.map((v) => v.path);
    expect(leaves.filter((l) => !read.has(l) && !istiodReads.includes(l))).toEqual([]);
  });

  it('carry every value istiod\'s own code reads, but those set elsewhere, and docs/injection.md lists each', () => {
    const values = injectorValues(sidecarInjectorProps(upstreamTestCluster()));
    const at = (path: string) => path.split('.').reduce<any>((v, k) => (v && typeof v === 'object' ? v[k] : undefined), values);
    const doc = readFileSync(join(REPO, 'docs', 'injection.md'), 'utf8');
    for (const v of ISTIOD_VALUES) {
      expect(at(v.path) !== undefined, v.path).toBe(v.rendered === true);
      expect(doc, v.path).toContain(`\`${v.path}\``);
    }
  });
});
