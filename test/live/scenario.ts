/**
 * One rendered cluster brought up on a live API server: Istio's CRDs of the cluster's newest
 * release and the third-party CRDs its objects use, then meshc's objects synced as Argo CD
 * would, with each revision's istiod started out of cluster as soon as its Deployment is
 * applied (a kubelet would start it then), so that later sync waves meet its webhooks.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { ClusterConfig } from '../../src/config/cluster-config';
import { revisionOf } from '../../src/config/resolve-istio';
import { thirdPartyCrdFiles } from '../e2e/third-party-crds';
import { SHARED_DIR } from '../support/crd-validator';
import { argoOrder, serverSideApply, syncSteps, waitHealthy, type Rejection } from './argo-sync';
import { LiveCluster } from './cluster';
import { FakeKubelet } from './fake-kubelet';
import { FakeOperators } from './fake-operators';
import { claimAddress, istiodReadyUrl, releaseAddress, startIstiod, waitIstiodReady, type IstiodRun } from './istiod';

type Obj = Record<string, any>;

export function crdObjects(istioVersion: string): Obj[] {
  const files = [join(SHARED_DIR, 'istio', istioVersion, 'crd-all.gen.yaml'), ...thirdPartyCrdFiles()];
  return files.flatMap((f) => parseAllDocuments(readFileSync(f, 'utf8')).map((d) => d.toJS() as Obj).filter((o) => o?.kind === 'CustomResourceDefinition'));
}

export const isIstiod = (o: Obj) => o.kind === 'Deployment' && o.spec?.template?.metadata?.labels?.app === 'istiod';

export class LiveScenario {
  /** The istiods running now, one per revision. */
  readonly istiods: IstiodRun[] = [];
  /** istiods stopped because their Deployment changed. */
  readonly retired: IstiodRun[] = [];
  private readonly ips = new Map<string, string>();
  readonly rejections: Rejection[] = [];
  /** Objects of meshc's render sent to the API server so far. */
  applied = 0;

  private constructor(
    readonly cluster: LiveCluster,
    readonly kubelet: FakeKubelet,
    readonly operators: FakeOperators,
    /** The fleet's view of the cluster; `sync` of another render of it updates this. */
    public config: ClusterConfig,
  ) {}

  static async start(config: ClusterConfig): Promise<LiveScenario> {
    const cluster = await LiveCluster.start({ name: config.name, keep: process.env.MESHC_LIVE_KEEP === '1' });
    const kubelet = new FakeKubelet(cluster.admin(), `v${config.kubernetesVersion}.0`);
    await kubelet.start();
    const operators = new FakeOperators(cluster.admin());
    operators.start();
    return new LiveScenario(cluster, kubelet, operators, config);
  }

  /**
   * Creates the namespaces meshc's objects live in but does not own (the application namespaces
   * that policies protect): application teams create those, and Argo CD refuses an object whose
   * namespace does not exist.
   */
  async createApplicationNamespaces(objects: readonly Obj[]): Promise<string[]> {
    const owned = new Set(objects.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name));
    const needed = [...new Set(objects.map((o) => o.metadata.namespace).filter((ns): ns is string => !!ns && !owned.has(ns)))].sort();
    for (const name of needed) await this.cluster.admin().create('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    return needed;
  }

  /** Installs the CRDs the cluster's CRD Application would (Istio's) and those of the operators it relies on. */
  async installCrds(): Promise<void> {
    const crds = crdObjects(this.config.istio.release.version);
    this.rejections.push(...serverSideApply(this.cluster, crds));
    await waitHealthy(this.cluster, crds);
  }

  /**
   * Syncs `objects` wave by wave; istiods start when their Deployment is applied. Stops before
   * the PostSync phase unless `hooks` is set.
   */
  async sync(objects: readonly Obj[], { hooks = false } = {}): Promise<void> {
    for (const step of syncSteps(objects)) {
      if (step.phase === 'PostSync' && !hooks) break;
      const istiods = step.objects.filter(isIstiod).map((d) => ({ deployment: d, ip: this.addressFor(d) }));
      this.rejections.push(...serverSideApply(this.cluster, step.objects));
      this.applied += step.objects.length;
      for (const { deployment, ip } of istiods) await this.startIstiod(deployment, ip);
      await waitHealthy(this.cluster, step.objects.filter((o) => o.kind !== 'Job')).catch((err: Error) => {
        const waiting = [...this.kubelet.waiting].map(([pod, missing]) => `${pod} waits for ${missing.join(', ')}`);
        throw new Error([err.message, ...waiting].join('\n'));
      });
    }
  }

  /**
   * The address of a Deployment's istiod: claimed once, kept when the Deployment changes, and
   * handed to its pods from their first status on, as a kubelet gives a pod its IP. Call it
   * before the Deployment is applied.
   */
  addressFor(deployment: Obj): string {
    const name = deployment.metadata.name;
    let ip = this.ips.get(name);
    if (!ip) {
      ip = claimAddress();
      this.ips.set(name, ip);
    }
    // The pods of this Deployment, by all its template's labels: selectors are under test here.
    this.kubelet.serve(name, { labels: deployment.spec.template.metadata.labels, ip, readyUrl: istiodReadyUrl(ip) });
    return ip;
  }

  /** Starts a Deployment's istiod, or restarts it with the Deployment's new settings, as a rollout would. */
  async startIstiod(deployment: Obj, ip: string): Promise<void> {
    const revisionName = deployment.spec.template.metadata.labels['istio.io/rev'] ?? 'default';
    const revision = revisionOf(this.config.istio, revisionName);
    if (!revision) throw new Error(`${deployment.metadata.name}: no revision ${revisionName} in ${this.config.name}`);
    const previous = this.istiods.findIndex((r) => r.deployment === deployment.metadata.name);
    if (previous >= 0) {
      await this.istiods[previous].stop();
      this.retired.push(...this.istiods.splice(previous, 1));
    }
    const run = await startIstiod(this.cluster, deployment, revision.release.version, ip);
    this.istiods.push(run);
    await waitIstiodReady(run);
  }

  async stop(): Promise<void> {
    await this.operators.stop();
    await this.kubelet.stop();
    for (const run of this.istiods) await run.stop();
    await this.cluster.stop();
    for (const ip of this.ips.values()) releaseAddress(ip);
  }
}

export { argoOrder };
