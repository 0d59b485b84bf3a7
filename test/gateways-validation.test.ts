/**
 * Broken gateway settings: every error names file, line, column and field, comes with all the
 * others at once, and says what to do.
 */
import { describe, expect, it } from 'vitest';
import { loadFleetText } from '../src/pipeline';
import { HEADER, rejectionOf } from './support/fleet';

/** A cluster whose `gateways:` starts on line 7, so its settings begin on line 8. */
const CLUSTER = `${HEADER}clusters:\n  - name: a\n    kubernetesVersion: "1.33"\n    istio: { version: "1.30.3" }\n    gateways:\n`;

const errorsOf = (text: string) => rejectionOf(text);

const cases: { name: string; yaml: string; errors: string[] }[] = [
  {
    name: 'unknown gateway field, with a suggestion',
    yaml: '      ingress:\n        replcias: 2\n',
    errors: ['fleet.yaml:9:9: error: clusters[0].gateways.ingress.replcias: unknown field "replcias"; did you mean "replicas"?'],
  },
  {
    name: 'unknown server field',
    yaml: '      ingress:\n        servers:\n          - { name: a, protocol: HTTP, hosts: [a.example], hots: [] }\n',
    errors: ['fleet.yaml:10:60: error: clusters[0].gateways.ingress.servers[0].hots: unknown field "hots"; allowed: name, protocol, port, hosts, tls, certificate'],
  },
  {
    name: 'named gateway that is not a DNS label',
    yaml: '      named:\n        Internal_GW: {}\n',
    errors: ['fleet.yaml:9:9: error: clusters[0].gateways.named.Internal_GW: invalid field name: "Internal_GW" does not match the pattern ^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$'],
  },
  {
    name: 'service type with a suggestion',
    yaml: '      ingress:\n        service: { type: LoadBalancr }\n',
    errors: ['fleet.yaml:9:26: error: clusters[0].gateways.ingress.service.type: "LoadBalancr" is not one of LoadBalancer, NodePort, ClusterIP; did you mean "LoadBalancer"?'],
  },
  {
    name: 'client certificate handling with a suggestion',
    yaml: '      forwardClientCertDetails: SANITISE_SET\n',
    errors: [
      'fleet.yaml:8:33: error: clusters[0].gateways.forwardClientCertDetails: "SANITISE_SET" is not one of SANITIZE, FORWARD_ONLY, APPEND_FORWARD, SANITIZE_SET, ALWAYS_FORWARD_ONLY; did you mean "SANITIZE_SET"?',
    ],
  },
  {
    name: 'negative trusted proxy count',
    yaml: '      numTrustedProxies: -1\n',
    errors: ['fleet.yaml:8:26: error: clusters[0].gateways.numTrustedProxies: must be >= 0, got -1'],
  },
  {
    name: 'server host that is a URL',
    yaml: '      ingress:\n        servers:\n          - { name: a, protocol: HTTP, hosts: ["https://a.example"] }\n',
    errors: [
      'fleet.yaml:10:48: error: clusters[0].gateways.ingress.servers[0].hosts[0]: must be a host such as shop.example.com or *.example.com, optionally prefixed with a namespace: team-a/shop.example.com, got "https://a.example"',
    ],
  },
  {
    name: 'server without hosts or protocol',
    yaml: '      ingress:\n        servers:\n          - { name: a, protocol: HTTP, hosts: [] }\n          - { name: b, hosts: [b.example] }\n',
    errors: [
      'fleet.yaml:10:47: error: clusters[0].gateways.ingress.servers[0].hosts: must not be an empty list',
      'fleet.yaml:11:13: error: clusters[0].gateways.ingress.servers[1].protocol: missing required field "protocol"',
    ],
  },
  {
    name: 'credential name that is not a Secret name',
    yaml: '      ingress:\n        servers:\n          - { name: a, protocol: HTTPS, hosts: [a.example], tls: { credentialName: "My Secret" } }\n',
    errors: ['fleet.yaml:10:84: error: clusters[0].gateways.ingress.servers[0].tls.credentialName: must be the name of a Secret, got "My Secret"'],
  },
  {
    name: 'key material instead of a Secret name',
    yaml:
      '      ingress:\n        servers:\n          - name: a\n            protocol: HTTPS\n            hosts: [a.example]\n            tls:\n' +
      '              credentialName: |\n                -----BEGIN PRIVATE KEY-----\n                MIIE\n                -----END PRIVATE KEY-----\n',
    errors: [
      'fleet.yaml:15:17: error: clusters[0].gateways.ingress.servers[0].tls.credentialName: a PEM private key is not allowed in the fleet file: reference secret material (existing Secret, ExternalSecret, SealedSecret) instead',
    ],
  },
  {
    name: 'CIDRs that are not written like one',
    yaml: '      ingress:\n        service:\n          loadBalancerSourceRanges: [10.0.0/8]\n',
    errors: ['fleet.yaml:10:38: error: clusters[0].gateways.ingress.service.loadBalancerSourceRanges[0]: must be a CIDR such as 203.0.113.0/24, got "10.0.0/8"'],
  },
  {
    name: 'CIDRs that look like one but are not',
    yaml: '      ingress:\n        service:\n          loadBalancerSourceRanges: [999.1.1.1/8, 10.0.0.0/40, "2001:db8::/129"]\n',
    errors: [
      'fleet.yaml:10:38: error: clusters[0].gateways.ingress.service.loadBalancerSourceRanges[0]: cluster "a": "999.1.1.1/8" is not a CIDR: 999.1.1.1 is not an IP address',
      'fleet.yaml:10:51: error: clusters[0].gateways.ingress.service.loadBalancerSourceRanges[1]: cluster "a": "10.0.0.0/40" is not a CIDR: the prefix length is at most 32',
      'fleet.yaml:10:64: error: clusters[0].gateways.ingress.service.loadBalancerSourceRanges[2]: cluster "a": "2001:db8::/129" is not a CIDR: the prefix length is at most 128',
    ],
  },
  {
    name: 'autoscale bounds crossed with the default maximum',
    yaml: '      ingress:\n        autoscale: { min: 6 }\n',
    errors: ['fleet.yaml:9:27: error: clusters[0].gateways.ingress.autoscale.min: cluster "a": ingress gateway autoscale.min (6) is greater than autoscale.max (5)'],
  },
  {
    name: 'load balancer settings on a ClusterIP Service',
    yaml:
      '      egress:\n        enabled: true\n        service:\n          loadBalancerSourceRanges: [10.0.0.0/8]\n          externalTrafficPolicy: Local\n' +
      '          ports: [{ name: http, port: 80, nodePort: 30080 }]\n',
    errors: [
      'fleet.yaml:11:37: error: clusters[0].gateways.egress.service.loadBalancerSourceRanges: cluster "a": loadBalancerSourceRanges needs service type LoadBalancer, not ClusterIP',
      'fleet.yaml:12:34: error: clusters[0].gateways.egress.service.externalTrafficPolicy: cluster "a": externalTrafficPolicy applies to service types NodePort and LoadBalancer, not ClusterIP',
      'fleet.yaml:13:53: error: clusters[0].gateways.egress.service.ports[0].nodePort: cluster "a": nodePort needs service type NodePort or LoadBalancer, not ClusterIP',
    ],
  },
  {
    name: 'service ports used twice',
    yaml: '      ingress:\n        service:\n          ports: [{ name: http, port: 80 }, { name: http, port: 8080 }, { name: web, port: 80 }]\n',
    errors: [
      'fleet.yaml:10:53: error: clusters[0].gateways.ingress.service.ports[1].name: cluster "a": service port name "http" is used twice (ports[0] and ports[1])',
      'fleet.yaml:10:92: error: clusters[0].gateways.ingress.service.ports[2].port: cluster "a": service port 80/TCP is used twice (ports[0] and ports[2])',
    ],
  },
  {
    name: 'servers that contradict themselves or each other',
    yaml:
      '      ingress:\n        servers:\n' +
      '          - { name: a, protocol: HTTPS, hosts: [a.example] }\n' +
      '          - { name: b, protocol: HTTPS, hosts: [b.example], tls: { credentialName: b, httpsRedirect: true } }\n' +
      '          - { name: c, protocol: HTTP, hosts: [c.example], tls: { credentialName: c, mode: MUTUAL }, certificate: { issuer: x } }\n' +
      '          - { name: a, protocol: HTTP, port: 8080, hosts: [d.example] }\n' +
      '          - { name: e, protocol: HTTP, port: 443, hosts: [e.example] }\n' +
      '          - { name: f, protocol: HTTPS, hosts: [b.example], tls: { credentialName: f } }\n' +
      '          - { name: g, protocol: HTTPS, hosts: ["*"], tls: { credentialName: g }, certificate: { issuer: x } }\n',
    errors: [
      'fleet.yaml:10:34: error: clusters[0].gateways.ingress.servers[0].protocol: cluster "a": HTTPS server "a" needs tls.credentialName: the name of the Secret holding its certificate',
      'fleet.yaml:11:102: error: clusters[0].gateways.ingress.servers[1].tls.httpsRedirect: cluster "a": httpsRedirect applies to HTTP servers: it sends their clients to HTTPS',
      'fleet.yaml:12:83: error: clusters[0].gateways.ingress.servers[2].tls.credentialName: cluster "a": credentialName applies to HTTPS servers; an HTTP server carries no certificate',
      'fleet.yaml:12:92: error: clusters[0].gateways.ingress.servers[2].tls.mode: cluster "a": tls.mode applies to HTTPS servers',
      'fleet.yaml:12:115: error: clusters[0].gateways.ingress.servers[2].certificate: cluster "a": a certificate applies to HTTPS servers',
      'fleet.yaml:13:21: error: clusters[0].gateways.ingress.servers[3].name: cluster "a": server name "a" is used twice (servers[0] and servers[3])',
      'fleet.yaml:13:46: error: clusters[0].gateways.ingress.servers[3].port: cluster "a": server "a" listens on port 8080, which is not a TCP port of the gateway\'s Service (15021, 80, 443)',
      'fleet.yaml:14:34: error: clusters[0].gateways.ingress.servers[4].protocol: cluster "a": server "e" serves HTTP on port 443, where servers[0] serves HTTPS; a port carries one protocol',
      'fleet.yaml:15:48: error: clusters[0].gateways.ingress.servers[5].hosts: cluster "a": host b.example is served over HTTPS on port 443 by servers[1] already; a client\'s SNI must pick one certificate',
      'fleet.yaml:16:48: error: clusters[0].gateways.ingress.servers[6].hosts: cluster "a": a certificate cannot be issued for the host *; list the host names the certificate covers',
    ],
  },
  {
    name: 'a named gateway taking the ingress gateway\'s name',
    yaml: '      named:\n        istio-ingressgateway: { namespace: other }\n',
    errors: [
      'fleet.yaml:9:31: error: clusters[0].gateways.named.istio-ingressgateway: cluster "a": gateway name "istio-ingressgateway" is already used by the ingress gateway; gateway names are unique in a cluster',
    ],
  },
  {
    name: 'two gateways selecting the same pods',
    yaml: '      named:\n        internal:\n          labels: { istio: ingressgateway, app: istio-ingressgateway }\n          namespace: other\n',
    errors: [
      'fleet.yaml:10:19: error: clusters[0].gateways.named.internal.labels: cluster "a": gateway "internal" and the ingress gateway select the same pods (app=istio-ingressgateway, istio=ingressgateway); give one of them distinct labels app or istio',
    ],
  },
  {
    name: 'labels and annotations meshc sets',
    yaml:
      '      ingress:\n        labels: { app.kubernetes.io/managed-by: me }\n        podLabels: { istio: x, sidecar.istio.io/inject: "false" }\n' +
      '        podAnnotations: { inject.istio.io/templates: sidecar, meshc.dev/gateway-config-hash: x }\n',
    errors: [
      'fleet.yaml:9:49: error: clusters[0].gateways.ingress.labels.app.kubernetes.io/managed-by: cluster "a": label app.kubernetes.io/managed-by is set by meshc and cannot be overridden',
      'fleet.yaml:10:29: error: clusters[0].gateways.ingress.podLabels.istio: cluster "a": pod label istio is set by meshc; set it in `labels`, which also selects the pods',
      'fleet.yaml:10:57: error: clusters[0].gateways.ingress.podLabels.sidecar.istio.io/inject: cluster "a": pod label sidecar.istio.io/inject is set by meshc and cannot be overridden',
      'fleet.yaml:11:54: error: clusters[0].gateways.ingress.podAnnotations.inject.istio.io/templates: cluster "a": pod annotation inject.istio.io/templates is set by meshc and cannot be overridden',
      'fleet.yaml:11:94: error: clusters[0].gateways.ingress.podAnnotations.meshc.dev/gateway-config-hash: cluster "a": pod annotation meshc.dev/gateway-config-hash is set by meshc and cannot be overridden',
    ],
  },
  {
    name: 'a ProxyConfig annotation where meshc needs one',
    yaml: '      ingress:\n        proxyProtocol: true\n        podAnnotations: { proxy.istio.io/config: "concurrency: 2" }\n',
    errors: [
      'fleet.yaml:10:50: error: clusters[0].gateways.ingress.podAnnotations.proxy.istio.io/config: cluster "a": pod annotation proxy.istio.io/config is set by meshc for this gateway\'s proxyProtocol, numTrustedProxies and forwardClientCertDetails and cannot be set as well',
    ],
  },
  {
    name: 'proxy env meshc sets on the proxy, each with the setting it comes from',
    yaml:
      '      named:\n        edge:\n          proxyEnv:\n' +
      '            ISTIO_META_NETWORK: other\n            CA_ADDR: ca.example:443\n            GOMAXPROCS: "4"\n' +
      '            ISTIO_META_DNS_CAPTURE: "false"\n            PROXY_CONFIG_XDS_AGENT: "false"\n            ISTIO_META_REQUESTED_NETWORK_VIEW: net-b\n',
    errors: [
      'fleet.yaml:11:33: error: clusters[0].gateways.named.edge.proxyEnv.ISTIO_META_NETWORK: cluster "a": proxy env ISTIO_META_NETWORK is set by meshc from `network` and cannot be overridden',
      'fleet.yaml:12:22: error: clusters[0].gateways.named.edge.proxyEnv.CA_ADDR: cluster "a": proxy env CA_ADDR is set by meshc from `controlPlane.caAddress` and cannot be overridden',
      'fleet.yaml:13:25: error: clusters[0].gateways.named.edge.proxyEnv.GOMAXPROCS: cluster "a": proxy env GOMAXPROCS is set by meshc from the gateway\'s `resources.limits.cpu` and cannot be overridden',
      'fleet.yaml:14:37: error: clusters[0].gateways.named.edge.proxyEnv.ISTIO_META_DNS_CAPTURE: cluster "a": proxy env ISTIO_META_DNS_CAPTURE is set by meshc from `mesh.dnsProxying` and cannot be overridden',
      'fleet.yaml:15:37: error: clusters[0].gateways.named.edge.proxyEnv.PROXY_CONFIG_XDS_AGENT: cluster "a": proxy env PROXY_CONFIG_XDS_AGENT is set by meshc from `federations` (the peers\' roots reach the proxies through it) and cannot be overridden',
    ],
  },
  {
    name: 'proxy env that is not a variable name',
    yaml: '      ingress:\n        proxyEnv: { 9LIVES: x }\n',
    errors: ['fleet.yaml:9:21: error: clusters[0].gateways.ingress.proxyEnv.9LIVES: invalid field name: "9LIVES" does not match the pattern ^[A-Za-z_][A-Za-z0-9_]*$'],
  },
  {
    name: 'two Certificates for one Secret',
    yaml:
      '      ingress:\n        servers:\n          - { name: a, protocol: HTTPS, hosts: [a.example], tls: { credentialName: shared }, certificate: { issuer: x } }\n' +
      '      named:\n        internal:\n          servers:\n            - { name: b, protocol: HTTPS, hosts: [b.example], tls: { credentialName: shared }, certificate: { issuer: x } }\n',
    errors: [
      'fleet.yaml:14:109: error: clusters[0].gateways.named.internal.servers[0].certificate: cluster "a": Secret istio-ingress/shared already gets a certificate from server "a" of the ingress gateway; let one server request it and the others only name it in tls.credentialName',
    ],
  },
];

describe('invalid gateway settings', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_, c) => {
    expect(errorsOf(CLUSTER + c.yaml)).toEqual(c.errors);
  });

  it('points at defaults when the bad value comes from there, and only for the clusters it breaks', () => {
    const text =
      `${HEADER}defaults:\n  kubernetesVersion: "1.33"\n  istio: { version: "1.30.3" }\n  gateways:\n    named:\n      edge:\n        autoscale: { min: 6 }\n` +
      'clusters:\n  - name: a\n  - name: b\n    gateways:\n      named:\n        edge: { autoscale: { max: 8 } }\n';
    expect(errorsOf(text)).toEqual([
      'fleet.yaml:9:27: error: defaults.gateways.named.edge.autoscale.min: cluster "a": gateway "edge" autoscale.min (6) is greater than autoscale.max (5)',
    ]);
  });

  it('accepts a ProxyConfig annotation of its own where meshc sets none', () => {
    expect(() => loadFleetText('fleet.yaml', `${CLUSTER}      ingress:\n        podAnnotations: { proxy.istio.io/config: "concurrency: 2" }\n`)).not.toThrow();
  });
});
