/**
 * Mesh settings, profiles and istiod fine-tuning: each knob reaches the right field of the
 * right object, and bad values are rejected with file, line and field.
 */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { formatDiagnostic } from '../src/config/diagnostic';
import { loadFleetText } from '../src/pipeline';
import { loadCrdValidator } from './support/crd-validator';
import { HEADER, loadCluster, rejectionOf, singleCluster } from './support/fleet';
import { find, manifests, type Manifest } from './support/objects';

const objectsOf = (extra: string) => manifests(loadCluster(singleCluster(extra)));
const mesh = (objects: Manifest[]) => parse(find(objects, 'ConfigMap', 'istio').data.mesh);
const istiod = (objects: Manifest[]) => find(objects, 'Deployment', 'istiod');
const istiodEnv = (objects: Manifest[]) =>
  Object.fromEntries(istiod(objects).spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value]));

const errorsOf = (text: string) => rejectionOf(text, { errorsOnly: true });

describe('deprecated mesh settings', () => {
  it('warns that dnsAutoAllocate is deprecated and replaced by istiod\'s own address allocation', () => {
    const { warnings } = loadFleetText('fleet.yaml', singleCluster('    mesh: { dnsProxying: true, dnsAutoAllocate: true }\n'));
    expect(warnings.map(formatDiagnostic)).toEqual([
      'fleet.yaml:8:49: warning: clusters[0].mesh.dnsAutoAllocate: cluster "one": dnsAutoAllocate sets ISTIO_META_DNS_AUTO_ALLOCATE, which Istio deprecates since 1.25: istiod itself gives ServiceEntries without addresses one (PILOT_ENABLE_IP_AUTOALLOCATE, on by default) and DNS proxying answers with it; remove dnsAutoAllocate',
    ]);
    expect(loadFleetText('fleet.yaml', singleCluster('    mesh: { dnsProxying: true }\n')).warnings).toEqual([]);
  });
});

describe('mesh settings reach MeshConfig and istiod', () => {
  const cases: { name: string; yaml: string; check: (objects: Manifest[]) => void }[] = [
    {
      name: 'outbound traffic policy',
      yaml: '    mesh: { outboundTrafficPolicy: REGISTRY_ONLY }\n',
      check: (o) => expect(mesh(o).outboundTrafficPolicy).toEqual({ mode: 'REGISTRY_ONLY' }),
    },
    {
      name: 'DNS proxying with auto allocation',
      yaml: '    mesh: { dnsProxying: true, dnsAutoAllocate: true }\n',
      check: (o) =>
        expect(mesh(o).defaultConfig.proxyMetadata).toEqual({ ISTIO_META_DNS_CAPTURE: 'true', ISTIO_META_DNS_AUTO_ALLOCATE: 'true' }),
    },
    {
      name: 'Prometheus merge off',
      yaml: '    mesh: { prometheusMerge: false }\n',
      check: (o) => expect(mesh(o).enablePrometheusMerge).toBe(false),
    },
    {
      name: 'HTTP/1.0',
      yaml: '    mesh: { http10: true }\n',
      check: (o) => expect(istiodEnv(o).PILOT_HTTP10).toBe('true'),
    },
    {
      name: 'idle timeout',
      yaml: '    mesh: { idleTimeout: 30m }\n',
      check: (o) => expect(mesh(o).defaultConfig.proxyMetadata).toEqual({ ISTIO_META_IDLE_TIMEOUT: '30m' }),
    },
    {
      name: 'access logging as JSON',
      yaml: '    mesh: { accessLogging: { enabled: true, encoding: JSON } }\n',
      check: (o) => expect(mesh(o)).toMatchObject({ accessLogFile: '/dev/stdout', accessLogEncoding: 'JSON' }),
    },
    {
      name: 'proxy stats matcher',
      yaml: '    mesh: { proxyStatsInclusionRegexps: ["http.*rbac.*", ".*circuit_breakers.*"] }\n',
      check: (o) => expect(mesh(o).defaultConfig.proxyStatsMatcher).toEqual({ inclusionRegexps: ['http.*rbac.*', '.*circuit_breakers.*'] }),
    },
    {
      name: 'external authorizers over HTTP and gRPC',
      yaml:
        '    mesh:\n      extensionProviders:\n' +
        '        - { name: oauth2-proxy, service: oauth2-proxy.auth.svc.cluster.local, port: 4180, timeout: 2s, pathPrefix: /check,' +
        ' includeRequestHeadersInCheck: [cookie, authorization], headersToUpstreamOnAllow: [x-auth-request-user], headersToDownstreamOnDeny: [set-cookie] }\n' +
        '        - { name: opa, type: grpc, service: opa.opa.svc.cluster.local, port: 9191, failOpen: true }\n',
      check: (o) =>
        expect(mesh(o).extensionProviders).toEqual([
          {
            name: 'oauth2-proxy',
            envoyExtAuthzHttp: {
              service: 'oauth2-proxy.auth.svc.cluster.local',
              port: 4180,
              timeout: '2s',
              pathPrefix: '/check',
              includeRequestHeadersInCheck: ['cookie', 'authorization'],
              headersToUpstreamOnAllow: ['x-auth-request-user'],
              headersToDownstreamOnDeny: ['set-cookie'],
            },
          },
          { name: 'opa', envoyExtAuthzGrpc: { service: 'opa.opa.svc.cluster.local', port: 9191, failOpen: true } },
        ]),
    },
    {
      name: 'escape hatch for other MeshConfig fields',
      yaml: '    mesh: { meshConfig: { h2UpgradePolicy: UPGRADE, defaultServiceExportTo: ["."] } }\n',
      check: (o) => expect(mesh(o)).toMatchObject({ h2UpgradePolicy: 'UPGRADE', defaultServiceExportTo: ['.'] }),
    },
    {
      name: 'trust domain',
      yaml: '    trustDomain: prod.example\n',
      check: (o) => expect(mesh(o).trustDomain).toBe('prod.example'),
    },
  ];

  it.each(cases)('$name', ({ yaml, check }) => check(objectsOf(yaml)));

  it('leaves MeshConfig at upstream\'s defaults when nothing is set', () => {
    const m = mesh(objectsOf(''));
    expect(m).toEqual({
      defaultConfig: { discoveryAddress: 'istiod.istio-system.svc:15012' },
      defaultProviders: { metrics: ['prometheus'] },
      enablePrometheusMerge: true,
      rootNamespace: 'istio-system',
      trustDomain: 'cluster.local',
    });
  });
});

describe('mesh settings errors', () => {
  const base = 'apiVersion: meshc.dev/v1alpha1\nkind: Fleet\nclusters:\n  - name: a\n    kubernetesVersion: "1.33"\n    istio: { version: "1.30.3" }\n    mesh:\n';
  it.each([
    {
      name: 'a stats regexp that does not compile',
      yaml: '      proxyStatsInclusionRegexps: ["http.*(rbac"]\n',
      error: 'fleet.yaml:8:36: error: clusters[0].mesh.proxyStatsInclusionRegexps[0]: cluster "a": "http.*(rbac" is not a valid regular expression: /http.*(rbac/: Unterminated group',
    },
    {
      name: 'a stats regexp RE2 cannot run',
      yaml: '      proxyStatsInclusionRegexps: ["(?!cluster).*"]\n',
      error: 'fleet.yaml:8:36: error: clusters[0].mesh.proxyStatsInclusionRegexps[0]: cluster "a": "(?!cluster).*" is not a valid regular expression: lookaround (?=, ?!, ?<=, ?<!) is not supported by RE2',
    },
    {
      name: 'an HTTP-only field on a gRPC authorizer',
      yaml: '      extensionProviders: [{ name: opa, type: grpc, service: opa.opa.svc, port: 9191, pathPrefix: /x }]\n',
      error: 'fleet.yaml:8:99: error: clusters[0].mesh.extensionProviders[0].pathPrefix: cluster "a": pathPrefix applies only to type http',
    },
    {
      name: 'an authorizer defined twice',
      yaml: '      extensionProviders:\n        - { name: opa, service: a.b.svc, port: 1 }\n        - { name: opa, service: c.d.svc, port: 2 }\n',
      error: 'fleet.yaml:10:19: error: clusters[0].mesh.extensionProviders[1].name: cluster "a": extension provider "opa" is defined twice',
    },
    {
      name: 'a misspelt MeshConfig field in the escape hatch',
      yaml: '      meshConfig: { h2UpgradePolcy: UPGRADE }\n',
      error: 'fleet.yaml:8:37: error: clusters[0].mesh.meshConfig.h2UpgradePolcy: cluster "a": unknown MeshConfig field "h2UpgradePolcy"; did you mean "h2UpgradePolicy"?',
    },
    {
      name: 'a MeshConfig field meshc sets itself',
      yaml: '      meshConfig: { trustDomain: x }\n',
      error: 'fleet.yaml:8:34: error: clusters[0].mesh.meshConfig.trustDomain: cluster "a": MeshConfig field "trustDomain" is set by meshc from typed settings; use those instead',
    },
    {
      name: 'an unknown outbound policy',
      yaml: '      outboundTrafficPolicy: REGISTRY_ONY\n',
      error: 'fleet.yaml:8:30: error: clusters[0].mesh.outboundTrafficPolicy: "REGISTRY_ONY" is not one of ALLOW_ANY, REGISTRY_ONLY; did you mean "REGISTRY_ONLY"?',
    },
  ])('$name', ({ yaml, error }) => {
    expect(errorsOf(base + yaml)).toEqual([error]);
  });
});

describe('profiles', () => {
  it('production runs istiod highly available', () => {
    const o = objectsOf('    profile: production\n');
    expect(find(o, 'HorizontalPodAutoscaler', 'istiod').spec).toMatchObject({ minReplicas: 2, maxReplicas: 5 });
    expect(find(o, 'PodDisruptionBudget', 'istiod')).toBeDefined();
    const spec = istiod(o).spec;
    expect(spec.strategy.rollingUpdate).toEqual({ maxSurge: '100%', maxUnavailable: 0 });
    expect(spec.template.spec.topologySpreadConstraints.map((c: any) => c.topologyKey)).toEqual([
      'kubernetes.io/hostname',
      'topology.kubernetes.io/zone',
    ]);
    expect(spec.template.spec.topologySpreadConstraints[0]).toMatchObject({
      maxSkew: 1,
      whenUnsatisfiable: 'ScheduleAnyway',
      labelSelector: { matchLabels: { istio: 'pilot' } },
    });
  });

  it('evaluation runs one small istiod and small sidecars', () => {
    const o = objectsOf('    profile: evaluation\n');
    expect(o.some((x) => x.kind === 'HorizontalPodAutoscaler')).toBe(false);
    expect(istiod(o).spec.replicas).toBe(1);
    expect(istiod(o).spec.template.spec.containers[0].resources).toEqual({ requests: { cpu: '100m', memory: '256Mi' } });
    const values = JSON.parse(find(o, 'ConfigMap', 'istio-sidecar-injector').data.values);
    expect(values.global.proxy.resources).toEqual({ requests: { cpu: '10m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi' } });
  });

  it('shapes the ingress and egress gateways too', () => {
    const enableEgress = '    gateways: { egress: { enabled: true } }\n';
    const prod = objectsOf(`    profile: production\n${enableEgress}`);
    for (const name of ['istio-ingressgateway', 'istio-egressgateway']) {
      expect(find(prod, 'HorizontalPodAutoscaler', name).spec.minReplicas).toBe(2);
      expect(find(prod, 'Deployment', name).spec.strategy.rollingUpdate).toEqual({ maxSurge: '100%', maxUnavailable: 0 });
    }
    const evaluation = objectsOf(`    profile: evaluation\n${enableEgress}`);
    for (const name of ['istio-ingressgateway', 'istio-egressgateway']) {
      expect(find(evaluation, 'Deployment', name).spec.replicas).toBe(1);
      expect(find(evaluation, 'Deployment', name).spec.template.spec.containers[0].resources.requests).toEqual({ cpu: '10m', memory: '64Mi' });
    }
  });

  it('lets the fleet file override a profile, from defaults or the cluster', () => {
    const { fleet } = loadFleetText(
      'fleet.yaml',
      'apiVersion: meshc.dev/v1alpha1\nkind: Fleet\ndefaults:\n  profile: production\n  kubernetesVersion: "1.33"\n  istio: { version: "1.30.3" }\n' +
        '  controlPlane: { istiod: { autoscale: { max: 9 } } }\nclusters:\n  - name: a\n  - name: b\n    profile: evaluation\n' +
        '    controlPlane: { istiod: { replicas: 2 } }\n',
    );
    const [a, b] = fleet.clusters;
    expect(a.controlPlane.istiod.autoscale).toMatchObject({ enabled: true, min: 2, max: 9 });
    expect(b.controlPlane.istiod.autoscale.enabled).toBe(false);
    expect(b.controlPlane.istiod.replicas).toBe(2);
  });
});

describe('istiod fine-tuning', () => {
  it('passes scheduling, rollout, pod labels and annotations through', () => {
    const o = objectsOf(
      '    controlPlane:\n      istiod:\n        nodeSelector: { node-role.kubernetes.io/control-plane: "" }\n' +
        '        tolerations: [{ key: dedicated, operator: Equal, value: mesh, effect: NoSchedule }]\n' +
        '        affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: pool, operator: In, values: [system] }] }] } } }\n' +
        '        priorityClassName: system-cluster-critical\n        podLabels: { team: platform }\n        podAnnotations: { example.com/owner: platform }\n' +
        '        rollout: { maxSurge: "1", maxUnavailable: 0% }\n        topologySpread: zones\n',
    );
    const spec = istiod(o).spec;
    const pod = spec.template.spec;
    expect(pod.nodeSelector).toEqual({ 'node-role.kubernetes.io/control-plane': '' });
    expect(pod.tolerations).toEqual([
      { key: 'cni.istio.io/not-ready', operator: 'Exists' },
      { key: 'dedicated', operator: 'Equal', value: 'mesh', effect: 'NoSchedule' },
    ]);
    expect(pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].key).toBe('pool');
    expect(pod.priorityClassName).toBe('system-cluster-critical');
    expect(spec.template.metadata.labels).toMatchObject({ team: 'platform', app: 'istiod' });
    expect(spec.template.metadata.annotations).toMatchObject({ 'example.com/owner': 'platform', 'prometheus.io/scrape': 'true' });
    expect(spec.strategy.rollingUpdate).toEqual({ maxSurge: 1, maxUnavailable: '0%' });
    expect(pod.topologySpreadConstraints.map((c: any) => c.topologyKey)).toEqual(['topology.kubernetes.io/zone']);
  });

  it('rejects rollout values outside Kyma\'s rules', () => {
    const text = singleCluster('    controlPlane:\n      istiod:\n        rollout: { maxSurge: 10x, maxUnavailable: 101% }\n');
    expect(errorsOf(text)).toEqual([
      'mesh.yaml:10:30: error: clusters[0].controlPlane.istiod.rollout.maxSurge: must be a number or a percentage such as 1 or 25%, got "10x"',
      'mesh.yaml:10:51: error: clusters[0].controlPlane.istiod.rollout.maxUnavailable: must be a number or a percentage from 0% to 100%, such as 0 or 25%, got "101%"',
    ].map((e) => e.replace('mesh.yaml', 'fleet.yaml')));
  });

  describe('JWKS fetches', () => {
    const blocked = (extra: string) => istiodEnv(objectsOf(extra)).BLOCKED_CIDRS_IN_JWKS_URIS;
    const cidrs = (list: string) => `    controlPlane:\n      istiod:\n        jwksBlockedCIDRs: ${list}\n`;

    it('keep istiod away from its own host, loopback and link-local addresses (cloud metadata) by default', () => {
      expect(blocked('')).toBe('0.0.0.0/8,127.0.0.0/8,169.254.0.0/16,::/128,::1/128,fe80::/10');
    });

    it('block the ranges the fleet file lists, in its order, and nothing with an empty list', () => {
      expect(blocked(cidrs('[10.0.0.0/8, "fd00:ec2::254/128", 169.254.0.0/16]'))).toBe('10.0.0.0/8,fd00:ec2::254/128,169.254.0.0/16');
      expect(Object.keys(istiodEnv(objectsOf(cidrs('[]'))))).not.toContain('BLOCKED_CIDRS_IN_JWKS_URIS');
    });

    it('reach every revision\'s istiod', () => {
      const o = manifests(loadCluster(`${HEADER}clusters:\n  - name: one\n    kubernetesVersion: "1.33"\n    istio:\n      revisions: [{ version: "1.29.6", name: default }, { version: "1.30.3" }]\n`));
      const envs = o.filter((x) => x.kind === 'Deployment' && x.metadata.labels.app === 'istiod').map((d) => d.spec.template.spec.containers[0].env.find((e: any) => e.name === 'BLOCKED_CIDRS_IN_JWKS_URIS')?.value);
      expect(envs).toEqual(['0.0.0.0/8,127.0.0.0/8,169.254.0.0/16,::/128,::1/128,fe80::/10', '0.0.0.0/8,127.0.0.0/8,169.254.0.0/16,::/128,::1/128,fe80::/10']);
    });

    it('reject what is not a CIDR, and the variable set by hand', () => {
      expect(errorsOf(singleCluster(cidrs('[169.254.0.0, 10.0.0.0/33, "fe80::/129", "fe80:::1/64", 300.0.0.0/8, 10.0.0.0/8, 10.0.0.0/8]')))).toEqual([
        'fleet.yaml:10:28: error: clusters[0].controlPlane.istiod.jwksBlockedCIDRs[0]: must be an IPv4 or IPv6 CIDR such as 169.254.0.0/16 or fe80::/10, got "169.254.0.0"',
        'fleet.yaml:10:41: error: clusters[0].controlPlane.istiod.jwksBlockedCIDRs[1]: must be an IPv4 or IPv6 CIDR such as 169.254.0.0/16 or fe80::/10, got "10.0.0.0/33"',
        'fleet.yaml:10:54: error: clusters[0].controlPlane.istiod.jwksBlockedCIDRs[2]: must be an IPv4 or IPv6 CIDR such as 169.254.0.0/16 or fe80::/10, got "fe80::/129"',
        'fleet.yaml:10:68: error: clusters[0].controlPlane.istiod.jwksBlockedCIDRs[3]: must be an IPv4 or IPv6 CIDR such as 169.254.0.0/16 or fe80::/10, got "fe80:::1/64"',
        'fleet.yaml:10:83: error: clusters[0].controlPlane.istiod.jwksBlockedCIDRs[4]: must be an IPv4 or IPv6 CIDR such as 169.254.0.0/16 or fe80::/10, got "300.0.0.0/8"',
        'fleet.yaml:10:108: error: clusters[0].controlPlane.istiod.jwksBlockedCIDRs[6]: "10.0.0.0/8" is a duplicate of item [5]; list items must be unique',
      ]);
      expect(errorsOf(singleCluster('    controlPlane:\n      istiod:\n        env: { BLOCKED_CIDRS_IN_JWKS_URIS: "" }\n'))).toEqual([
        'fleet.yaml:10:44: error: clusters[0].controlPlane.istiod.env.BLOCKED_CIDRS_IN_JWKS_URIS: cluster "one": istiod env BLOCKED_CIDRS_IN_JWKS_URIS is set by meshc from the fleet file and cannot be overridden',
      ]);
    });
  });

  it('renders a mesh config every object of which validates against the CRDs', () => {
    // MeshConfig is not a CRD; this guards the Istio objects rendered beside it.
    const o = objectsOf('    profile: production\n    mesh: { outboundTrafficPolicy: REGISTRY_ONLY }\n');
    const v = loadCrdValidator('1.30.3');
    expect(o.filter((x) => v.knows(x.apiVersion, x.kind)).flatMap((x) => v.validate(x))).toEqual([]);
  });
});
