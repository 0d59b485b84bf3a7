/**
 * Gateways: every fleet setting reaches the right field of the right object, every Istio object
 * is one the API server accepts, and gateway pods are restricted, also once istiod has injected
 * them.
 */
import { withoutArgoCd } from './support/manifest-ids';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ISTIO_RELEASES } from '../src/catalog/versions';
import type { ClusterConfig } from '../src/config/cluster-config';
import { loadFleetText } from '../src/pipeline';
import { loadCrdValidator, sharedAvailable } from './support/crd-validator';
import { loadCluster, singleCluster } from './support/fleet';
import { injectFor } from './support/injection-case';
import { expectRestrictedPod, find, manifests, podSpecs, type Manifest } from './support/objects';
import { DEFAULTS, fleet as topologyFleet, load as loadTopology } from './support/topology-fleet';
import { GATEWAY_MANAGED_PROXY_ENV, GATEWAY_TEMPLATE_ENV_SOURCES } from '../src/gateways/proxy-env';
import { proxyEnvNames } from '../src/injection/sidecar-template';

const objectsOf = (yaml: string, opts?: Parameters<typeof singleCluster>[1]) => manifests(loadCluster(singleCluster(yaml, opts)));
const isGatewayObject = (o: Manifest) => ['istio-ingress', 'istio-egress'].includes(o.metadata.namespace ?? o.metadata.name);
const deployment = (objects: Manifest[], name = 'istio-ingressgateway') => find(objects, 'Deployment', name);
const podTemplate = (objects: Manifest[], name?: string) => deployment(objects, name).spec.template;
const proxy = (objects: Manifest[], name?: string) => podTemplate(objects, name).spec.containers[0];
const service = (objects: Manifest[], name = 'istio-ingressgateway') => find(objects, 'Service', name);
const mesh = (objects: Manifest[]) => parse(find(objects, 'ConfigMap', 'istio').data.mesh);
const ids = (objects: Manifest[]) => objects.map((o) => `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`).sort();
const gw = (yaml: string) => `    gateways:\n${yaml}`;

describe('default gateways', () => {
  const objects = objectsOf('');

  it('renders the ingress gateway and its namespace, and no egress gateway', () => {
    expect(ids(objects.filter(isGatewayObject))).toEqual([
      'Deployment istio-ingress/istio-ingressgateway',
      'HorizontalPodAutoscaler istio-ingress/istio-ingressgateway',
      'Namespace istio-ingress',
      'PodDisruptionBudget istio-ingress/istio-ingressgateway',
      'Role istio-ingress/istio-ingressgateway',
      'RoleBinding istio-ingress/istio-ingressgateway',
      'Service istio-ingress/istio-ingressgateway',
      'ServiceAccount istio-ingress/istio-ingressgateway',
    ]);
  });

  it('renders no Gateway resource and no gateway topology without settings', () => {
    expect(objects.some((o) => o.kind === 'Gateway' || o.kind === 'Certificate')).toBe(false);
    expect(mesh(objects).defaultConfig.gatewayTopology).toBeUndefined();
    expect(podTemplate(objects).metadata.annotations['proxy.istio.io/config']).toBeUndefined();
  });

  it('asks istiod for the gateway injection template, as the upstream chart does', () => {
    const template = podTemplate(objects);
    expect(template.metadata.annotations).toMatchObject({ 'inject.istio.io/templates': 'gateway', 'sidecar.istio.io/inject': 'true' });
    expect(template.metadata.labels['sidecar.istio.io/inject']).toBe('true');
    expect(template.spec.containers.map((c: Manifest) => [c.name, c.image])).toEqual([['istio-proxy', 'auto']]);
  });

  it('labels the gateway namespace to enforce the restricted standard', () => {
    expect(find(objects, 'Namespace', 'istio-ingress').metadata.labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'restricted',
      'pod-security.kubernetes.io/enforce-version': 'latest',
    });
  });
});

interface KnobCase {
  readonly name: string;
  readonly yaml: string;
  readonly check: (objects: Manifest[]) => void;
}

const KNOBS: KnobCase[] = [
  {
    name: 'service type and node ports',
    yaml: gw('      ingress:\n        service:\n          type: NodePort\n          ports:\n            - { name: https, port: 443, targetPort: 8443, nodePort: 30443 }\n'),
    check: (o) => {
      expect(service(o).spec.type).toBe('NodePort');
      expect(service(o).spec.ports).toEqual([{ name: 'https', port: 443, targetPort: 8443, protocol: 'TCP', nodePort: 30443 }]);
    },
  },
  {
    name: 'service ports default their target port and protocol',
    yaml: gw('      ingress:\n        service:\n          ports:\n            - { name: tcp-db, port: 5432 }\n            - { name: udp-dns, port: 53, protocol: UDP }\n'),
    check: (o) =>
      expect(service(o).spec.ports).toEqual([
        { name: 'tcp-db', port: 5432, targetPort: 5432, protocol: 'TCP' },
        { name: 'udp-dns', port: 53, targetPort: 53, protocol: 'UDP' },
      ]),
  },
  {
    name: 'service annotations',
    yaml: gw('      ingress:\n        service:\n          annotations:\n            service.beta.kubernetes.io/aws-load-balancer-type: nlb\n'),
    check: (o) => expect(withoutArgoCd(service(o).metadata.annotations)).toEqual({ 'service.beta.kubernetes.io/aws-load-balancer-type': 'nlb' }),
  },
  {
    name: 'load balancer source ranges',
    yaml: gw('      ingress:\n        service:\n          loadBalancerSourceRanges: [203.0.113.0/24, "2001:db8::/32"]\n'),
    check: (o) => expect(service(o).spec.loadBalancerSourceRanges).toEqual(['203.0.113.0/24', '2001:db8::/32']),
  },
  {
    name: 'external traffic policy',
    yaml: gw('      ingress:\n        service:\n          externalTrafficPolicy: Local\n'),
    check: (o) => expect(service(o).spec.externalTrafficPolicy).toBe('Local'),
  },
  {
    name: 'name and namespace of every object',
    yaml: gw('      ingress:\n        name: edge\n        namespace: edge-system\n'),
    check: (o) => {
      const mine = o.filter((m) => m.metadata.namespace === 'edge-system');
      expect(ids(mine)).toEqual(
        ['Deployment', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'Role', 'RoleBinding', 'Service', 'ServiceAccount'].map((k) => `${k} edge-system/edge`),
      );
      expect(find(o, 'Namespace', 'edge-system')).toBeDefined();
      expect(o.some((m) => m.metadata.name === 'istio-ingress')).toBe(false);
      expect(deployment(o, 'edge').spec.selector.matchLabels).toEqual({ app: 'edge', istio: 'edge' });
      expect(deployment(o, 'edge').spec.template.spec.serviceAccountName).toBe('edge');
      expect(find(o, 'RoleBinding', 'edge')).toMatchObject({ roleRef: { kind: 'Role', name: 'edge' }, subjects: [{ kind: 'ServiceAccount', name: 'edge' }] });
    },
  },
  {
    name: 'labels: selector labels and extra labels',
    yaml: gw('      ingress:\n        labels: { istio: public, team: edge }\n        servers:\n          - { name: http, protocol: HTTP, hosts: ["*"] }\n'),
    check: (o) => {
      const selector = { app: 'istio-ingressgateway', istio: 'public' };
      expect(deployment(o).spec.selector.matchLabels).toEqual(selector);
      expect(service(o).spec.selector).toEqual(selector);
      expect(find(o, 'PodDisruptionBudget', 'istio-ingressgateway').spec.selector.matchLabels).toEqual(selector);
      expect(find(o, 'Gateway', 'istio-ingressgateway').spec.selector).toEqual(selector);
      expect(podTemplate(o).metadata.labels).toMatchObject({ ...selector, team: 'edge' });
      expect(service(o).metadata.labels).toMatchObject({ ...selector, team: 'edge' });
    },
  },
  {
    name: 'autoscaling bounds and target',
    yaml: gw('      ingress:\n        autoscale: { min: 3, max: 12, targetCPUUtilization: 60 }\n'),
    check: (o) => {
      expect(find(o, 'HorizontalPodAutoscaler', 'istio-ingressgateway').spec).toMatchObject({ minReplicas: 3, maxReplicas: 12 });
      expect(find(o, 'HorizontalPodAutoscaler', 'istio-ingressgateway').spec.metrics[0].resource.target.averageUtilization).toBe(60);
      expect(deployment(o).spec.replicas).toBeUndefined();
    },
  },
  {
    name: 'fixed replicas without autoscaling',
    yaml: gw('      ingress:\n        autoscale: { enabled: false }\n        replicas: 4\n'),
    check: (o) => {
      expect(deployment(o).spec.replicas).toBe(4);
      expect(o.some((m) => m.kind === 'HorizontalPodAutoscaler' && m.metadata.namespace === 'istio-ingress')).toBe(false);
      expect(find(o, 'PodDisruptionBudget', 'istio-ingressgateway').spec).toMatchObject({ maxUnavailable: 1 });
    },
  },
  {
    name: 'resources, field by field over the defaults',
    yaml: gw('      ingress:\n        resources: { requests: { cpu: "1" }, limits: { memory: 2Gi } }\n'),
    check: (o) => expect(proxy(o).resources).toEqual({ requests: { cpu: '1', memory: '128Mi' }, limits: { cpu: '2000m', memory: '2Gi' } }),
  },
  {
    name: 'rollout strategy',
    yaml: gw('      ingress:\n        rollout: { maxSurge: "1", maxUnavailable: 25% }\n'),
    check: (o) => expect(deployment(o).spec.strategy).toEqual({ rollingUpdate: { maxSurge: 1, maxUnavailable: '25%' } }),
  },
  {
    name: 'topology spread over zones only',
    yaml: gw('      ingress:\n        topologySpread: zones\n'),
    check: (o) =>
      expect(podTemplate(o).spec.topologySpreadConstraints.map((c: Manifest) => c.topologyKey)).toEqual(['topology.kubernetes.io/zone']),
  },
  {
    name: 'no topology spread',
    yaml: gw('      ingress:\n        topologySpread: none\n'),
    check: (o) => expect(podTemplate(o).spec.topologySpreadConstraints).toBeUndefined(),
  },
  {
    name: 'node selector, tolerations, affinity and priority class',
    yaml: gw(
      '      ingress:\n        nodeSelector: { node-role.example.com/edge: "true" }\n' +
        '        tolerations: [{ key: edge, operator: Exists, effect: NoSchedule }]\n' +
        '        affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: zone, operator: In, values: [a] }] }] } } }\n' +
        '        priorityClassName: system-cluster-critical\n',
    ),
    check: (o) =>
      expect(podTemplate(o).spec).toMatchObject({
        nodeSelector: { 'node-role.example.com/edge': 'true' },
        tolerations: [{ key: 'edge', operator: 'Exists', effect: 'NoSchedule' }],
        affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }] } } },
        priorityClassName: 'system-cluster-critical',
      }),
  },
  {
    name: 'extra pod labels and annotations, which may override the scrape annotations',
    yaml: gw('      ingress:\n        podLabels: { cost-center: web }\n        podAnnotations: { example.com/owner: edge, prometheus.io/scrape: "false" }\n'),
    check: (o) => {
      expect(podTemplate(o).metadata.labels['cost-center']).toBe('web');
      expect(podTemplate(o).metadata.annotations).toMatchObject({ 'example.com/owner': 'edge', 'prometheus.io/scrape': 'false' });
      expect(deployment(o).metadata.labels['cost-center']).toBeUndefined();
    },
  },
  {
    name: 'trusted proxies and client certificate details mesh-wide',
    yaml: gw('      numTrustedProxies: 2\n      forwardClientCertDetails: APPEND_FORWARD\n'),
    check: (o) => {
      expect(mesh(o).defaultConfig.gatewayTopology).toEqual({ numTrustedProxies: 2, forwardClientCertDetails: 'APPEND_FORWARD' });
      // Mesh-wide values reach the pods through MeshConfig; the pod itself carries none.
      expect(podTemplate(o).metadata.annotations['proxy.istio.io/config']).toBeUndefined();
    },
  },
  {
    name: 'per-gateway trusted proxies, with the whole topology on the pod',
    yaml: gw('      forwardClientCertDetails: SANITIZE\n      ingress:\n        numTrustedProxies: 1\n'),
    check: (o) => {
      expect(mesh(o).defaultConfig.gatewayTopology).toEqual({ forwardClientCertDetails: 'SANITIZE' });
      expect(JSON.parse(podTemplate(o).metadata.annotations['proxy.istio.io/config'])).toEqual({
        gatewayTopology: { numTrustedProxies: 1, forwardClientCertDetails: 'SANITIZE' },
      });
    },
  },
  {
    name: 'per-gateway client certificate details',
    yaml: gw('      numTrustedProxies: 3\n      ingress:\n        forwardClientCertDetails: ALWAYS_FORWARD_ONLY\n'),
    check: (o) =>
      expect(JSON.parse(podTemplate(o).metadata.annotations['proxy.istio.io/config'])).toEqual({
        gatewayTopology: { numTrustedProxies: 3, forwardClientCertDetails: 'ALWAYS_FORWARD_ONLY' },
      }),
  },
  {
    name: 'PROXY protocol, keeping the mesh-wide topology',
    yaml: gw('      numTrustedProxies: 1\n      ingress:\n        proxyProtocol: true\n'),
    check: (o) => {
      expect(mesh(o).defaultConfig.gatewayTopology).toEqual({ numTrustedProxies: 1 });
      expect(JSON.parse(podTemplate(o).metadata.annotations['proxy.istio.io/config'])).toEqual({
        gatewayTopology: { numTrustedProxies: 1, proxyProtocol: {} },
      });
    },
  },
  {
    name: 'an override equal to the mesh-wide value needs nothing on the pod',
    yaml: gw('      numTrustedProxies: 1\n      ingress:\n        numTrustedProxies: 1\n'),
    check: (o) => expect(podTemplate(o).metadata.annotations['proxy.istio.io/config']).toBeUndefined(),
  },
  {
    name: 'egress gateway on request: ClusterIP in its own namespace',
    yaml: gw('      egress: { enabled: true }\n'),
    check: (o) => {
      expect(service(o, 'istio-egressgateway')).toMatchObject({ metadata: { namespace: 'istio-egress' }, spec: { type: 'ClusterIP' } });
      expect(deployment(o, 'istio-egressgateway').spec.selector.matchLabels).toEqual({ app: 'istio-egressgateway', istio: 'egressgateway' });
      expect(find(o, 'Namespace', 'istio-egress').metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
      expect(deployment(o)).toBeDefined();
    },
  },
  {
    name: 'ingress gateway off',
    yaml: gw('      ingress: { enabled: false }\n'),
    check: (o) => expect(o.filter(isGatewayObject)).toEqual([]),
  },
  {
    name: 'named gateways, in the ingress namespace by default',
    yaml: gw('      ingress: { namespace: edge }\n      named:\n        internal:\n          service: { type: ClusterIP }\n        partners:\n          namespace: partners\n'),
    check: (o) => {
      expect(service(o, 'internal')).toMatchObject({ metadata: { namespace: 'edge' }, spec: { type: 'ClusterIP', selector: { app: 'internal', istio: 'internal' } } });
      expect(service(o, 'partners')).toMatchObject({ metadata: { namespace: 'partners' }, spec: { type: 'LoadBalancer' } });
      expect(o.filter((m) => m.kind === 'Namespace').map((m) => m.metadata.name).sort()).toEqual(['edge', 'istio-system', 'partners']);
      expect(find(o, 'HorizontalPodAutoscaler', 'partners').spec).toMatchObject({ minReplicas: 1, maxReplicas: 5 });
    },
  },
  {
    name: 'a named gateway switched off',
    yaml: gw('      named:\n        internal: { enabled: false }\n'),
    check: (o) => expect(o.some((m) => m.metadata.name === 'internal')).toBe(false),
  },
  {
    name: 'a gateway in the control-plane namespace adds no Namespace',
    yaml: gw('      ingress: { namespace: istio-system }\n'),
    check: (o) => {
      expect(o.filter((m) => m.kind === 'Namespace').map((m) => m.metadata.name)).toEqual(['istio-system']);
      expect(service(o).metadata.namespace).toBe('istio-system');
    },
  },
  {
    name: 'HTTP with a redirect to HTTPS, and HTTPS with a Secret',
    yaml: gw(
      '      ingress:\n        servers:\n          - { name: http, protocol: HTTP, hosts: [shop.example.com], tls: { httpsRedirect: true } }\n' +
        '          - { name: https, protocol: HTTPS, hosts: [shop.example.com, "team-a/api.example.com"], tls: { credentialName: shop-tls } }\n',
    ),
    check: (o) => {
      const gateway = find(o, 'Gateway', 'istio-ingressgateway');
      expect(gateway).toMatchObject({ apiVersion: 'networking.istio.io/v1', metadata: { namespace: 'istio-ingress' } });
      expect(gateway.spec).toEqual({
        selector: { app: 'istio-ingressgateway', istio: 'ingressgateway' },
        servers: [
          { port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['shop.example.com'], tls: { httpsRedirect: true } },
          {
            port: { number: 443, name: 'https', protocol: 'HTTPS' },
            hosts: ['shop.example.com', 'team-a/api.example.com'],
            tls: { mode: 'SIMPLE', credentialName: 'shop-tls' },
          },
        ],
      });
      expect(o.some((m) => m.kind === 'Certificate')).toBe(false);
    },
  },
  {
    name: 'plain HTTP and mutual TLS on custom ports',
    yaml: gw(
      '      ingress:\n        service:\n          ports: [{ name: http-alt, port: 8080 }, { name: https-mtls, port: 8443 }]\n' +
        '        servers:\n          - { name: plain, protocol: HTTP, port: 8080, hosts: ["*"] }\n' +
        '          - { name: partners, protocol: HTTPS, port: 8443, hosts: [b2b.example.com], tls: { credentialName: b2b, mode: MUTUAL } }\n',
    ),
    check: (o) =>
      expect(find(o, 'Gateway', 'istio-ingressgateway').spec.servers).toEqual([
        { port: { number: 8080, name: 'plain', protocol: 'HTTP' }, hosts: ['*'] },
        { port: { number: 8443, name: 'partners', protocol: 'HTTPS' }, hosts: ['b2b.example.com'], tls: { mode: 'MUTUAL', credentialName: 'b2b' } },
      ]),
  },
  {
    name: 'a cert-manager Certificate for the Secret',
    yaml: gw(
      '      named:\n        internal:\n          namespace: intranet\n          servers:\n' +
        '            - name: https\n              protocol: HTTPS\n              hosts: [wiki.corp.example, "./*.apps.corp.example"]\n' +
        '              tls: { credentialName: intranet-tls }\n              certificate: { issuer: corp-ca, kind: Issuer }\n',
    ),
    check: (o) => {
      const certificate = find(o, 'Certificate', 'intranet-tls');
      expect(certificate).toEqual({
        apiVersion: 'cert-manager.io/v1',
        kind: 'Certificate',
        metadata: expect.objectContaining({ name: 'intranet-tls', namespace: 'intranet' }),
        spec: {
          secretName: 'intranet-tls',
          issuerRef: { name: 'corp-ca', kind: 'Issuer', group: 'cert-manager.io' },
          dnsNames: ['wiki.corp.example', '*.apps.corp.example'],
        },
      });
      expect(find(o, 'Gateway', 'internal').spec.servers[0].tls).toEqual({ mode: 'SIMPLE', credentialName: 'intranet-tls' });
    },
  },
  {
    name: 'a ClusterIssuer by default',
    yaml: gw('      ingress:\n        servers:\n          - { name: https, protocol: HTTPS, hosts: [a.example.com], tls: { credentialName: a-tls }, certificate: { issuer: letsencrypt } }\n'),
    check: (o) => expect(find(o, 'Certificate', 'a-tls').spec.issuerRef).toEqual({ name: 'letsencrypt', kind: 'ClusterIssuer', group: 'cert-manager.io' }),
  },
];

describe('every gateway setting reaches its object', () => {
  it.each(KNOBS.map((k) => [k.name, k] as const))('%s', (_, k) => k.check(objectsOf(k.yaml)));

  it('applies defaults-level gateway settings to every cluster and lets a cluster override them', () => {
    const { fleet } = loadFleetText(
      'fleet.yaml',
      'apiVersion: meshc.dev/v1alpha1\nkind: Fleet\ndefaults:\n  kubernetesVersion: "1.33"\n  istio: { version: "1.30.3" }\n' +
        '  gateways:\n    numTrustedProxies: 1\n    ingress: { autoscale: { min: 2 } }\n' +
        'clusters:\n  - name: a\n  - name: b\n    gateways:\n      ingress: { autoscale: { max: 3 } }\n',
    );
    const [a, b] = fleet.clusters.map((c) => c.gateways);
    expect(a.gateways[0].autoscale).toEqual({ enabled: true, min: 2, max: 5, targetCPUUtilization: 80 });
    expect(b.gateways[0].autoscale).toEqual({ enabled: true, min: 2, max: 3, targetCPUUtilization: 80 });
    expect([a.numTrustedProxies, b.numTrustedProxies]).toEqual([1, 1]);
  });
});

describe('gateway objects against the real CRD schemas', () => {
  it('has the upstream CRDs to check against', () => {
    expect(sharedAvailable()).toBe(true);
  });

  const everything = gw(
    '      numTrustedProxies: 2\n      forwardClientCertDetails: SANITIZE_SET\n' +
      '      ingress:\n        proxyProtocol: true\n        servers:\n' +
      '          - { name: http, protocol: HTTP, hosts: [shop.example.com, "*.shop.example.com"], tls: { httpsRedirect: true } }\n' +
      '          - { name: https, protocol: HTTPS, hosts: [shop.example.com], tls: { credentialName: shop-tls }, certificate: { issuer: le } }\n' +
      '          - { name: https-partners, protocol: HTTPS, hosts: ["partners/b2b.example.com"], tls: { credentialName: b2b, mode: MUTUAL } }\n' +
      '      egress:\n        enabled: true\n        servers:\n          - { name: http, protocol: HTTP, hosts: [api.external.example] }\n' +
      '      named:\n        internal:\n          servers:\n            - { name: https, protocol: HTTPS, hosts: ["*"], tls: { credentialName: wildcard } }\n',
  );

  it.each(ISTIO_RELEASES.map((r) => [r.version, r] as const))('every Istio object of a full gateway setup validates on %s', (_, release) => {
    const objects = objectsOf(everything, { istio: release.version, kubernetes: release.kubernetes.max });
    const validator = loadCrdValidator(release.version);
    const gateways = objects.filter((o) => o.kind === 'Gateway');
    expect(gateways.map((g) => g.metadata.name).sort()).toEqual(['internal', 'istio-egressgateway', 'istio-ingressgateway']);
    const istio = objects.filter((o) => validator.knows(o.apiVersion, o.kind));
    expect(istio.flatMap((o) => validator.validate(o))).toEqual([]);
  });

  it('renders only TLS Secret names, never key material', () => {
    const text = JSON.stringify(objectsOf(everything));
    expect(text).not.toMatch(/BEGIN|privateKey|serverCertificate|tls\.key/);
  });
});

function expectRestricted(objects: Manifest[]): void {
  const specs = podSpecs(objects.filter((o) => o.kind === 'Deployment' && o.spec.template.metadata.annotations?.['inject.istio.io/templates']));
  expect(specs.length).toBeGreaterThan(0);
  for (const { owner, spec } of specs) {
    for (const c of expectRestrictedPod(owner, spec, expect)) {
      expect(c.securityContext.readOnlyRootFilesystem, `${owner} ${c.name}`).toBe(true);
      expect(c.securityContext.privileged ?? false, `${owner} ${c.name}`).toBe(false);
      expect(c.securityContext.capabilities.add, `${owner} ${c.name}`).toBeUndefined();
    }
    expect(spec.hostNetwork ?? false, owner).toBe(false);
  }
}

/** The gateway's pod as upstream istiod injects it with meshc's rendered injector. */
function injected(cluster: ClusterConfig, name = 'istio-ingressgateway'): Manifest {
  const objects = manifests(cluster);
  return injectFor(cluster, deployment(objects, name), { objects }).spec.template;
}

describe('restricted gateway pods', () => {
  const cluster = loadCluster(singleCluster(gw('      numTrustedProxies: 1\n      egress: { enabled: true }\n      ingress: { proxyProtocol: true }\n')));

  it('renders every gateway pod restricted', () => expectRestricted(manifests(cluster)));

  it('stays restricted once istiod has injected the proxy', () => {
    const pod = injected(cluster);
    expectRestricted([{ kind: 'Deployment', metadata: { name: 'injected' }, spec: { template: pod } }]);
    const container = pod.spec.containers.find((c: Manifest) => c.name === 'istio-proxy');
    expect(container.image).toBe('docker.io/istio/proxyv2:1.30.3');
    expect(container.args.slice(0, 2)).toEqual(['proxy', 'router']);
    expect(container.securityContext).toMatchObject({ runAsUser: 1337, runAsGroup: 1337 });
    expect(pod.spec.securityContext.sysctls).toEqual([{ name: 'net.ipv4.ip_unprivileged_port_start', value: '0' }]);
  });

  it('gives the injected proxy its gateway topology', () => {
    const proxyConfig = (pod: Manifest) => {
      const env = pod.spec.containers.find((c: Manifest) => c.name === 'istio-proxy').env as Manifest[];
      return JSON.parse(env.find((e) => e.name === 'PROXY_CONFIG')!.value);
    };
    expect(proxyConfig(injected(cluster)).gatewayTopology).toEqual({ numTrustedProxies: 1, proxyProtocol: {} });
    expect(proxyConfig(injected(cluster, 'istio-egressgateway')).gatewayTopology).toEqual({ numTrustedProxies: 1 });
  });
});

describe('proxy env', () => {
  // A named gateway readied as the east-west gateway of a network that joins later.
  const NEXT_NETWORK = gw(
    '      named:\n        eastwest-next:\n          namespace: istio-system\n          labels: { topology.istio.io/network: net-b }\n' +
      '          service: { ports: [{ name: status-port, port: 15021 }, { name: tls, port: 15443 }] }\n' +
      '          proxyEnv:\n            ISTIO_META_ROUTER_MODE: sni-dnat\n            ISTIO_META_REQUESTED_NETWORK_VIEW: net-b\n',
  );
  const cluster = loadCluster(singleCluster(NEXT_NETWORK));
  const objects = manifests(cluster);

  it('becomes the environment of the gateway\'s istio-proxy container, sorted by name', () => {
    expect(proxy(objects, 'eastwest-next').env).toEqual([
      { name: 'ISTIO_META_REQUESTED_NETWORK_VIEW', value: 'net-b' },
      { name: 'ISTIO_META_ROUTER_MODE', value: 'sni-dnat' },
    ]);
    expect(proxy(objects).env).toBeUndefined();
  });

  it('merges key by key from defaults, as other maps do', () => {
    const { fleet } = loadFleetText(
      'fleet.yaml',
      'apiVersion: meshc.dev/v1alpha1\nkind: Fleet\ndefaults:\n  kubernetesVersion: "1.33"\n  istio: { version: "1.30.3" }\n' +
        '  gateways:\n    ingress: { proxyEnv: { A: "1", B: "2" } }\n' +
        'clusters:\n  - name: a\n    gateways:\n      ingress: { proxyEnv: { B: "3", C: "4" } }\n',
    );
    expect(proxy(manifests(fleet.clusters[0])).env).toEqual([
      { name: 'A', value: '1' },
      { name: 'B', value: '3' },
      { name: 'C', value: '4' },
    ]);
  });

  it('reaches the injected proxy beside what istiod sets there', () => {
    const pod = injected(cluster, 'eastwest-next');
    const env = pod.spec.containers.find((c: Manifest) => c.name === 'istio-proxy').env as Manifest[];
    const value = (name: string) => env.filter((e) => e.name === name).map((e) => e.value);
    expect(value('ISTIO_META_REQUESTED_NETWORK_VIEW')).toEqual(['net-b']);
    expect(value('ISTIO_META_ROUTER_MODE')).toEqual(['sni-dnat']);
    expect(value('ISTIO_META_CLUSTER_ID')).toEqual(['one']);
    expect(pod.metadata.labels['topology.istio.io/network']).toBe('net-b');
  });

  it('refuses exactly the names istiod writes on a gateway proxy for meshc', () => {
    // Every proxy metadata setting on, and a federation: all that meshc can make istiod write.
    const defaults = DEFAULTS.replace('  mesh: { dnsProxying: true }\n', '  mesh: { dnsProxying: true, dnsAutoAllocate: true, idleTimeout: 30m }\n');
    const east = loadTopology(topologyFleet({ defaults })).find((c) => c.name === 'east')!;
    const pod = injected(east);
    const env = pod.spec.containers.find((c: Manifest) => c.name === 'istio-proxy').env as Manifest[];
    const metadata = Object.keys(JSON.parse(env.find((e) => e.name === 'PROXY_CONFIG')!.value).proxyMetadata);
    expect(metadata.sort()).toEqual(['ISTIO_META_DNS_AUTO_ALLOCATE', 'ISTIO_META_DNS_CAPTURE', 'ISTIO_META_IDLE_TIMEOUT', 'PROXY_CONFIG_XDS_AGENT']);
    // ISTIO_BOOTSTRAP_OVERRIDE appears only on a pod with the sidecar.istio.io/bootstrapOverride annotation.
    expect([...GATEWAY_MANAGED_PROXY_ENV.keys()].sort()).toEqual([...new Set([...env.map((e) => e.name as string), 'ISTIO_BOOTSTRAP_OVERRIDE'])].sort());
    expect(Object.keys(GATEWAY_TEMPLATE_ENV_SOURCES).sort()).toEqual(proxyEnvNames('gateway').sort());
  });
});
