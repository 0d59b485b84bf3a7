/**
 * The post-sync Job that restarts outdated sidecars: what it is given, what it may do, how it
 * runs, and how both delivery tools run it.
 */
import { describe, expect, it } from 'vitest';
import { RESTARTER_NODE_IMAGE } from '../src/catalog/versions';
import { ARGOCD_HOOK_ANNOTATION, ARGOCD_HOOK_DELETE_POLICY_ANNOTATION, restarterRules, windowSchedule } from '../src/lifecycle/data-plane-sync';
import { restarterConfig } from '../src/lifecycle/restarter-config';
import { loadFleetText } from '../src/pipeline';
import { renderClusterObjects, renderFleet } from '../src/render/render';
import type { RestarterConfig } from '../src/restarter/config';
import { HEADER, loadCluster, rejectionOf, singleCluster } from './support/fleet';
import { expectRestrictedPod, manifests, type Manifest } from './support/objects';
import { parse } from 'yaml';

const objectsOf = (extra = '', opts?: Parameters<typeof singleCluster>[1]) => manifests(loadCluster(singleCluster(extra, opts)));
const job = (objects: Manifest[]) => {
  const jobs = objects.filter((o) => o.kind === 'Job');
  expect(jobs).toHaveLength(1);
  return jobs[0];
};
const configOf = (objects: Manifest[]): RestarterConfig => {
  const j = job(objects);
  const cm = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === j.spec.template.spec.volumes[0].configMap.name)!;
  return JSON.parse(cm.data['restarter.json']);
};

describe('the data-plane sync Job', () => {
  const objects = objectsOf();
  const j = job(objects);

  it('is an Argo CD PostSync hook, recreated before each run, in the post-sync layer', () => {
    expect(j.metadata.annotations).toMatchObject({ [ARGOCD_HOOK_ANNOTATION]: 'PostSync', [ARGOCD_HOOK_DELETE_POLICY_ANNOTATION]: 'BeforeHookCreation' });
    const paths = renderClusterObjects(loadCluster(singleCluster())).filter((o) => o.layer === 'post-sync').map((o) => o.path).sort();
    expect(paths).toEqual([
      'post-sync/clusterrole-meshc-dataplane-sync.yaml',
      'post-sync/clusterrolebinding-meshc-dataplane-sync.yaml',
      `post-sync/istio-system/configmap-${j.metadata.name}.yaml`,
      `post-sync/istio-system/job-${j.metadata.name}.yaml`,
      'post-sync/istio-system/serviceaccount-meshc-dataplane-sync.yaml',
    ]);
  });

  it('runs the shipped restarter from its ConfigMap in the pinned node image, as a restricted pod with limits and a deadline', () => {
    expect(j.metadata.name).toMatch(/^meshc-dataplane-sync-[0-9a-f]{10}$/);
    const pod = j.spec.template.spec;
    expect(pod.containers[0].image).toBe(RESTARTER_NODE_IMAGE);
    expect(pod.containers[0].command).toEqual(['node', '/etc/meshc/restarter.js', '--config', '/etc/meshc/restarter.json']);
    expect(pod.serviceAccountName).toBe('meshc-dataplane-sync');
    expect(pod.restartPolicy).toBe('Never');
    expectRestrictedPod(`Job ${j.metadata.name}`, pod, expect);
    expect(pod.securityContext.runAsUser).toBe(1000);
    expect(pod.containers[0].resources.limits).toEqual({ cpu: '500m', memory: '256Mi' });
    expect(j.spec.activeDeadlineSeconds).toBe(3600);
    expect(j.spec.backoffLimit).toBe(0);
    const cm = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === j.metadata.name)!;
    expect(cm.data['restarter.js']).toMatch(/^\/\/ meshc data-plane restarter/);
    expect(cm.data['restarter.js']).not.toMatch(/require\("(?!node:)/);
  });

  it('may list pods, namespaces and ReplicaSets, patch the three workload kinds and create events: nothing else', () => {
    const role = objects.find((o) => o.kind === 'ClusterRole' && o.metadata.name === 'meshc-dataplane-sync')!;
    expect(role.rules).toEqual([
      { apiGroups: [''], resources: ['namespaces', 'pods'], verbs: ['list'] },
      { apiGroups: [''], resources: ['events'], verbs: ['create'] },
      { apiGroups: ['apps'], resources: ['replicasets'], verbs: ['list'] },
      { apiGroups: ['apps'], resources: ['daemonsets', 'deployments', 'statefulsets'], verbs: ['patch'] },
    ]);
    const binding = objects.find((o) => o.kind === 'ClusterRoleBinding' && o.metadata.name === 'meshc-dataplane-sync')!;
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'meshc-dataplane-sync', namespace: 'istio-system' }]);
    // No verb anywhere that reads secrets, writes pods or escalates.
    const all = role.rules.flatMap((r: Manifest) => r.resources.flatMap((res: string) => r.verbs.map((v: string) => `${v} ${res}`)));
    expect(all).not.toContain('delete pods');
    expect(all.some((v: string) => v.includes('secrets') || v.startsWith('*') || v.startsWith('update'))).toBe(false);
  });

  it('may delete pods only when bare-pod deletion is on', () => {
    expect(restarterRules(true)).toContainEqual({ apiGroups: [''], resources: ['pods'], verbs: ['delete'] });
    const role = objectsOf('    dataPlaneSync:\n      deleteBarePods: true\n').find((o) => o.kind === 'ClusterRole' && o.metadata.name === 'meshc-dataplane-sync')!;
    expect(role.rules).toContainEqual({ apiGroups: [''], resources: ['pods'], verbs: ['delete'] });
    expect(configOf(objectsOf('    dataPlaneSync:\n      deleteBarePods: true\n')).deleteBarePods).toBe(true);
  });

  it('gives the restarter the revisions, tags, proxy images and expected init container', () => {
    expect(configOf(objects)).toEqual({
      cluster: 'one',
      revisions: [{ name: 'default', version: '1.30.3', proxyImage: 'docker.io/istio/proxyv2:1.30.3' }],
      tags: {},
      defaultRevision: 'default',
      initContainer: 'istio-init',
      restartAnnotation: 'meshc.dev/sidecar-restarted-for',
      namespaceOptOutLabel: 'meshc.dev/sidecar-restart',
      workloadOptOutAnnotation: 'meshc.dev/sidecar-restart',
      batches: { size: 5, maxPerNamespace: 2, maxPerRun: 50, readinessTimeoutSeconds: 600 },
      deleteBarePods: false,
    });
    const canary = loadCluster(
      `${HEADER}clusters:\n  - name: c\n    kubernetesVersion: "1.32"\n    istio:\n      revisions: [{ version: "1.29.6" }, { version: "1.30.3" }]\n      tags: { default: 1-30-3, old: 1-29-6 }\n`,
    );
    expect(restarterConfig(canary)).toMatchObject({
      revisions: [
        { name: '1-29-6', version: '1.29.6', proxyImage: 'docker.io/istio/proxyv2:1.29.6' },
        { name: '1-30-3', version: '1.30.3', proxyImage: 'docker.io/istio/proxyv2:1.30.3' },
      ],
      tags: { default: '1-30-3', old: '1-29-6' },
      defaultRevision: '1-30-3',
    });
  });

  it('follows a mirror hub and CNI into the expected proxy image and init container', () => {
    const cluster = loadCluster(singleCluster('    cni:\n      enabled: true\n', { hub: 'registry.corp.example/istio' }));
    const config = restarterConfig(cluster);
    expect(config.revisions[0].proxyImage).toBe('registry.corp.example/istio/proxyv2:1.30.3');
    expect(config.initContainer).toBe('istio-validation');
  });

  it('is a new Job when what it acts on changes, and the same Job otherwise', () => {
    const name = (extra: string, opts?: Parameters<typeof singleCluster>[1]) => job(objectsOf(extra, opts)).metadata.name;
    const base = name('');
    expect(name('')).toBe(base);
    expect(name('', { istio: '1.29.6' })).not.toBe(base);
    expect(name('    cni:\n      enabled: true\n')).not.toBe(base);
    expect(name('    dataPlaneSync:\n      batches:\n        size: 3\n')).not.toBe(base);
    // Unrelated settings leave the Job alone: a re-sync must not re-run it under Flux.
    expect(name('    controlPlane:\n      istiod:\n        logLevel: default:debug\n')).toBe(base);
  });

  it('opens a CronJob on the maintenance window\'s days and time, in its time zone', () => {
    const objs = objectsOf('    dataPlaneSync:\n      window:\n        days: [Sat, Sun, Mon]\n        start: "02:30"\n        end: "05:00"\n        timeZone: Europe/Berlin\n');
    const cron = objs.find((o) => o.kind === 'CronJob')!;
    expect(cron.spec).toMatchObject({ schedule: '30 2 * * 0,1,6', timeZone: 'Europe/Berlin', concurrencyPolicy: 'Forbid' });
    expect(cron.spec.jobTemplate.spec.template.spec.volumes[0].configMap.name).toBe(job(objs).metadata.name);
    expect(configOf(objs).window).toEqual({ days: ['Mon', 'Sat', 'Sun'], start: '02:30', end: '05:00', timeZone: 'Europe/Berlin' });
    expect(objects.some((o) => o.kind === 'CronJob')).toBe(false);
    expect(windowSchedule({ days: ['Sun'], start: '23:05', end: '01:00', timeZone: 'UTC' })).toBe('5 23 * * 0');
  });

  it('is not rendered when disabled', () => {
    expect(objectsOf('    dataPlaneSync:\n      enabled: false\n').filter((o) => o.metadata.name.startsWith('meshc-dataplane-sync'))).toEqual([]);
  });

  it('refuses a window of no length, an unknown time zone and a readiness timeout beyond the deadline', () => {
    const errors = rejectionOf(
      singleCluster('    dataPlaneSync:\n      activeDeadline: 10m\n      batches:\n        readinessTimeout: 15m\n      window:\n        days: [Mon]\n        start: "02:00"\n        end: "02:00"\n        timeZone: Mars/Olympus\n'),
      { errorsOnly: true },
    );
    expect(errors).toEqual([
      'fleet.yaml:11:27: error: clusters[0].dataPlaneSync.batches.readinessTimeout: cluster "one": batches.readinessTimeout (15m) must be shorter than activeDeadline (10m)',
      'fleet.yaml:15:14: error: clusters[0].dataPlaneSync.window.end: cluster "one": maintenance window closes when it opens (02:00); give it a length',
      'fleet.yaml:16:19: error: clusters[0].dataPlaneSync.window.timeZone: cluster "one": unknown time zone "Mars/Olympus"',
    ]);
  });
});

describe('delivery of the Job', () => {
  const fleetText = `${HEADER}delivery:\n  name: mesh\n  git: { url: https://git.example/mesh.git }\n  flux: { enabled: true }\n  argocd: { enabled: false }\n  crds: { mode: none }\nclusters:\n  - name: one\n    kubernetesVersion: "1.33"\n    istio: { version: "1.30.3" }\n`;

  it('gives Flux its own Kustomization, after the control plane, waiting for the Job up to its deadline', () => {
    const tree = renderFleet(loadFleetText('mesh.yaml', fleetText).fleet);
    const k = parse(tree.get('flux/one/kustomization-mesh-one-post-sync.yaml')!);
    expect(k.spec.path).toBe('./dist/one/post-sync');
    expect(k.spec.dependsOn).toEqual([{ name: 'mesh-one-policies' }, { name: 'mesh-one-control-plane' }]);
    expect(k.spec.timeout).toBe('3900s');
    expect(k.spec.wait).toBe(true);
  });
});
