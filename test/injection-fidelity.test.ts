/**
 * What istiod's injection honours, class by class, with cases of meshc's own run through
 * upstream's injection webhook on the rendered injector (upstream's own cases are in
 * injection-upstream-cases): label values, TPROXY, native sidecars per pod, the per-pod
 * annotations, mesh settings, the gRPC and user templates, proxy settings and OpenShift.
 */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { injectFor, podOf } from './support/injection-case';
import { loadCluster, rejectionOf, singleCluster } from './support/fleet';
import { find, manifests, type Manifest } from './support/objects';

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function deployment(name: string, template: { annotations?: Record<string, string>; labels?: Record<string, string> } = {}, spec: Record<string, unknown> = {}): Manifest {
  const labels = template.labels ?? { app: name.slice(0, 40) };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'store' },
    spec: {
      selector: { matchLabels: labels },
      template: {
        metadata: { labels, annotations: template.annotations ?? {} },
        spec: { containers: [{ name: 'app', image: 'app:1', ports: [{ name: 'http', containerPort: 8080 }] }], ...spec },
      },
    },
  };
}

const cluster = (extra = '') => loadCluster(singleCluster(extra));
const inject = (c: ReturnType<typeof cluster>, w: Manifest, options: Parameters<typeof injectFor>[2] = {}) => podOf(injectFor(c, w, options));
const containers = (p: Manifest): Manifest[] => [...(p.spec.initContainers ?? []), ...p.spec.containers];
const container = (p: Manifest, name: string) => containers(p).find((c) => c.name === name);
const env = (c: Manifest) => Object.fromEntries((c.env ?? []).map((e: Manifest) => [e.name, e.value ?? e.valueFrom]));
const argAfter = (args: string[], flag: string) => args[args.indexOf(flag) + 1];

const plain = cluster();

describe('label values the template derives', () => {
  it('truncates a long canonical name to 63 characters without a trailing dash, so the pod is valid', () => {
    // 62 characters and a dash at the 63rd: truncation must not leave the dash.
    const name = `${'a'.repeat(62)}-${'b'.repeat(10)}`;
    const p = inject(plain, deployment(name, { labels: { tier: 'web' } }));
    expect(p.metadata.labels['service.istio.io/canonical-name']).toBe('a'.repeat(62));
    for (const [key, value] of Object.entries(p.metadata.labels as Record<string, string>)) {
      expect(value.length, key).toBeLessThanOrEqual(63);
      expect(value, key).toMatch(LABEL_VALUE);
    }
  });

  it('keeps a custom controller\'s own name, truncated the same way', () => {
    const owner = `${'c'.repeat(70)}`;
    const pod: Manifest = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        // A controller's pod: istiod names the workload after the owner only for generated pods.
        generateName: 'worker-',
        name: 'worker-1',
        namespace: 'store',
        labels: {},
        ownerReferences: [{ apiVersion: 'example.com/v1', kind: 'Crawler', name: owner, uid: '00000000-0000-0000-0000-000000000002', controller: true }],
      },
      spec: { containers: [{ name: 'app', image: 'app:1' }] },
    };
    const p = inject(plain, pod);
    expect(p.metadata.labels['service.istio.io/canonical-name']).toBe('c'.repeat(63));
    expect(env(container(p, 'istio-proxy')!).ISTIO_META_WORKLOAD_NAME).toBe(owner);
  });
});

describe('TPROXY interception', () => {
  const check = (p: Manifest) => {
    const proxy = container(p, 'istio-proxy')!;
    expect(proxy.securityContext).toMatchObject({ runAsUser: 0, runAsNonRoot: false, runAsGroup: 1337, capabilities: { add: ['NET_ADMIN'], drop: ['ALL'] } });
    // Root's traffic is told apart by the proxy's group; istio-init excludes UID 1337 as always.
    expect(argAfter(container(p, 'istio-init')!.args, '-u')).toBe('1337');
    expect(argAfter(container(p, 'istio-init')!.args, '-m')).toBe('TPROXY');
  };
  it('runs the proxy as root with NET_ADMIN when the fleet asks for it', () => {
    check(inject(cluster('    sidecar:\n      interceptionMode: TPROXY\n'), deployment('shop')));
  });
  it('and when one pod asks for it', () => {
    check(inject(plain, deployment('shop', { annotations: { 'sidecar.istio.io/interceptionMode': 'TPROXY' } })));
    expect(container(inject(plain, deployment('shop')), 'istio-proxy')!.securityContext).toMatchObject({ runAsUser: 1337, runAsNonRoot: true });
  });
});

describe('native sidecars per pod', () => {
  const isNative = (p: Manifest) => container(p, 'istio-proxy')!.restartPolicy === 'Always' && !p.spec.containers.some((c: Manifest) => c.name === 'istio-proxy');
  it('a pod opts out of the mesh default', () => {
    expect(isNative(inject(plain, deployment('shop')))).toBe(true);
    const classic = inject(plain, deployment('shop', { annotations: { 'sidecar.istio.io/nativeSidecar': 'false' } }));
    expect(classic.spec.containers.map((c: Manifest) => c.name)).toEqual(['app', 'istio-proxy']);
    expect(container(classic, 'istio-proxy')!.lifecycle).toBeUndefined();
  });
  it('a pod opts in where the fleet turns native sidecars off', () => {
    const off = cluster('    sidecar:\n      nativeSidecars: false\n');
    expect(isNative(inject(off, deployment('shop')))).toBe(false);
    const native = inject(off, deployment('shop', { annotations: { 'sidecar.istio.io/nativeSidecar': 'true' } }));
    expect(isNative(native)).toBe(true);
    expect(container(native, 'istio-proxy')!.lifecycle.preStop.exec.command).toEqual(['pilot-agent', 'request', '--debug-port=15020', 'POST', 'drain']);
  });
});

describe('pod annotations', () => {
  it('status port 0 removes the proxy\'s probes and leaves a clean -d list', () => {
    const p = inject(plain, deployment('shop', { annotations: { 'status.sidecar.istio.io/port': '0' } }));
    const proxy = container(p, 'istio-proxy')!;
    expect(proxy.readinessProbe).toBeUndefined();
    expect(proxy.startupProbe).toBeUndefined();
    expect(argAfter(container(p, 'istio-init')!.args, '-d')).toBe('15090,15021');
  });

  it('another status port moves the drain request, the probes\' exclusion and the -d list', () => {
    const p = inject(plain, deployment('shop', { annotations: { 'status.sidecar.istio.io/port': '15999' } }));
    expect(container(p, 'istio-proxy')!.lifecycle.preStop.exec.command).toContain('--debug-port=15999');
    expect(argAfter(container(p, 'istio-init')!.args, '-d')).toBe('15090,15021,15999');
  });

  it('reroutes virtual interfaces, over the older kubevirt annotation', () => {
    const p = inject(plain, deployment('vm', { annotations: { 'istio.io/reroute-virtual-interfaces': 'net1', 'traffic.sidecar.istio.io/kubevirtInterfaces': 'net9' } }));
    expect(argAfter(container(p, 'istio-init')!.args, '-k')).toBe('net1');
  });

  it('names the workload from its label, mounts the pod\'s own volumes and reads the agent log level', () => {
    const p = inject(
      plain,
      deployment('shop', {
        labels: { app: 'shop', 'service.istio.io/workload-name': 'storefront' },
        annotations: {
          'sidecar.istio.io/userVolume': '{"extra-certs":{"secret":{"secretName":"extra-certs"}}}',
          'sidecar.istio.io/userVolumeMount': '{"extra-certs":{"mountPath":"/etc/extra","readOnly":true}}',
          'sidecar.istio.io/agentLogLevel': 'default:debug',
        },
      }),
    );
    const proxy = container(p, 'istio-proxy')!;
    expect(env(proxy).ISTIO_META_WORKLOAD_NAME).toBe('storefront');
    expect(p.spec.volumes).toContainEqual({ name: 'extra-certs', secret: { secretName: 'extra-certs' } });
    expect(proxy.volumeMounts).toContainEqual({ name: 'extra-certs', mountPath: '/etc/extra', readOnly: true });
    expect(proxy.args).toContain('--log_output_level=default:debug');
  });

  it('takes a proxy image only when the annotation names one', () => {
    const named = inject(plain, deployment('shop', { annotations: { 'sidecar.istio.io/proxyImage': 'mirror.example/istio/proxyv2:1.30.3-debug' } }));
    expect(container(named, 'istio-proxy')!.image).toBe('mirror.example/istio/proxyv2:1.30.3-debug');
    const word = inject(plain, deployment('shop', { annotations: { 'sidecar.istio.io/proxyImage': 'proxyv2' } }));
    expect(container(word, 'istio-proxy')!.image).toBe('docker.io/istio/proxyv2:1.30.3');
  });

  it('overrides the bootstrap from a ConfigMap', () => {
    const p = inject(plain, deployment('shop', { annotations: { 'sidecar.istio.io/bootstrapOverride': 'shop-bootstrap' } }));
    const proxy = container(p, 'istio-proxy')!;
    expect(env(proxy).ISTIO_BOOTSTRAP_OVERRIDE).toBe('/etc/istio/custom-bootstrap/custom_bootstrap.json');
    expect(proxy.volumeMounts).toContainEqual({ name: 'custom-bootstrap-volume', mountPath: '/etc/istio/custom-bootstrap' });
    expect(p.spec.volumes).toContainEqual({ name: 'custom-bootstrap-volume', configMap: { name: 'shop-bootstrap' } });
  });

  it('lets the proxy bind ports below 1024, as root, only when a pod asks', () => {
    const p = inject(plain, deployment('shop', { annotations: { 'sidecar.istio.io/capNetBindService': 'true' } }));
    expect(container(p, 'istio-proxy')!.securityContext).toMatchObject({ runAsUser: 0, runAsNonRoot: false, capabilities: { add: ['NET_BIND_SERVICE'], drop: ['ALL'] } });
  });
});

describe('mesh settings', () => {
  it('keeps probes on localhost under inbound traffic policy LOCALHOST', () => {
    const c = cluster('    mesh:\n      meshConfig:\n        inboundTrafficPolicy: { mode: LOCALHOST }\n');
    expect(env(container(inject(c, deployment('shop')), 'istio-proxy')!).REWRITE_PROBE_LEGACY_LOCALHOST_DESTINATION).toBe('true');
    expect(env(container(inject(plain, deployment('shop')), 'istio-proxy')!).REWRITE_PROBE_LEGACY_LOCALHOST_DESTINATION).toBeUndefined();
  });

  it('gives every proxy the typed ProxyConfig defaults, and a pod overrides them', () => {
    const c = cluster(
      '    mesh:\n      proxyConfig:\n        concurrency: 2\n        drainDuration: 20s\n        terminationDrainDuration: 30s\n' +
        '        tracing: { sampling: 5, zipkin: { address: "collector.tracing:9411" } }\n        proxyMetadata: { ISTIO_META_ENABLE_HBONE: "true", BOOTSTRAP_XDS_AGENT: "true" }\n',
    );
    const p = inject(c, deployment('shop', { annotations: { 'proxy.istio.io/config': '{"concurrency": 4}' } }));
    const proxy = container(p, 'istio-proxy')!;
    expect(JSON.parse(env(proxy).PROXY_CONFIG)).toMatchObject({
      concurrency: 4,
      drainDuration: '20s',
      terminationDrainDuration: '30s',
      tracing: { sampling: 5, zipkin: { address: 'collector.tracing:9411' } },
    });
    expect(env(proxy)).toMatchObject({ ISTIO_META_ENABLE_HBONE: 'true', BOOTSTRAP_XDS_AGENT: 'true' });
    // HBONE-capable proxies are labelled for it.
    expect(p.metadata.labels['networking.istio.io/tunnel']).toBe('http');
  });

  it('refuses proxy metadata meshc sets from other settings, and the defaultConfig escape hatch', () => {
    const errors = rejectionOf(singleCluster('    mesh:\n      proxyConfig:\n        proxyMetadata: { ISTIO_META_DNS_CAPTURE: "true" }\n'));
    expect(errors.join('\n')).toMatch(/mesh\.proxyConfig\.proxyMetadata\.ISTIO_META_DNS_CAPTURE: .*set by meshc from `mesh\.dnsProxying`/);
    expect(rejectionOf(singleCluster('    mesh:\n      meshConfig:\n        defaultConfig: { concurrency: 2 }\n')).join('\n')).toMatch(/use mesh\.proxyConfig/);
    expect(rejectionOf(singleCluster('    mesh:\n      proxyConfig:\n        holdApplicationUntilProxyStarts: true\n')).join('\n')).toMatch(/proxyConfig\.holdApplicationUntilProxyStarts: field .* is set by meshc from `sidecar\.holdApplicationUntilProxyStarts`/);
    expect(rejectionOf(singleCluster('    mesh:\n      proxyConfig:\n        tracing: { sampling: 101 }\n')).join('\n')).toMatch(/sampling/);
  });

  it('refuses a gateway proxyEnv name the mesh\'s proxy metadata already gives every proxy', () => {
    const errors = rejectionOf(
      singleCluster('    mesh:\n      proxyConfig:\n        proxyMetadata: { ISTIO_META_ENABLE_HBONE: "true" }\n    gateways:\n      ingress:\n        proxyEnv: { ISTIO_META_ENABLE_HBONE: "false" }\n'),
    );
    expect(errors.join('\n')).toMatch(/gateways\.ingress\.proxyEnv\.ISTIO_META_ENABLE_HBONE: .*set by meshc from `mesh\.proxyConfig\.proxyMetadata`/);
  });
});

describe('proxy settings', () => {
  it('runs a renamed proxy image from the hub, in sidecars and in the data-plane restarter\'s expectations', () => {
    const c = plain;
    const renamed = loadCluster(singleCluster('', { hub: 'mirror.example/istio' }).replace('      hub: mirror.example/istio\n', '      hub: mirror.example/istio\n      proxyImageName: istio-proxy\n'));
    expect(container(inject(renamed, deployment('shop')), 'istio-proxy')!.image).toBe('mirror.example/istio/istio-proxy:1.30.3');
    expect(renamed.istio.revisions[0].proxyImage).toBe('mirror.example/istio/istio-proxy:1.30.3');
    expect(c.istio.revisions[0].proxyImage).toBe('docker.io/istio/proxyv2:1.30.3');
    expect(rejectionOf(singleCluster('', { hub: 'x.example/istio' }).replace('hub: x.example/istio\n', 'hub: x.example/istio\n      proxyImageName: ProxyTest\n')).join('\n')).toMatch(/proxyImageName/);
  });

  it('removes a default resource with null and adds ephemeral storage', () => {
    const c = cluster('    sidecar:\n      resources:\n        limits: { cpu: null, ephemeral-storage: 2Gi }\n        requests: { ephemeral-storage: 1Gi }\n');
    expect(container(inject(c, deployment('shop')), 'istio-proxy')!.resources).toEqual({
      limits: { memory: '1Gi', 'ephemeral-storage': '2Gi' },
      requests: { cpu: '100m', memory: '128Mi', 'ephemeral-storage': '1Gi' },
    });
  });

  it('mounts the account\'s legacy certificate Secret when asked', () => {
    const c = cluster('    sidecar:\n      mountMtlsCerts: true\n');
    const p = inject(c, deployment('shop', {}, { serviceAccountName: 'shop' }));
    expect(p.spec.volumes).toContainEqual({ name: 'istio-certs', secret: { optional: true, secretName: 'istio.shop' } });
    expect(container(p, 'istio-proxy')!.volumeMounts).toContainEqual({ name: 'istio-certs', mountPath: '/etc/certs/', readOnly: true });
    expect(inject(plain, deployment('shop')).spec.volumes.map((v: Manifest) => v.name)).not.toContain('istio-certs');
  });
});

describe('templates', () => {
  const grpc = (template: string) => deployment('greeter', { annotations: { 'inject.istio.io/templates': template } });

  it('grpc-agent runs the agent without Envoy, restricted, and points the application at it', () => {
    const p = inject(plain, grpc('grpc-agent'));
    const agent = container(p, 'istio-proxy')!;
    expect(env(agent)).toMatchObject({ DISABLE_ENVOY: 'true', ISTIO_META_GENERATOR: 'grpc', CA_ADDR: 'istiod.istio-system.svc:15012' });
    expect(agent.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1337, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } });
    expect(env(container(p, 'app')!).GRPC_XDS_BOOTSTRAP).toBe('/etc/istio/proxy/grpc-bootstrap.json');
    expect(p.metadata.labels['security.istio.io/tlsMode']).toBeUndefined();
    expect(p.spec.initContainers ?? []).toEqual([]);
  });

  it('grpc-simple writes a bootstrap for the application from a restricted init container', () => {
    const p = inject(plain, grpc('grpc-simple'));
    const init = container(p, 'grpc-bootstrap-init')!;
    expect(init.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65534, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(init.command[2]).toContain('dns:///istiod.${ISTIO_NAMESPACE}.svc:15010');
    expect(env(container(p, 'app')!).GRPC_XDS_BOOTSTRAP).toBe('/var/lib/grpc/data/bootstrap.json');
  });

  it('adds the fleet\'s own templates, selected after the sidecar one', () => {
    const c = cluster(
      '    sidecar:\n      templates:\n        spire: |\n          spec:\n            volumes:\n            - name: workload-socket\n              csi: { driver: csi.spiffe.io, readOnly: true }\n',
    );
    const p = inject(c, deployment('shop', { annotations: { 'inject.istio.io/templates': 'sidecar,spire' } }));
    expect(p.spec.volumes).toContainEqual({ name: 'workload-socket', csi: { driver: 'csi.spiffe.io', readOnly: true } });
    expect(container(p, 'istio-proxy')).toBeDefined();
    const config = parse(find(manifests(c), 'ConfigMap', 'istio-sidecar-injector').data.config);
    expect(Object.keys(config.templates).sort()).toEqual(['gateway', 'grpc-agent', 'grpc-simple', 'sidecar', 'spire']);
  });

  it('refuses a template that replaces meshc\'s, or leaves an action open', () => {
    expect(rejectionOf(singleCluster('    sidecar:\n      templates:\n        sidecar: "spec: {}"\n')).join('\n')).toMatch(/templates\.sidecar: .*one of meshc's own/);
    expect(rejectionOf(singleCluster('    sidecar:\n      templates:\n        broken: "spec:\\n  x: {{ .Spec\\n"\n')).join('\n')).toMatch(/never closed/);
  });
});

describe('OpenShift', () => {
  const openshift = cluster('    cni: { enabled: true, platform: openshift }\n');
  const range = { 'openshift.io/sa.scc.uid-range': '1000650000/10000', 'openshift.io/sa.scc.supplemental-groups': '1000650000/10000' };

  it('tells istiod it runs on OpenShift', () => {
    const istiod = find(manifests(openshift), 'Deployment', 'istiod').spec.template.spec.containers[0];
    expect(istiod.env).toContainEqual({ name: 'PLATFORM', value: 'openshift' });
    expect(find(manifests(plain), 'Deployment', 'istiod').spec.template.spec.containers[0].env).toContainEqual({ name: 'PLATFORM', value: '' });
  });

  it('runs the proxy as the namespace\'s own UID, which the CNI excludes from capture', () => {
    const p = inject(openshift, deployment('shop'), { namespaceAnnotations: range });
    expect(container(p, 'istio-proxy')!.securityContext).toMatchObject({ runAsUser: 1000659999, runAsGroup: 1000659999, runAsNonRoot: true });
    const validation = container(p, 'istio-validation')!;
    expect(argAfter(validation.args, '-u')).toBe('1000659999');
    expect(validation.securityContext).toMatchObject({ runAsUser: 1000659999, runAsGroup: 1000659999 });
    expect(p.metadata.annotations['k8s.v1.cni.cncf.io/networks']).toBe('default/istio-cni');
  });

  it('needs the CNI agent', () => {
    expect(rejectionOf(singleCluster('    cni: { platform: openshift }\n')).join('\n')).toMatch(/cni\.platform openshift needs cni\.enabled: true/);
  });
});

describe('restricted pods', () => {
  /** What the restricted Pod Security Standard asks of each container (seccomp comes from the fleet's default). */
  const restricted = (c: Manifest) =>
    c.securityContext?.allowPrivilegeEscalation === false &&
    c.securityContext?.runAsNonRoot === true &&
    c.securityContext?.runAsUser !== 0 &&
    !(c.securityContext?.privileged ?? false) &&
    isDeepEqual(c.securityContext?.capabilities, { drop: ['ALL'] }) &&
    c.securityContext?.seccompProfile?.type === 'RuntimeDefault';
  const isDeepEqual = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  /** The injected containers that are not restricted (the application's own are the user's business). */
  const unrestricted = (p: Manifest) => containers(p).filter((c) => c.name !== 'app' && !restricted(c)).map((c) => c.name);

  const withCni = cluster('    cni: { enabled: true }\n');
  /**
   * The documented exceptions (docs/injection.md): each needs root or a capability in the pod
   * itself. Everything else injected runs restricted.
   */
  const EXCEPTIONS: [string, Manifest, string[]][] = [
    ['iptables set up in the pod (no CNI agent)', inject(plain, deployment('shop')), ['istio-init']],
    ['TPROXY interception', inject(withCni, deployment('shop', { annotations: { 'sidecar.istio.io/interceptionMode': 'TPROXY' } })), ['istio-proxy']],
    ['ports below 1024', inject(withCni, deployment('shop', { annotations: { 'sidecar.istio.io/capNetBindService': 'true' } })), ['istio-proxy']],
    ['iptables trace logging', inject(withCni, deployment('shop', { annotations: { 'proxy.istio.io/config': '{"proxyMetadata":{"IPTABLES_TRACE_LOGGING":"true"}}' } })), ['istio-proxy']],
  ];

  it('with the CNI agent, every injected container runs restricted, the gRPC templates\' too', () => {
    expect(unrestricted(inject(withCni, deployment('shop')))).toEqual([]);
    expect(unrestricted(inject(withCni, deployment('shop', { annotations: { 'sidecar.istio.io/nativeSidecar': 'false' } })))).toEqual([]);
    expect(unrestricted(inject(withCni, deployment('greeter', { annotations: { 'inject.istio.io/templates': 'grpc-agent' } })))).toEqual([]);
    expect(unrestricted(inject(withCni, deployment('greeter', { annotations: { 'inject.istio.io/templates': 'grpc-simple' } })))).toEqual([]);
  });

  it.each(EXCEPTIONS)('the documented exception for %s is the only unrestricted container', (_, p, names) => {
    expect(unrestricted(p)).toEqual(names);
  });
});
