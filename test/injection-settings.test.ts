/**
 * Fleet sidecar settings and per-pod annotations change what is injected, as upstream istiod's
 * own injection webhook injects with the cluster's rendered ConfigMaps.
 */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { injectorConfig } from '../src/control-plane/sidecar-injector-config';
import { injectFor, podOf } from './support/injection-case';
import { loadCluster, singleCluster } from './support/fleet';

function workload(annotations: Record<string, string> = {}, labels: Record<string, string> = { app: 'shop' }): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'shop', namespace: 'store' },
    spec: {
      selector: { matchLabels: labels },
      template: {
        metadata: { labels, annotations },
        spec: { containers: [{ name: 'shop', image: 'shop:1', ports: [{ name: 'http', containerPort: 8080 }] }] },
      },
    },
  };
}

const cluster = (sidecar = '', extra = '') => loadCluster(singleCluster(`${extra}${sidecar ? `    sidecar:\n${sidecar}` : ''}`));
const pod = (c = cluster(), annotations: Record<string, string> = {}, labels?: Record<string, string>) =>
  podOf(injectFor(c, workload(annotations, labels)));
const container = (p: Record<string, any>, name: string) =>
  [...(p.spec.initContainers ?? []), ...p.spec.containers].find((c: any) => c.name === name);
const env = (p: Record<string, any>) => Object.fromEntries(container(p, 'istio-proxy').env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
const initArgs = (p: Record<string, any>) => container(p, 'istio-init').args as string[];
const argAfter = (args: string[], flag: string) => args[args.indexOf(flag) + 1];

describe('fleet defaults', () => {
  const p = pod();

  it('injects a native sidecar, bounded and restricted, with the release\'s proxy image', () => {
    const proxy = container(p, 'istio-proxy');
    expect(p.spec.initContainers.map((c: any) => c.name)).toEqual(['istio-init', 'istio-proxy']);
    expect(proxy.restartPolicy).toBe('Always');
    expect(proxy.image).toBe('docker.io/istio/proxyv2:1.30.3');
    expect(proxy.resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '2', memory: '1Gi' } });
    expect(proxy.securityContext).toMatchObject({ runAsNonRoot: true, allowPrivilegeEscalation: false, seccompProfile: { type: 'RuntimeDefault' } });
    expect(container(p, 'istio-init').securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
  });

  it('tells the proxy about its workload, cluster and mesh', () => {
    expect(env(p)).toMatchObject({
      ISTIO_META_CLUSTER_ID: 'one',
      ISTIO_META_WORKLOAD_NAME: 'shop',
      ISTIO_META_OWNER: 'kubernetes://apis/apps/v1/namespaces/store/deployments/shop',
      ISTIO_META_APP_CONTAINERS: 'shop',
      ISTIO_META_POD_PORTS: '[\n    {"name":"http","containerPort":8080}\n]',
      TRUST_DOMAIN: 'cluster.local',
      ISTIO_META_MESH_ID: 'cluster.local',
      CA_ADDR: 'istiod.istio-system.svc:15012',
    });
    expect(p.metadata.labels).toMatchObject({ 'service.istio.io/canonical-name': 'shop', 'security.istio.io/tlsMode': 'istio' });
  });

  it('ignores pod annotations it does not know, as upstream does', () => {
    const withUnknown = pod(cluster(), { 'sidecar.istio.io/notAThing': 'x', 'example.com/team': 'shop' });
    const { annotations: a, ...restA } = withUnknown.metadata;
    const { annotations: b, ...restB } = p.metadata;
    expect(restA).toEqual(restB);
    expect(withUnknown.spec).toEqual(p.spec);
    expect(a).toMatchObject({ 'sidecar.istio.io/notAThing': 'x', 'example.com/team': 'shop' });
  });
});

describe('fleet sidecar settings', () => {
  it('runs a classic sidecar that holds the application until the proxy is ready', () => {
    const p = pod(cluster('      nativeSidecars: false\n      holdApplicationUntilProxyStarts: true\n'));
    expect(p.spec.initContainers.map((c: any) => c.name)).toEqual(['istio-init']);
    const proxy = container(p, 'istio-proxy');
    // istiod puts the proxy first (reorderPod), reading the mesh config's holdApplicationUntilProxyStarts.
    expect(p.spec.containers.map((c: any) => c.name)).toEqual(['istio-proxy', 'shop']);
    expect(proxy.restartPolicy).toBeUndefined();
    expect(proxy.lifecycle).toEqual({ postStart: { exec: { command: ['pilot-agent', 'wait'] } } });
    expect(JSON.parse(env(p).PROXY_CONFIG)).toEqual({ holdApplicationUntilProxyStarts: true });
  });

  it('applies traffic capture settings, resources, pull policy and secrets', () => {
    const p = pod(
      cluster(
        '      excludeOutboundIPRanges: 169.254.169.254/32\n      excludeInboundPorts: "9090"\n      excludeOutboundPorts: "5432"\n' +
          '      includeInboundPorts: "8080"\n      resources: { limits: { memory: 512Mi } }\n' +
          '      imagePullPolicy: Always\n      imagePullSecrets: [mirror-pull]\n      logLevel: debug\n      seccompProfile: unset\n',
      ),
    );
    const args = initArgs(p);
    expect(argAfter(args, '-x')).toBe('169.254.169.254/32');
    expect(argAfter(args, '-b')).toBe('8080');
    expect(argAfter(args, '-d')).toBe('15090,15021,9090,15020');
    expect(argAfter(args, '-o')).toBe('5432');
    const proxy = container(p, 'istio-proxy');
    expect(proxy.resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '2', memory: '512Mi' } });
    expect(proxy.imagePullPolicy).toBe('Always');
    expect(proxy.args).toContain('--proxyLogLevel=debug');
    expect(proxy.securityContext.seccompProfile).toBeUndefined();
    expect(p.spec.imagePullSecrets).toEqual([{ name: 'mirror-pull' }]);
  });

  it('carries cluster id, network, mesh id, trust domain and CA address', () => {
    const c = cluster('', '    clusterId: eu-1\n    network: net-eu\n    meshId: corp\n    trustDomain: corp.example\n    controlPlane: { caAddress: "istio-csr.cert-manager.svc:443" }\n');
    const p = pod(c);
    expect(env(p)).toMatchObject({
      ISTIO_META_CLUSTER_ID: 'eu-1',
      ISTIO_META_NETWORK: 'net-eu',
      ISTIO_META_MESH_ID: 'corp',
      TRUST_DOMAIN: 'corp.example',
      CA_ADDR: 'istio-csr.cert-manager.svc:443',
    });
    expect(p.metadata.labels['topology.istio.io/network']).toBe('net-eu');
  });

  it('captures inbound traffic with TPROXY when asked', () => {
    const p = pod(cluster('      interceptionMode: TPROXY\n'));
    expect(argAfter(initArgs(p), '-m')).toBe('TPROXY');
    expect(env(p).ISTIO_META_INTERCEPTION_MODE).toBe('TPROXY');
    expect(container(p, 'istio-proxy').securityContext.capabilities.add).toEqual(['NET_ADMIN']);
  });

  it('writes the injector policy and selectors', () => {
    const c = cluster('      injection: disabled\n      neverInjectSelector:\n        - matchLabels: { batch: "true" }\n');
    const config = injectorConfig(c.sidecar);
    expect(config).toMatchObject({ policy: 'disabled', neverInjectSelector: [{ matchLabels: { batch: 'true' } }], alwaysInjectSelector: [] });
    expect(parse(JSON.stringify(config)).templates).toHaveProperty('gateway');
  });

  it('does not inject pods matching neverInjectSelector, nor pods that did not opt in under policy disabled', () => {
    const never = cluster('      neverInjectSelector:\n        - matchLabels: { batch: "true" }\n');
    expect(container(pod(never, {}, { app: 'shop', batch: 'true' }), 'istio-proxy')).toBeUndefined();
    expect(container(pod(never), 'istio-proxy')).toBeDefined();
    const optIn = cluster('      injection: disabled\n');
    expect(container(pod(optIn), 'istio-proxy')).toBeUndefined();
    expect(container(pod(optIn, {}, { app: 'shop', 'sidecar.istio.io/inject': 'true' }), 'istio-proxy')).toBeDefined();
  });
});

describe('pod annotations', () => {
  it('sets proxy resources from the four resource annotations, replacing the defaults', () => {
    const p = pod(cluster(), { 'sidecar.istio.io/proxyMemory': '300Mi', 'sidecar.istio.io/proxyMemoryLimit': '600Mi' });
    expect(container(p, 'istio-proxy').resources).toEqual({ requests: { memory: '300Mi' }, limits: { memory: '600Mi' } });
  });

  it('skips traffic capture for interception mode NONE', () => {
    const p = pod(cluster(), { 'sidecar.istio.io/interceptionMode': 'NONE' });
    expect(container(p, 'istio-init')).toBeUndefined();
    expect(env(p).ISTIO_META_INTERCEPTION_MODE).toBe('NONE');
  });

  it('reads log levels, status port, readiness settings and kubevirt interfaces', () => {
    const p = pod(cluster(), {
      'sidecar.istio.io/logLevel': 'info',
      'sidecar.istio.io/componentLogLevel': 'rbac:debug',
      'status.sidecar.istio.io/port': '15030',
      'readiness.status.sidecar.istio.io/initialDelaySeconds': '5',
      'readiness.status.sidecar.istio.io/periodSeconds': '7',
      'readiness.status.sidecar.istio.io/failureThreshold': '9',
      'traffic.sidecar.istio.io/kubevirtInterfaces': 'net1',
      'traffic.sidecar.istio.io/includeOutboundIPRanges': '10.0.0.0/8',
    });
    const proxy = container(p, 'istio-proxy');
    expect(proxy.args).toEqual(expect.arrayContaining(['--proxyLogLevel=info', '--proxyComponentLogLevel=rbac:debug']));
    expect(proxy.readinessProbe).toMatchObject({ initialDelaySeconds: 5, periodSeconds: 7, failureThreshold: 9 });
    const args = initArgs(p);
    expect(argAfter(args, '-d')).toBe('15090,15021,15030');
    expect(argAfter(args, '-k')).toBe('net1');
    expect(argAfter(args, '-i')).toBe('10.0.0.0/8');
  });

  it('keeps a default container the pod already names', () => {
    const p = pod(cluster(), { 'kubectl.kubernetes.io/default-container': 'other' });
    expect(p.metadata.annotations['kubectl.kubernetes.io/default-container']).toBe('other');
    expect(p.metadata.annotations['kubectl.kubernetes.io/default-logs-container']).toBe('shop');
  });

  it('asks Multus for the istio-cni network on OpenShift, keeping the pod\'s own networks', () => {
    const openshift = cluster('', '    cni: { enabled: true, platform: openshift }\n');
    expect(pod(openshift).metadata.annotations['k8s.v1.cni.cncf.io/networks']).toBe('default/istio-cni');
    expect(pod(openshift, { 'k8s.v1.cni.cncf.io/networks': 'macvlan-conf' }).metadata.annotations['k8s.v1.cni.cncf.io/networks']).toBe(
      'macvlan-conf, default/istio-cni',
    );
    expect(pod(cluster('', '    cni: { enabled: true }\n')).metadata.annotations['k8s.v1.cni.cncf.io/networks']).toBeUndefined();
  });

  it('takes a proxy image from the annotation', () => {
    const p = pod(cluster(), { 'sidecar.istio.io/proxyImage': 'mirror.example/proxyv2:1.30.3' });
    expect(container(p, 'istio-proxy').image).toBe('mirror.example/proxyv2:1.30.3');
  });
});

describe('application probes', () => {
  const probed = (annotations: Record<string, string> = {}) => {
    const w = workload(annotations) as any;
    w.spec.template.spec.containers[0].readinessProbe = { httpGet: { path: '/ready', port: 8080 } };
    return w;
  };
  const inject = (c: ReturnType<typeof cluster>, annotations: Record<string, string> = {}) => podOf(injectFor(c, probed(annotations)));
  const appProbe = (p: Record<string, any>) => container(p, 'shop').readinessProbe.httpGet;

  it('go through the proxy\'s status port by default, the original kept for the agent', () => {
    const p = inject(cluster());
    expect(appProbe(p)).toEqual({ path: '/app-health/shop/readyz', port: 15020 });
    expect(JSON.parse(env(p).ISTIO_KUBE_APP_PROBERS)).toEqual({ '/app-health/shop/readyz': { httpGet: { path: '/ready', port: 8080 } } });
  });

  it('stay as written with sidecar.rewriteAppProbes: false', () => {
    const p = inject(cluster('      rewriteAppProbes: false\n'));
    expect(appProbe(p)).toEqual({ path: '/ready', port: 8080 });
    expect(env(p).ISTIO_KUBE_APP_PROBERS).toBeUndefined();
  });

  it('follow the pod\'s annotation over the fleet setting, both ways', () => {
    expect(appProbe(inject(cluster(), { 'sidecar.istio.io/rewriteAppHTTPProbers': 'false' }))).toEqual({ path: '/ready', port: 8080 });
    expect(appProbe(inject(cluster('      rewriteAppProbes: false\n'), { 'sidecar.istio.io/rewriteAppHTTPProbers': 'true' })).port).toBe(15020);
  });
});

describe('holding the application until the proxy is ready', () => {
  const classic = cluster('      nativeSidecars: false\n      holdApplicationUntilProxyStarts: true\n');

  it('is the fleet\'s default for every pod, carried in the proxy configuration', () => {
    const p = pod(classic);
    expect(p.spec.containers[0].name).toBe('istio-proxy');
    expect(JSON.parse(env(p).PROXY_CONFIG).holdApplicationUntilProxyStarts).toBe(true);
  });

  it('can be turned off by a pod, which upstream\'s values-level setting does not allow', () => {
    const p = pod(classic, { 'proxy.istio.io/config': '{ "holdApplicationUntilProxyStarts": false }' });
    expect(p.spec.containers.map((c: any) => c.name)).toEqual(['shop', 'istio-proxy']);
    expect(container(p, 'istio-proxy').lifecycle).toBeUndefined();
    expect(JSON.parse(env(p).PROXY_CONFIG).holdApplicationUntilProxyStarts).toBe(false);
  });
});
