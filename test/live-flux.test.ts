/**
 * The example fleet delivered by Flux, live: mesh.yaml rendered with `delivery.flux` (and the
 * CRDs vendored into their own layer), then each cluster's Flux Kustomizations reconciled in
 * dependsOn order by Flux's own libraries (test/e2e/flux: fluxcd/pkg/kustomize generates and
 * builds each layer, fluxcd/pkg/ssa applies it and waits for it to be ready, `wait: true`).
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { ISTIO_RELEASES } from '../src/catalog/versions';
import { loadFleetFile } from '../src/pipeline';
import { renderClusterObjects } from '../src/render/render';
import { tool } from './e2e/toolchain';
import { waitFor } from './live/processes';
import { runPod } from './live/pod-runner';
import { isIstiod, LiveScenario } from './live/scenario';
import { thirdPartyCrdFiles } from './e2e/third-party-crds';
import { serverSideApply } from './live/argo-sync';
import { SHARED_DIR } from './support/crd-validator';
import { copyExampleFleet, REPO } from './support/objects';

type Obj = Record<string, any>;

/** The example fleet, delivered by Flux with vendored CRDs, rendered into `root/dist`. */
function renderForFlux(root: string): string {
  const fleetFile = copyExampleFleet(root);
  const text = readFileSync(fleetFile, 'utf8').replace(/\n  crds:\n    mode: chart\n/, '\n  argocd:\n    enabled: false\n  flux:\n    enabled: true\n  crds:\n    mode: vendored\n');
  if (!text.includes('mode: vendored')) throw new Error('mesh.yaml no longer has the delivery section this test rewrites');
  writeFileSync(fleetFile, text);
  for (const release of ISTIO_RELEASES) {
    mkdirSync(join(root, 'vendor', 'istio', release.version), { recursive: true });
    cpSync(join(SHARED_DIR, 'istio', release.version, 'crd-all.gen.yaml'), join(root, 'vendor', 'istio', release.version, 'crd-all.gen.yaml'));
  }
  const synth = spawnSync(process.execPath, ['bin/meshc.js', 'synth', '--config', fleetFile, '--out', join(root, 'dist')], { cwd: REPO, encoding: 'utf8' });
  if (synth.status !== 0) throw new Error(`meshc synth failed:\n${synth.stdout}${synth.stderr}`);
  return fleetFile;
}

/** A cluster's Kustomizations, each after those it depends on. */
function kustomizationsInOrder(dir: string): { file: string; ks: Obj }[] {
  const all = readdirSync(dir)
    .filter((f) => f.startsWith('kustomization-'))
    .map((f) => ({ file: join(dir, f), ks: parse(readFileSync(join(dir, f), 'utf8')) as Obj }));
  const done = new Set<string>();
  const ordered: { file: string; ks: Obj }[] = [];
  while (ordered.length < all.length) {
    const next = all.find((k) => !done.has(k.ks.metadata.name) && (k.ks.spec.dependsOn ?? []).every((d: Obj) => done.has(d.name)));
    if (!next) throw new Error(`dependsOn in ${dir} has a cycle or names a missing Kustomization`);
    done.add(next.ks.metadata.name);
    ordered.push(next);
  }
  return ordered;
}

function fluxApply(kubeconfig: string, source: string, file: string): Promise<{ status: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(tool('flux', 'flux-apply'), ['--kubeconfig', kubeconfig, '--source', source, '--max-timeout', '3m', file]);
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('exit', (code) => resolve({ status: code ?? 1, output }));
  });
}

const root = mkdtempSync(join(tmpdir(), 'meshc-flux-'));
const fleetFile = renderForFlux(root);
const clusters = loadFleetFile(fleetFile).fleet.clusters;

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe.each(clusters.map((c) => [c.name, c] as const))('example cluster %s, delivered by Flux, live', (_, config) => {
  const rendered = renderClusterObjects(config).map((o) => ({ layer: o.layer, manifest: o.manifest as Obj }));
  const reconciled: { name: string; status: number; output: string }[] = [];
  let live: LiveScenario;

  beforeAll(async () => {
    live = await LiveScenario.start(config);
    const crds = thirdPartyCrdFiles().flatMap((f) => parseAllDocuments(readFileSync(f, 'utf8')).map((d) => d.toJS() as Obj));
    expect(serverSideApply(live.cluster, crds)).toEqual([]);
    await live.createApplicationNamespaces(rendered.map((o) => o.manifest));
    const kubeconfig = live.cluster.kubeconfig();
    for (const { file, ks } of kustomizationsInOrder(join(root, 'dist', 'flux', config.name))) {
      const layer = basename(ks.spec.path);
      const objects = rendered.filter((o) => o.layer === layer).map((o) => o.manifest);
      const istiods = objects.filter(isIstiod).map((d) => ({ deployment: d, ip: live.addressFor(d) }));
      const applying = fluxApply(kubeconfig, root, file);
      // What a kubelet would start meanwhile: each istiod once its Deployment exists, the Job's pod.
      for (const { deployment, ip } of istiods) {
        await waitFor(`${deployment.metadata.name} applied`, () =>
          live.cluster.admin().request('GET', `/apis/apps/v1/namespaces/${deployment.metadata.namespace}/deployments/${deployment.metadata.name}`).then(() => true),
        );
        await live.startIstiod(deployment, ip);
      }
      for (const job of objects.filter((o) => o.kind === 'Job')) {
        const pod = await waitFor(`the pod of ${job.metadata.name}`, async () =>
          (await live.cluster.admin().list<Obj>(`/api/v1/namespaces/${job.metadata.namespace}/pods`, { labelSelector: `job-name=${job.metadata.name}` }))[0],
        );
        const run = await runPod(live.cluster, pod);
        await live.kubelet.finish(pod.metadata.namespace, pod.metadata.name, run.exitCode === 0 ? 'Succeeded' : 'Failed');
      }
      reconciled.push({ name: ks.metadata.name, ...(await applying) });
    }
  }, 900_000);

  afterAll(async () => {
    await live?.stop();
  });

  it('reconciles every Kustomization, in dependsOn order, to ready', () => {
    expect(reconciled.map((r) => r.name)).toEqual(
      ['crds', 'control-plane', 'gateways', 'policies', 'fleet', 'post-sync'].filter((l) => rendered.some((o) => o.layer === l)).map((l) => `corp-mesh-${config.name}-${l}`),
    );
    for (const r of reconciled) {
      expect(r.output, r.name).toMatch(new RegExp(`^${r.name} ready$`, 'm'));
      expect(r.status, `${r.name}:\n${r.output}`).toBe(0);
    }
  });

  it('applies every object of the render, labelled as kustomize-controller labels what it owns', async () => {
    const api = live.cluster.admin();
    for (const { manifest: o, layer } of rendered) {
      const base = String(o.apiVersion).includes('/') ? `/apis/${o.apiVersion}` : `/api/${o.apiVersion}`;
      const plural = await pluralOf(api, base, o.kind);
      const path = `${base}/${o.metadata.namespace ? `namespaces/${o.metadata.namespace}/` : ''}${plural}/${o.metadata.name}`;
      const live = await api.request<Obj>('GET', path);
      expect(live.metadata.labels?.['kustomize.toolkit.fluxcd.io/name'], path).toBe(`corp-mesh-${config.name}-${layer}`);
    }
  });

  it('runs each revision\'s istiod without an error in its log', () => {
    for (const run of live.istiods) expect(run.errors(), run.revision).toEqual([]);
  });
});

const plurals = new Map<string, Record<string, string>>();
async function pluralOf(api: ReturnType<LiveScenario['cluster']['admin']>, base: string, kind: string): Promise<string> {
  let byKind = plurals.get(base);
  if (!byKind) {
    const list = await api.request<Obj>('GET', base);
    byKind = Object.fromEntries(list.resources.filter((r: Obj) => !r.name.includes('/')).map((r: Obj) => [r.kind, r.name]));
    plurals.set(base, byKind);
  }
  return byKind[kind];
}
