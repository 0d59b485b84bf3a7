/**
 * The Istio CNI node agent: what a cluster renders with it on, the platform presets, every
 * fine-tuning setting, its RBAC and privileges against upstream Istio's `cni` chart, and that the
 * result builds with kustomize.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { ClusterConfig } from '../src/config/cluster-config';
import { CNI_PLATFORM_PRESETS, CNI_PLATFORMS } from '../src/cni/platforms';
import { resolveCni } from '../src/cni/resolve-cni';
import { CniSchema } from '../src/config/cni-schema';
import { writeTree } from '../src/output/tree-writer';
import { loadFleetText } from '../src/pipeline';
import { renderFleet } from '../src/render/render';
import { HEADER, loadCluster, singleCluster } from './support/fleet';
import { expectRestrictedPod, find, manifests, podSpecs, readText, REPO, type Manifest } from './support/objects';

/** One cluster with the agent on; `extra` is YAML inside `cni:`, indented by six spaces. */
function cniCluster(extra = '', options: Parameters<typeof singleCluster>[1] = {}): ClusterConfig {
  return loadCluster(singleCluster(`    cni:\n      enabled: true\n${extra}`, options));
}

function cniObjects(cluster: ClusterConfig) {
  const all = manifests(cluster);
  const daemonSet = find(all, 'DaemonSet', 'istio-cni-node');
  const pod = daemonSet.spec.template.spec;
  return { all, daemonSet, pod, container: pod.containers[0], config: find(all, 'ConfigMap', 'istio-cni-config').data as Record<string, string> };
}

const objectId = (o: Manifest) => (o.metadata.namespace ? `${o.kind} ${o.metadata.namespace}/${o.metadata.name}` : `${o.kind} ${o.metadata.name}`);

/** The objects a cluster renders only because the agent is on. */
function addedByCni(cluster: ClusterConfig): string[] {
  // The data-plane sync Job is renamed with any change of the CNI mode (test/data-plane-sync.test.ts).
  const ids = (c: ClusterConfig) => manifests({ ...c, dataPlaneSync: { ...c.dataPlaneSync, enabled: false } }).map(objectId);
  const without = new Set(ids({ ...cluster, cni: { ...cluster.cni, enabled: false } }));
  return ids(cluster).filter((id) => !without.has(id)).sort();
}

const hostPaths = (pod: Manifest) => Object.fromEntries(pod.volumes.map((v: any) => [v.name, v.hostPath]));
const mounts = (container: Manifest) => container.volumeMounts.map((m: any) => [m.name, m.mountPath, m.readOnly ?? false]);
const injectorValues = (cluster: ClusterConfig) => JSON.parse(find(manifests(cluster), 'ConfigMap', 'istio-sidecar-injector').data.values);

// Facts of upstream Istio 1.30's `cni` chart with default values, written out independently of
// src/cni so that a change there cannot quietly change what the test expects.
const UPSTREAM_SELECTOR =
  '- podSelector:\n    matchLabels:\n      istio.io/dataplane-mode: ambient\n' +
  '- namespaceSelector:\n    matchLabels:\n      istio.io/dataplane-mode: ambient\n' +
  // Helm's toYaml trims the final newline.
  '  podSelector:\n    matchExpressions:\n    - key: istio.io/dataplane-mode\n      operator: NotIn\n      values:\n      - none';

const UPSTREAM_CONFIG_1_30 = {
  CURRENT_AGENT_VERSION: '1.30.3',
  AMBIENT_ENABLED: 'false',
  AMBIENT_ENABLEMENT_SELECTOR: UPSTREAM_SELECTOR,
  AMBIENT_DNS_CAPTURE: 'true',
  AMBIENT_IPV6: 'true',
  AMBIENT_RECONCILE_POD_RULES_ON_STARTUP: 'true',
  ENABLE_AMBIENT_DETECTION_RETRY: 'false',
  ISTIO_OWNED_CNI_CONFIG: 'false',
  CHAINED_CNI_PLUGIN: 'true',
  EXCLUDE_NAMESPACES: 'kube-system',
  REPAIR_ENABLED: 'true',
  REPAIR_LABEL_PODS: 'false',
  REPAIR_DELETE_PODS: 'false',
  REPAIR_REPAIR_PODS: 'true',
  REPAIR_INIT_CONTAINER_NAME: 'istio-validation',
  REPAIR_BROKEN_POD_LABEL_KEY: 'cni.istio.io/uninitialized',
  REPAIR_BROKEN_POD_LABEL_VALUE: 'true',
  NATIVE_NFTABLES: 'false',
};

const UPSTREAM_ENV = [
  { name: 'REPAIR_NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
  { name: 'REPAIR_RUN_AS_DAEMON', value: 'true' },
  { name: 'REPAIR_SIDECAR_ANNOTATION', value: 'sidecar.istio.io/status' },
  { name: 'ALLOW_SWITCH_TO_HOST_NS', value: 'true' },
  { name: 'NODE_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'spec.nodeName' } } },
  { name: 'GOMEMLIMIT', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1' } } },
  { name: 'GOMAXPROCS', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', divisor: '1' } } },
  { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
  { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
];

const UPSTREAM_CAPABILITIES = ['NET_ADMIN', 'NET_RAW', 'SYS_PTRACE', 'SYS_ADMIN', 'DAC_OVERRIDE'];
const UPSTREAM_TOLERATIONS = [
  { effect: 'NoSchedule', operator: 'Exists' },
  { key: 'CriticalAddonsOnly', operator: 'Exists' },
  { effect: 'NoExecute', operator: 'Exists' },
];

const UPSTREAM_RULES = {
  cni: [{ apiGroups: [''], resources: ['pods', 'nodes', 'namespaces'], verbs: ['get', 'list', 'watch'] }],
  openshift: { apiGroups: ['security.openshift.io'], resources: ['securitycontextconstraints'], resourceNames: ['privileged'], verbs: ['use'] },
  repair: [
    { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
    { apiGroups: [''], resources: ['pods'], verbs: ['watch', 'get', 'list'] },
  ],
  repairDelete: { apiGroups: [''], resources: ['pods'], verbs: ['delete'] },
  repairLabel: { apiGroups: [''], resources: ['pods/status'], verbs: ['patch', 'update'] },
};

describe('Istio CNI off (the default)', () => {
  it('renders no agent and keeps istio-init in injected pods', () => {
    const cluster = loadCluster(singleCluster());
    expect(cluster.cni.enabled).toBe(false);
    // The injection templates name the istio-cni network for Multus, behind a CNI condition.
    const others = manifests(cluster).filter((o) => o.metadata.name !== 'istio-sidecar-injector');
    expect(others.filter((o) => JSON.stringify(o).includes('istio-cni'))).toEqual([]);
    expect(injectorValues(cluster).pilot.cni.enabled).toBe(false);
  });
});

describe('Istio CNI on', () => {
  const cluster = cniCluster();
  const { all, daemonSet, pod, container, config } = cniObjects(cluster);

  it('adds the agent\'s namespace, identity, RBAC, configuration and DaemonSet, nothing else', () => {
    expect(addedByCni(cluster)).toEqual([
      'ClusterRole istio-cni',
      'ClusterRole istio-cni-repair-role',
      'ClusterRoleBinding istio-cni',
      'ClusterRoleBinding istio-cni-repair-rolebinding',
      'ConfigMap istio-cni/istio-cni-config',
      'DaemonSet istio-cni/istio-cni-node',
      'Namespace istio-cni',
      'ServiceAccount istio-cni/istio-cni',
    ]);
  });

  it('tells the injector, so injected pods get istio-validation instead of istio-init', () => {
    expect(injectorValues(cluster).pilot.cni.enabled).toBe(true);
  });

  it('runs the release\'s install-cni image as upstream runs it', () => {
    expect(container).toMatchObject({
      name: 'install-cni',
      image: 'docker.io/istio/install-cni:1.30.3',
      command: ['install-cni'],
      args: ['--log_output_level=info'],
      ports: [{ containerPort: 15014, name: 'metrics', protocol: 'TCP' }],
      readinessProbe: { httpGet: { path: '/readyz', port: 8000 } },
      envFrom: [{ configMapRef: { name: 'istio-cni-config' } }],
      resources: { requests: { cpu: '100m', memory: '100Mi' } },
    });
    expect(container.env).toEqual(UPSTREAM_ENV);
  });

  it('runs on every Linux node, critical, with upstream\'s grace period and one node at a time', () => {
    expect(pod).toMatchObject({
      nodeSelector: { 'kubernetes.io/os': 'linux' },
      priorityClassName: 'system-node-critical',
      serviceAccountName: 'istio-cni',
      terminationGracePeriodSeconds: 30,
      tolerations: UPSTREAM_TOLERATIONS,
    });
    expect(pod.affinity).toBeUndefined();
    expect(daemonSet.spec.updateStrategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } });
    expect(daemonSet.spec.selector).toEqual({ matchLabels: { 'k8s-app': 'istio-cni-node' } });
  });

  it('mounts the CNI directories, its run directory and /proc for repair from the host', () => {
    expect(hostPaths(pod)).toEqual({
      'cni-bin-dir': { path: '/opt/cni/bin' },
      'cni-host-procfs': { path: '/proc', type: 'Directory' },
      'cni-net-dir': { path: '/etc/cni/net.d' },
      'cni-socket-dir': { path: '/var/run/istio-cni' },
      'cni-netns-dir': { path: '/var/run/netns', type: 'DirectoryOrCreate' },
    });
    expect(mounts(container)).toEqual([
      ['cni-bin-dir', '/host/opt/cni/bin', false],
      ['cni-host-procfs', '/host/proc', true],
      ['cni-net-dir', '/host/etc/cni/net.d', false],
      ['cni-socket-dir', '/var/run/istio-cni', false],
    ]);
  });

  it('configures the agent with upstream 1.30\'s settings', () => {
    expect(config).toEqual(UPSTREAM_CONFIG_1_30);
  });

  it('keeps the pods out of the mesh and scraped like upstream\'s', () => {
    const { labels, annotations } = daemonSet.spec.template.metadata;
    expect(labels).toMatchObject({ 'k8s-app': 'istio-cni-node', 'sidecar.istio.io/inject': 'false', 'istio.io/dataplane-mode': 'none', 'app.kubernetes.io/name': 'istio-cni' });
    expect(annotations).toEqual({
      'sidecar.istio.io/inject': 'false',
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': '15014',
      'prometheus.io/path': '/metrics',
    });
  });

  it('labels every object as part of Istio\'s CNI component, managed by meshc', () => {
    for (const o of all.filter((x) => x.metadata.name.startsWith('istio-cni'))) {
      expect(o.metadata.labels, objectId(o)).toMatchObject({
        'app.kubernetes.io/name': 'istio-cni',
        'app.kubernetes.io/part-of': 'istio',
        'app.kubernetes.io/version': '1.30.3',
        'app.kubernetes.io/managed-by': 'meshc',
      });
    }
    expect(daemonSet.metadata.labels).toMatchObject({ 'k8s-app': 'istio-cni-node', 'istio.io/rev': 'default', 'operator.istio.io/component': 'Cni' });
  });
});

describe('per Istio release', () => {
  it.each([
    { istio: '1.28.10', grace: 5, reconcile: 'false', retry: undefined },
    { istio: '1.29.6', grace: 30, reconcile: 'true', retry: 'false' },
    { istio: '1.30.3', grace: 30, reconcile: 'true', retry: 'false' },
  ])('Istio $istio: grace period $grace, the release\'s agent and ambient defaults', ({ istio, grace, reconcile, retry }) => {
    const { pod, container, config } = cniObjects(cniCluster('', { istio, hub: 'mirror.example/istio' }));
    expect(container.image).toBe(`mirror.example/istio/install-cni:${istio}`);
    expect(pod.terminationGracePeriodSeconds).toBe(grace);
    expect(config.CURRENT_AGENT_VERSION).toBe(istio);
    expect(config.AMBIENT_RECONCILE_POD_RULES_ON_STARTUP).toBe(reconcile);
    expect(config.ENABLE_AMBIENT_DETECTION_RETRY).toBe(retry);
  });
});

describe('platform presets', () => {
  // Upstream's platform profiles (manifests/helm-profiles/platform-*.yaml), and the gke profile's quota.
  const presets = [
    { platform: 'default', bin: '/opt/cni/bin', conf: '/etc/cni/net.d', chained: 'true' },
    { platform: 'gke', bin: '/home/kubernetes/bin', conf: '/etc/cni/net.d', chained: 'true', extra: ['ResourceQuota istio-cni/istio-cni-resource-quota'] },
    { platform: 'k3s', bin: '/var/lib/rancher/k3s/data/cni', conf: '/var/lib/rancher/k3s/agent/etc/cni/net.d', chained: 'true' },
    { platform: 'k3d', bin: '/bin', conf: '/var/lib/rancher/k3s/agent/etc/cni/net.d', chained: 'true' },
    {
      platform: 'openshift',
      bin: '/var/lib/cni/bin',
      conf: '/etc/cni/multus/net.d',
      chained: 'false',
      confName: 'istio-cni.conf',
      extra: ['NetworkAttachmentDefinition default/istio-cni'],
    },
    { platform: 'microk8s', bin: '/var/snap/microk8s/current/opt/cni/bin', conf: '/var/snap/microk8s/current/args/cni-network', chained: 'true' },
  ];

  const DEFAULT_OBJECTS = new Set(addedByCni(cniCluster()));

  it.each(presets)('$platform: bin $bin, conf $conf', ({ platform, bin, conf, chained, confName, extra = [] }) => {
    const cluster = cniCluster(`      platform: ${platform}\n`);
    const { pod, config } = cniObjects(cluster);
    expect(hostPaths(pod)['cni-bin-dir']).toEqual({ path: bin });
    expect(hostPaths(pod)['cni-net-dir']).toEqual({ path: conf });
    expect(config.CHAINED_CNI_PLUGIN).toBe(chained);
    expect(config.CNI_CONF_NAME).toBe(confName);
    expect(addedByCni(cluster).filter((id) => !DEFAULT_OBJECTS.has(id))).toEqual(extra);
  });

  it('covers every platform the schema offers', () => {
    expect(CniSchema.props.platform.json.enum).toEqual(presets.map((p) => p.platform));
  });

  it('gke: admits system-node-critical pods in the agent\'s namespace with a quota, as upstream\'s gke profile', () => {
    const quota = find(cniObjects(cniCluster('      platform: gke\n')).all, 'ResourceQuota', 'istio-cni-resource-quota');
    expect(quota.metadata.namespace).toBe('istio-cni');
    expect(quota.spec).toEqual({
      hard: { pods: '5000' },
      scopeSelector: { matchExpressions: [{ operator: 'In', scopeName: 'PriorityClass', values: ['system-node-critical'] }] },
    });
  });

  it('gke: needs no quota in kube-system, nor for another priority class', () => {
    expect(cniObjects(cniCluster('      platform: gke\n      namespace: kube-system\n')).all.some((o) => o.kind === 'ResourceQuota')).toBe(false);
    expect(cniObjects(cniCluster('      platform: gke\n      priorityClassName: mesh-critical\n')).all.some((o) => o.kind === 'ResourceQuota')).toBe(false);
  });

  it('openshift: runs as spc_t, may use the privileged SCC, and offers the Multus network injected pods request', () => {
    const { all, container } = cniObjects(cniCluster('      platform: openshift\n'));
    expect(container.securityContext.seLinuxOptions).toEqual({ type: 'spc_t' });
    expect(find(all, 'ClusterRole', 'istio-cni').rules).toEqual([...UPSTREAM_RULES.cni, UPSTREAM_RULES.openshift]);
    const network = find(all, 'NetworkAttachmentDefinition', 'istio-cni');
    expect(network).toMatchObject({ apiVersion: 'k8s.cni.cncf.io/v1', metadata: { namespace: 'default' } });
    expect(network.spec).toBeUndefined();
  });

  it('other platforms set no SELinux type and grant no SCC', () => {
    const { all, container } = cniObjects(cniCluster('      platform: k3s\n'));
    expect(container.securityContext.seLinuxOptions).toBeUndefined();
    expect(find(all, 'ClusterRole', 'istio-cni').rules).toEqual(UPSTREAM_RULES.cni);
  });

  it('explicit cniBinDir and cniConfDir override the preset; the rest of the preset stays', () => {
    const cluster = cniCluster('      platform: openshift\n      cniBinDir: /opt/multus/bin\n      cniConfDir: /etc/kubernetes/cni/net.d\n');
    const { pod, config } = cniObjects(cluster);
    expect(hostPaths(pod)['cni-bin-dir']).toEqual({ path: '/opt/multus/bin' });
    expect(hostPaths(pod)['cni-net-dir']).toEqual({ path: '/etc/kubernetes/cni/net.d' });
    expect(config).toMatchObject({ CHAINED_CNI_PLUGIN: 'false', CNI_CONF_NAME: 'istio-cni.conf' });
  });

  it('takes platform and paths from defaults, per cluster overridable', () => {
    const { fleet } = loadFleetText(
      'fleet.yaml',
      `${HEADER}defaults:\n  kubernetesVersion: "1.33"\n  istio: { version: "1.30.3" }\n  cni: { enabled: true, platform: k3s }\n` +
        'clusters:\n  - name: a\n  - name: b\n    cni: { cniBinDir: /opt/k3s/cni }\n  - name: c\n    cni: { enabled: false }\n',
    );
    const [a, b, c] = fleet.clusters;
    expect([a.cni.cniBinDir, a.cni.cniConfDir]).toEqual(['/var/lib/rancher/k3s/data/cni', '/var/lib/rancher/k3s/agent/etc/cni/net.d']);
    expect([b.cni.cniBinDir, b.cni.cniConfDir]).toEqual(['/opt/k3s/cni', '/var/lib/rancher/k3s/agent/etc/cni/net.d']);
    expect(manifests(c).some((o) => o.kind === 'DaemonSet')).toBe(false);
  });
});

describe('RBAC, against upstream\'s chart', () => {
  const rbac = (cluster: ClusterConfig) => {
    const all = manifests(cluster);
    const get = (kind: string, name: string) => all.find((o) => o.kind === kind && o.metadata.name === name);
    return { cni: get('ClusterRole', 'istio-cni'), repair: get('ClusterRole', 'istio-cni-repair-role'), repairBinding: get('ClusterRoleBinding', 'istio-cni-repair-rolebinding'), all };
  };
  const subject = (namespace: string) => [{ kind: 'ServiceAccount', name: 'istio-cni', namespace }];

  it('reads pods, nodes and namespaces; repairs in place with no more than watching pods and recording events', () => {
    const { cni, repair, repairBinding, all } = rbac(cniCluster());
    expect(cni!.rules).toEqual(UPSTREAM_RULES.cni);
    expect(repair!.rules).toEqual(UPSTREAM_RULES.repair);
    expect(find(all, 'ClusterRoleBinding', 'istio-cni')).toMatchObject({
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'istio-cni' },
      subjects: subject('istio-cni'),
    });
    expect(repairBinding).toMatchObject({ roleRef: { kind: 'ClusterRole', name: 'istio-cni-repair-role' }, subjects: subject('istio-cni') });
  });

  it.each([
    { mode: 'delete', rule: UPSTREAM_RULES.repairDelete, flags: { REPAIR_DELETE_PODS: 'true', REPAIR_LABEL_PODS: 'false', REPAIR_REPAIR_PODS: 'false' } },
    { mode: 'label', rule: UPSTREAM_RULES.repairLabel, flags: { REPAIR_DELETE_PODS: 'false', REPAIR_LABEL_PODS: 'true', REPAIR_REPAIR_PODS: 'false' } },
  ])('repair mode $mode adds exactly its verb, and the agent no longer mounts /proc', ({ mode, rule, flags }) => {
    const cluster = cniCluster(`      repair: { mode: ${mode} }\n`);
    expect(rbac(cluster).repair!.rules).toEqual([...UPSTREAM_RULES.repair, rule]);
    const { pod, container, config } = cniObjects(cluster);
    expect(config).toMatchObject({ REPAIR_ENABLED: 'true', ...flags });
    expect(hostPaths(pod)['cni-host-procfs']).toBeUndefined();
    expect(container.volumeMounts.map((m: any) => m.name)).not.toContain('cni-host-procfs');
  });

  it('without repair there is no repair role, binding or /proc mount', () => {
    const cluster = cniCluster('      repair: { enabled: false }\n');
    const { repair, repairBinding } = rbac(cluster);
    expect([repair, repairBinding]).toEqual([undefined, undefined]);
    const { pod, config } = cniObjects(cluster);
    expect(config.REPAIR_ENABLED).toBe('false');
    expect(hostPaths(pod)['cni-host-procfs']).toBeUndefined();
  });

  it('binds to the service account in whatever namespace the agent runs', () => {
    const { all } = rbac(cniCluster('      namespace: kube-system\n'));
    for (const binding of all.filter((o) => o.kind === 'ClusterRoleBinding' && o.metadata.name.startsWith('istio-cni'))) {
      expect(binding.subjects).toEqual(subject('kube-system'));
    }
  });
});

describe('fine-tuning', () => {
  it('passes resources field by field over the defaults', () => {
    const { container } = cniObjects(cniCluster('      resources: { requests: { cpu: 50m }, limits: { memory: 256Mi } }\n'));
    expect(container.resources).toEqual({ requests: { cpu: '50m', memory: '100Mi' }, limits: { memory: '256Mi' } });
  });

  it.each([
    ['"3"', 3],
    ['10%', '10%'],
  ])('rolls out with maxUnavailable %s', (value, rendered) => {
    const { daemonSet } = cniObjects(cniCluster(`      rollout: { maxUnavailable: ${value} }\n`));
    expect(daemonSet.spec.updateStrategy.rollingUpdate).toEqual({ maxUnavailable: rendered });
  });

  it('schedules with the given affinity, node labels and priority class', () => {
    const affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'mesh', operator: 'NotIn', values: ['off'] }] }] } } };
    const { pod } = cniObjects(
      cniCluster(`      affinity: ${JSON.stringify(affinity)}\n      nodeSelector: { pool: general }\n      priorityClassName: mesh-node-critical\n`),
    );
    expect(pod.affinity).toEqual(affinity);
    expect(pod.nodeSelector).toEqual({ 'kubernetes.io/os': 'linux', pool: 'general' });
    expect(pod.priorityClassName).toBe('mesh-node-critical');
  });

  it('replaces the default tolerations with the given list', () => {
    const { pod } = cniObjects(cniCluster('      tolerations: [{ key: dedicated, operator: Equal, value: mesh, effect: NoSchedule }]\n'));
    expect(pod.tolerations).toEqual([{ key: 'dedicated', operator: 'Equal', value: 'mesh', effect: 'NoSchedule' }]);
  });

  it('adds pod labels and annotations, never replacing the ones meshc relies on', () => {
    const { daemonSet } = cniObjects(
      cniCluster('      podLabels: { team: mesh, k8s-app: other }\n      podAnnotations: { example.com/owner: mesh, sidecar.istio.io/inject: "true" }\n'),
    );
    const { labels, annotations } = daemonSet.spec.template.metadata;
    expect(labels).toMatchObject({ team: 'mesh', 'k8s-app': 'istio-cni-node' });
    expect(annotations).toMatchObject({ 'example.com/owner': 'mesh', 'sidecar.istio.io/inject': 'false' });
  });

  it('logs at the given level, as JSON when asked', () => {
    const { container } = cniObjects(cniCluster('      logLevel: default:info,cni:debug\n      logAsJson: true\n'));
    expect(container.args).toEqual(['--log_output_level=default:info,cni:debug', '--log_as_json']);
  });

  it('leaves the given namespaces alone', () => {
    const { config } = cniObjects(cniCluster('      excludeNamespaces: [kube-system, batch]\n'));
    expect(config.EXCLUDE_NAMESPACES).toBe('kube-system,batch');
  });

  it('runs in kube-system without rendering that namespace', () => {
    const cluster = cniCluster('      namespace: kube-system\n');
    expect(addedByCni(cluster)).toEqual([
      'ClusterRole istio-cni',
      'ClusterRole istio-cni-repair-role',
      'ClusterRoleBinding istio-cni',
      'ClusterRoleBinding istio-cni-repair-rolebinding',
      'ConfigMap kube-system/istio-cni-config',
      'DaemonSet kube-system/istio-cni-node',
      'ServiceAccount kube-system/istio-cni',
    ]);
  });

  it('refuses to run in the restricted control-plane namespace', () => {
    const failures: [(string | number)[], string][] = [];
    const ctx = { fail: (path: (string | number)[], message: string) => failures.push([path, message]), warn: () => {}, at: () => [] };
    resolveCni({ enabled: true, namespace: 'mesh-system' }, ctx, { controlPlaneNamespace: 'mesh-system' });
    const message =
      'cni.namespace "mesh-system" is the control-plane namespace, which enforces the restricted Pod Security Standard the CNI agent cannot meet; use a namespace of its own (default istio-cni)';
    expect(failures).toEqual([[['cni', 'namespace'], message]]);
    // Rendering settings that skipped that check fails rather than loosening the control plane.
    const base = cniCluster();
    const cluster = { ...base, cni: { ...base.cni, namespace: 'istio-system' } };
    expect(() => manifests(cluster)).toThrow(`cluster "one": ${message.replace(/mesh-system/g, 'istio-system')}`);
  });
});

// One cluster per preset and variant, as one fleet, so kustomize and the checks below see them all.
const VARIANTS: Record<string, string> = {
  plain: '{ enabled: true }',
  gke: '{ enabled: true, platform: gke }',
  k3s: '{ enabled: true, platform: k3s }',
  k3d: '{ enabled: true, platform: k3d }',
  openshift: '{ enabled: true, platform: openshift }',
  microk8s: '{ enabled: true, platform: microk8s }',
  'kube-system': '{ enabled: true, platform: gke, namespace: kube-system }',
  'delete-broken': '{ enabled: true, repair: { mode: delete } }',
  'no-repair': '{ enabled: true, repair: { enabled: false } }',
  'no-cni': '{ enabled: false }',
};
const VARIANT_FLEET =
  `${HEADER}defaults:\n  kubernetesVersion: "1.33"\n  istio: { version: "1.30.3" }\nclusters:\n` +
  Object.entries(VARIANTS)
    .map(([name, cni]) => `  - name: ${name}\n    cni: ${cni}\n`)
    .join('');
const variants = loadFleetText('fleet.yaml', VARIANT_FLEET).fleet.clusters;

describe('kustomize', () => {
  const out = mkdtempSync(join(tmpdir(), 'meshc-cni-kustomize-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));
  writeTree(join(out, 'dist'), renderFleet({ clusters: variants }));

  it.each(variants.map((c) => [c.name, c] as const))('kubectl kustomize builds %s with every object', (name, cluster) => {
    const built = execFileSync('kubectl', ['kustomize', join(out, 'dist', name)], { encoding: 'utf8' });
    const docs = built.split(/^---$/m).map((d) => parse(d) as Manifest);
    expect(docs.map(objectId).sort()).toEqual(manifests(cluster).map(objectId).sort());
  });
});

describe('pod security', () => {
  const AGENT = 'DaemonSet/istio-cni/istio-cni-node';

  it.each(variants.map((c) => [c.name, c] as const))('%s: every pod but the CNI agent runs restricted', (_, cluster) => {
    const specs = podSpecs(manifests(cluster)).filter(({ owner }) => !owner.endsWith('/istio-cni-node'));
    expect(specs.length).toBeGreaterThan(0);
    for (const { owner, spec } of specs) {
      expectRestrictedPod(owner, spec, expect);
    }
  });

  it('the agent is the documented exception, alone in a namespace that admits privileged pods', () => {
    const all = manifests(cniCluster());
    expect(find(all, 'Namespace', 'istio-cni').metadata.labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'privileged',
      'pod-security.kubernetes.io/enforce-version': 'latest',
    });
    expect(find(all, 'Namespace', 'istio-system').metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    expect(podSpecs(all.filter((o) => o.metadata.namespace === 'istio-cni')).map((s) => s.owner)).toEqual([AGENT]);
  });

  it('the agent has exactly upstream\'s privileges: root with five capabilities, not privileged, no host namespaces', () => {
    const { pod, container } = cniObjects(cniCluster());
    expect(pod.securityContext).toBeUndefined();
    for (const field of ['hostNetwork', 'hostPID', 'hostIPC']) expect(pod[field], field).toBeUndefined();
    expect(container.securityContext).toEqual({
      privileged: false,
      runAsGroup: 0,
      runAsUser: 0,
      runAsNonRoot: false,
      capabilities: { drop: ['ALL'], add: UPSTREAM_CAPABILITIES },
      appArmorProfile: { type: 'Unconfined' },
    });
    expect(pod.volumes.filter((v: any) => !v.hostPath)).toEqual([]);
    expect(pod.volumes.map((v: any) => v.hostPath.path).sort()).toEqual(['/etc/cni/net.d', '/opt/cni/bin', '/proc', '/var/run/istio-cni', '/var/run/netns']);
    // /proc is the only host path that is not the agent's to write.
    expect(container.volumeMounts.filter((m: any) => m.readOnly).map((m: any) => m.mountPath)).toEqual(['/host/proc']);
    expect(daemonSetAnnotations(cniCluster())).not.toHaveProperty(['container.apparmor.security.beta.kubernetes.io/install-cni']);
  });
});

function daemonSetAnnotations(cluster: ClusterConfig): Record<string, string> {
  return cniObjects(cluster).daemonSet.spec.template.metadata.annotations;
}

describe('objects are consistent Kubernetes objects', () => {
  const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;
  const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

  it.each(variants.filter((c) => c.cni.enabled).map((c) => [c.name, c] as const))('%s', (_, cluster) => {
    const all = manifests(cluster);
    const cni = all.filter((o) => JSON.stringify(o.metadata).includes('istio-cni'));
    const has = (kind: string, name: string, namespace?: string) =>
      all.some((o) => o.kind === kind && o.metadata.name === name && o.metadata.namespace === namespace);
    const namespaces = new Set(all.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name));
    for (const o of cni) {
      const id = objectId(o);
      expect(o.metadata.name, id).toMatch(DNS_SUBDOMAIN);
      for (const value of Object.values<string>(o.metadata.labels ?? {})) expect(value, `${id} label`).toMatch(LABEL_VALUE);
      // The agent's namespace is rendered, or is one every cluster has.
      if (o.metadata.namespace) expect(namespaces.has(o.metadata.namespace) || ['kube-system', 'default'].includes(o.metadata.namespace), id).toBe(true);
      if (o.kind === 'ClusterRoleBinding') {
        expect(has('ClusterRole', o.roleRef.name), `${id} role`).toBe(true);
        for (const s of o.subjects) expect(has('ServiceAccount', s.name, s.namespace), `${id} subject`).toBe(true);
      }
    }
    const ds = find(all, 'DaemonSet', 'istio-cni-node');
    const ns = ds.metadata.namespace;
    const pod = ds.spec.template;
    expect(pod.metadata.labels).toMatchObject(ds.spec.selector.matchLabels);
    expect(has('ServiceAccount', pod.spec.serviceAccountName, ns)).toBe(true);
    for (const from of pod.spec.containers[0].envFrom) expect(has('ConfigMap', from.configMapRef.name, ns)).toBe(true);
    const volumes = pod.spec.volumes.map((v: any) => v.name);
    expect(new Set(volumes).size).toBe(volumes.length);
    for (const m of pod.spec.containers[0].volumeMounts) expect(volumes, m.name).toContain(m.name);
    for (const v of pod.spec.volumes) expect(v.hostPath.path, v.name).toMatch(/^\//);
  });
});

describe('docs/cni.md', () => {
  const doc = readText(join(REPO, 'docs', 'cni.md'));

  it.each(CNI_PLATFORMS.map((p) => [p, CNI_PLATFORM_PRESETS[p]] as const))('lists the %s preset\'s paths', (platform, preset) => {
    expect(doc).toContain(`| \`${platform}\` | \`${preset.cniBinDir}\` | \`${preset.cniConfDir}\` |`);
  });

  it('has an example fleet that renders what it says', () => {
    const example = /```yaml\n([\s\S]*?)```/.exec(doc)![1];
    const [gke, edge] = loadFleetText('cni.md', example).fleet.clusters;
    expect(hostPaths(cniObjects(gke).pod)['cni-bin-dir']).toEqual({ path: '/home/kubernetes/bin' });
    const { pod, daemonSet, container } = cniObjects(edge);
    expect(hostPaths(pod)['cni-bin-dir']).toEqual({ path: '/opt/k3s/cni' });
    expect(hostPaths(pod)['cni-net-dir']).toEqual({ path: '/var/lib/rancher/k3s/agent/etc/cni/net.d' });
    expect(daemonSet.spec.updateStrategy.rollingUpdate).toEqual({ maxUnavailable: '10%' });
    expect(container.resources.limits).toEqual({ memory: '256Mi' });
  });

  it('describes every setting', () => {
    const fields = Object.entries(CniSchema.props).flatMap(([key, schema]) =>
      key !== 'resources' && 'props' in schema ? Object.keys(schema.props as object).map((sub) => `${key}.${sub}`) : [key],
    );
    const firstCells = doc.split('\n').filter((l) => l.startsWith('| `')).map((l) => l.split(' | ')[0]);
    expect(fields.filter((f) => !firstCells.some((cell) => cell.includes(`\`${f}\``)))).toEqual([]);
  });
});
