/**
 * What the fleet topology renders: for the 3-cluster fleet of test/support/topology-fleet.ts
 * (east + west in a multi-primary mesh on two networks, east federated with lab), and for a
 * primary-remote mesh. Objects are compared with expectations computed by hand from the fleet
 * file, and every Istio object is validated against the real CRDs of each supported release.
 */
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import type { ClusterConfig } from '../src/config/cluster-config';
import { renderClusterObjects, renderFleet } from '../src/render/render';
import { loadCrdValidator } from './support/crd-validator';
import { expectRestrictedPod, find, type Manifest } from './support/objects';
import { HEADER } from './support/fleet';
import { CORP_ROOT, DEFAULTS, fleet, LAB_ROOT, load } from './support/topology-fleet';

const objectsOf = (c: ClusterConfig): Manifest[] => renderClusterObjects(c).map((o) => o.manifest);
const meshOf = (objects: Manifest[]) => YAML.parse(find(objects, 'ConfigMap', 'istio').data.mesh);
const meshNetworksOf = (objects: Manifest[]) => YAML.parse(find(objects, 'ConfigMap', 'istio').data.meshNetworks);
const envOf = (objects: Manifest[], deployment: string): Record<string, string> =>
  Object.fromEntries(
    find(objects, 'Deployment', deployment)
      .spec.template.spec.containers[0].env.filter((e: Manifest) => 'value' in e)
      .map((e: Manifest) => [e.name, e.value]),
  );
const ids = (objects: Manifest[]) => objects.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`);

describe('federation and multi-primary mesh, rendered', () => {
  const clusters = load(fleet());
  const by = (name: string) => objectsOf(clusters.find((c) => c.name === name)!);
  const east = by('east');
  const west = by('west');
  const lab = by('lab');

  it('imports the peer\'s exported services: ServiceEntry to its federation gateway, ISTIO_MUTUAL DestinationRule', () => {
    // lab exports reports/api through fed.lab.example (a name: DNS resolution); east imports it.
    const se = find(east, 'ServiceEntry', 'fed-lab-reports-api');
    expect(se.metadata.namespace).toBe('istio-system');
    expect(se.spec).toEqual({
      hosts: ['api.reports.svc.lab.local'],
      location: 'MESH_INTERNAL',
      ports: [
        { number: 9000, name: 'grpc', protocol: 'GRPC' },
        { number: 9090, name: 'http-metrics', protocol: 'TCP' },
      ],
      resolution: 'DNS',
      endpoints: [{ address: 'fed.lab.example', ports: { grpc: 15443, 'http-metrics': 15443 } }],
    });
    expect(find(east, 'DestinationRule', 'fed-lab-reports-api').spec).toEqual({ host: 'api.reports.svc.lab.local', trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL' } } });

    // east exports shop/cart through an IP: STATIC resolution.
    expect(find(lab, 'ServiceEntry', 'fed-east-shop-cart').spec).toEqual({
      hosts: ['cart.shop.svc.cluster.local'],
      location: 'MESH_INTERNAL',
      ports: [{ number: 8080, name: 'http', protocol: 'HTTP' }],
      resolution: 'STATIC',
      endpoints: [{ address: '203.0.113.10', ports: { http: 15443 } }],
    });
    expect(find(lab, 'DestinationRule', 'fed-east-shop-cart').spec.trafficPolicy.tls.mode).toBe('ISTIO_MUTUAL');
    // west is not in the federation: it imports nothing.
    expect(west.filter((o) => o.kind === 'ServiceEntry' || o.kind === 'DestinationRule')).toEqual([]);
  });

  it('gives each member a federation gateway: 15443 AUTO_PASSTHROUGH for its own domain, externalTrafficPolicy Local', () => {
    for (const [objects, domain, type] of [[east, 'cluster.local', 'LoadBalancer'], [lab, 'lab.local', 'NodePort']] as const) {
      const gw = find(objects, 'Gateway', 'federation-gateway');
      expect(gw.spec).toEqual({
        selector: { app: 'istio-federation-gateway', istio: 'federation-gateway' },
        servers: [{ port: { number: 15443, name: 'tls', protocol: 'TLS' }, tls: { mode: 'AUTO_PASSTHROUGH' }, hosts: [`*.${domain}`] }],
      });
      const svc = find(objects, 'Service', 'istio-federation-gateway');
      expect(svc.spec.type).toBe(type);
      expect(svc.spec.externalTrafficPolicy).toBe('Local');
      expect(svc.spec.ports.map((p: Manifest) => [p.name, p.port])).toEqual([['status-port', 15021], ['tls', 15443]]);
      const deployment = find(objects, 'Deployment', 'istio-federation-gateway');
      expect(deployment.spec.template.metadata.labels).toMatchObject({ app: 'istio-federation-gateway', istio: 'federation-gateway' });
      expectRestrictedPod('federation gateway', deployment.spec.template.spec, expect);
    }
    expect(ids(west).filter((id) => id.includes('federation'))).toEqual([]);
  });

  it('trusts each peer root for its trust domains only, with istiod and the proxies set for several roots', () => {
    expect(meshOf(east).caCertificates).toEqual([{ pem: LAB_ROOT.trim() + '\n', trustDomains: ['lab.example'] }]);
    expect(meshOf(lab).caCertificates).toEqual([{ pem: CORP_ROOT.trim() + '\n', trustDomains: ['cluster.local'] }]);
    expect(meshOf(west).caCertificates).toBeUndefined();
    for (const [objects, federated] of [[east, true], [lab, true], [west, false]] as const) {
      expect(envOf(objects, 'istiod').ISTIO_MULTIROOT_MESH).toBe(federated ? 'true' : undefined);
      expect(meshOf(objects).defaultConfig.proxyMetadata?.PROXY_CONFIG_XDS_AGENT).toBe(federated ? 'true' : undefined);
    }
  });

  it('wires the mesh: cluster id, network, mesh id, meshNetworks, the network label', () => {
    for (const [objects, name, network] of [[east, 'east', 'net-east'], [west, 'west', 'net-west']] as const) {
      expect(envOf(objects, 'istiod').CLUSTER_ID).toBe(name);
      expect(meshOf(objects).defaultConfig.meshId).toBe('corp');
      expect(find(objects, 'Namespace', 'istio-system').metadata.labels['topology.istio.io/network']).toBe(network);
      expect(meshNetworksOf(objects)).toEqual({
        networks: {
          'net-east': { endpoints: [{ fromRegistry: 'east' }], gateways: [{ address: '203.0.113.1', port: 15443 }] },
          'net-west': { endpoints: [{ fromRegistry: 'west' }], gateways: [{ address: 'ew.west.example', port: 15443 }] },
        },
      });
      const injector = YAML.parse(find(objects, 'ConfigMap', 'istio-sidecar-injector').data.values);
      expect(injector.global).toMatchObject({ meshID: 'corp', network, multiCluster: { clusterName: name } });
    }
    expect(meshNetworksOf(lab)).toEqual({ networks: {} });
  });

  it('gives each member an east-west gateway passing *.local through on 15443, and no istiod exposure in multi-primary', () => {
    for (const [objects, network] of [[east, 'net-east'], [west, 'net-west']] as const) {
      expect(find(objects, 'Gateway', 'cross-network-gateway').spec).toEqual({
        selector: { app: 'istio-eastwestgateway', istio: 'eastwestgateway' },
        servers: [{ port: { number: 15443, name: 'tls', protocol: 'TLS' }, tls: { mode: 'AUTO_PASSTHROUGH' }, hosts: ['*.local'] }],
      });
      const svc = find(objects, 'Service', 'istio-eastwestgateway');
      expect(svc.spec.type).toBe('LoadBalancer');
      expect(svc.spec.ports.map((p: Manifest) => p.port)).toEqual([15021, 15443]);
      const pod = find(objects, 'Deployment', 'istio-eastwestgateway').spec.template;
      expect(pod.metadata.labels['topology.istio.io/network']).toBe(network);
      expect(pod.spec.containers[0].env).toEqual([{ name: 'ISTIO_META_REQUESTED_NETWORK_VIEW', value: network }]);
      expectRestrictedPod('east-west gateway', pod.spec, expect);
      expect(ids(objects).filter((id) => /\/(istiod-gateway|istiod-vs)$/.test(id))).toEqual([]);
    }
    expect(ids(lab).filter((id) => id.includes('eastwest') || id.includes('cross-network'))).toEqual([]);
  });

  it('reads each peer\'s API server through a remote secret filled by an ExternalSecret', () => {
    const es = find(east, 'ExternalSecret', 'istio-remote-secret-west');
    expect(es.apiVersion).toBe('external-secrets.io/v1');
    expect(es.metadata.namespace).toBe('istio-system');
    expect(es.spec).toEqual({
      refreshInterval: '1h',
      secretStoreRef: { kind: 'ClusterSecretStore', name: 'vault' },
      target: {
        name: 'istio-remote-secret-west',
        creationPolicy: 'Owner',
        template: { metadata: { labels: { 'istio/multiCluster': 'true' }, annotations: { 'networking.istio.io/cluster': 'west' } } },
      },
      data: [{ secretKey: 'west', remoteRef: { key: 'istio/remote/west' } }],
    });
    expect(find(west, 'ExternalSecret', 'istio-remote-secret-east').spec.data).toEqual([{ secretKey: 'east', remoteRef: { key: 'istio/remote/east' } }]);
    expect(ids(lab).filter((id) => id.includes('remote-secret'))).toEqual([]);
  });

  it('references the CA material and makes istiod wait for it', () => {
    for (const objects of [east, west, lab]) {
      const es = find(objects, 'ExternalSecret', 'cacerts');
      expect(es.spec.dataFrom).toEqual([{ extract: { key: 'istio/ca' } }]);
      expect(es.spec.target).toEqual({ name: 'cacerts', creationPolicy: 'Owner' });
      const volume = find(objects, 'Deployment', 'istiod').spec.template.spec.volumes.find((v: Manifest) => v.name === 'cacerts');
      expect(volume.secret).toEqual({ secretName: 'cacerts', optional: false });
    }
  });

  it('renders cert-manager intermediates and existing cacerts, and leaves istiod\'s own root alone without CA settings', () => {
    const certManager = load(fleet({ defaults: DEFAULTS.replace(/    ca:[\s\S]*$/, '    ca:\n      certManager: { issuer: { name: corp-root } }\n') }));
    const cert = find(objectsOf(certManager[0]), 'Certificate', 'cacerts');
    expect(cert.apiVersion).toBe('cert-manager.io/v1');
    expect(cert.spec).toMatchObject({ secretName: 'cacerts', isCA: true, issuerRef: { name: 'corp-root', kind: 'ClusterIssuer', group: 'cert-manager.io' } });
    expect(cert.spec.usages).toEqual(expect.arrayContaining(['cert sign']));

    const existing = load(fleet({ defaults: DEFAULTS.replace(/    ca:[\s\S]*$/, '    ca:\n      existingSecret: true\n      secretName: corp-istio-ca\n') }));
    const objects = objectsOf(existing[0]);
    expect(ids(objects).filter((id) => id.includes('cacerts') || id.includes('corp-istio-ca'))).toEqual([]);
    expect(find(objects, 'Deployment', 'istiod').spec.template.spec.volumes.find((v: Manifest) => v.name === 'cacerts').secret).toEqual({ secretName: 'corp-istio-ca', optional: false });

    const single = load(`${HEADER}clusters:\n  - name: solo\n    kubernetesVersion: "1.33"\n    istio: { version: "1.30.3" }\n`);
    const solo = objectsOf(single[0]);
    expect(find(solo, 'Deployment', 'istiod').spec.template.spec.volumes.find((v: Manifest) => v.name === 'cacerts').secret.optional).toBe(true);
    expect(renderClusterObjects(single[0]).filter((o) => o.layer === 'fleet')).toEqual([]);
  });

  it('puts the wiring in the fleet layer, the CA material with the control plane', () => {
    const layers = renderClusterObjects(clusters.find((c) => c.name === 'east')!);
    const layerOf = (kind: string, name: string) => layers.find((o) => o.manifest.kind === kind && (o.manifest as Manifest).metadata.name === name)!.layer;
    expect(layerOf('ServiceEntry', 'fed-lab-reports-api')).toBe('fleet');
    expect(layerOf('Gateway', 'cross-network-gateway')).toBe('fleet');
    expect(layerOf('ExternalSecret', 'istio-remote-secret-west')).toBe('fleet');
    expect(layerOf('ExternalSecret', 'cacerts')).toBe('control-plane');
    expect(layerOf('Deployment', 'istio-eastwestgateway')).toBe('gateways');
  });

  it('names imported objects distinctly even when names with dashes read alike', () => {
    const text = fleet().replace('          - namespace: reports\n            name: api\n', '          - namespace: reports\n            name: api\n            ports: [{ name: grpc, port: 9000, protocol: GRPC }]\n          - namespace: reports-api\n            name: x\n            ports: [{ name: tcp, port: 1 }]\n          - namespace: reports\n            name: api-x\n');
    const east2 = objectsOf(load(text).find((c) => c.name === 'east')!);
    const names = east2.filter((o) => o.kind === 'ServiceEntry').map((o) => o.metadata.name);
    expect(names).toHaveLength(3);
    expect(new Set(names).size).toBe(3);
    for (const n of names) expect(n).toMatch(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
  });
});

const PRIMARY_REMOTE = (addresses: string) => `${DEFAULTS}clusters:
  - name: hub
    network: net-1
    podCIDRs: [10.0.0.0/16]
    serviceCIDRs: [10.100.0.0/16]
  - name: spoke
    network: net-1
    podCIDRs: [10.1.0.0/16]
    serviceCIDRs: [10.101.0.0/16]
meshes:
  edge:
    model: primary-remote
    primary: hub
    clusters: [hub, spoke]
    eastWestGateway:
      addresses:
        hub: ${addresses}
    remoteSecrets:
      existingSecret: true
`;

describe('primary-remote mesh, rendered', () => {
  const clusters = load(HEADER + PRIMARY_REMOTE('[198.51.100.7, "2001:db8::7"]'));
  const hub = objectsOf(clusters.find((c) => c.name === 'hub')!);
  const spoke = objectsOf(clusters.find((c) => c.name === 'spoke')!);

  it('exposes the primary\'s istiod on its east-west gateway and lets it act in the remote', () => {
    expect(find(hub, 'Gateway', 'istiod-gateway').spec).toEqual({
      selector: { app: 'istio-eastwestgateway', istio: 'eastwestgateway' },
      servers: [
        { port: { number: 15012, name: 'tls-istiod', protocol: 'TLS' }, tls: { mode: 'PASSTHROUGH' }, hosts: ['*'] },
        { port: { number: 15017, name: 'tls-istiodwebhook', protocol: 'TLS' }, tls: { mode: 'PASSTHROUGH' }, hosts: ['*'] },
      ],
    });
    expect(find(hub, 'VirtualService', 'istiod-vs').spec).toEqual({
      hosts: ['*'],
      gateways: ['istiod-gateway'],
      tls: [
        { match: [{ port: 15012, sniHosts: ['*'] }], route: [{ destination: { host: 'istiod.istio-system.svc.cluster.local', port: { number: 15012 } } }] },
        { match: [{ port: 15017, sniHosts: ['*'] }], route: [{ destination: { host: 'istiod.istio-system.svc.cluster.local', port: { number: 443 } } }] },
      ],
    });
    expect(find(hub, 'Service', 'istio-eastwestgateway').spec.ports.map((p: Manifest) => p.port)).toEqual([15021, 15443, 15012, 15017]);
    expect(envOf(hub, 'istiod').EXTERNAL_ISTIOD).toBe('true');
    // One network: no cross-network routing needed, and meshNetworks lists the registries only.
    expect(meshNetworksOf(hub)).toEqual({ networks: { 'net-1': { endpoints: [{ fromRegistry: 'hub' }, { fromRegistry: 'spoke' }] } } });
    // existingSecret: the remote secret is someone else's to create.
    expect(ids(hub).filter((id) => id.includes('remote-secret'))).toEqual([]);
  });

  it('runs no istiod in the remote: its Service points at the primary, its webhooks name the remote', () => {
    expect(spoke.filter((o) => o.kind === 'Deployment' && o.metadata.name.startsWith('istiod'))).toEqual([]);
    expect(spoke.filter((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('istio-sidecar-injector'))).toEqual([]);
    const svc = find(spoke, 'Service', 'istiod');
    expect(svc.spec.selector).toBeUndefined();
    expect(svc.spec.ports.map((p: Manifest) => [p.name, p.port])).toEqual([['tls-istiod', 15012], ['https-webhook', 15017]]);
    const v4 = find(spoke, 'EndpointSlice', 'istiod-primary-ipv4');
    expect(v4).toMatchObject({ addressType: 'IPv4', endpoints: [{ addresses: ['198.51.100.7'] }] });
    expect(v4.metadata.labels['kubernetes.io/service-name']).toBe('istiod');
    expect(find(spoke, 'EndpointSlice', 'istiod-primary-ipv6')).toMatchObject({ addressType: 'IPv6', endpoints: [{ addresses: ['2001:db8::7'] }] });

    const injection = find(spoke, 'MutatingWebhookConfiguration', 'istio-sidecar-injector');
    for (const w of injection.webhooks) {
      expect(w.clientConfig.service).toEqual({ name: 'istiod', namespace: 'istio-system', path: '/inject/cluster/spoke/net/net-1', port: 15017 });
    }
    expect(find(spoke, 'ValidatingWebhookConfiguration', 'istio-validator-istio-system').webhooks[0].clientConfig.service).toEqual({ name: 'istiod', namespace: 'istio-system', path: '/validate', port: 15017 });
    const role = find(spoke, 'ClusterRole', 'istio-reader-external-istiod-istio-system');
    expect(role.rules).toEqual([
      { apiGroups: ['admissionregistration.k8s.io'], resources: ['mutatingwebhookconfigurations', 'validatingwebhookconfigurations'], verbs: ['get', 'list', 'watch', 'update', 'patch'] },
      { apiGroups: [''], resources: ['configmaps'], verbs: ['create', 'update', 'patch'] },
    ]);
    expect(find(spoke, 'ClusterRoleBinding', 'istio-reader-external-istiod-istio-system').subjects).toEqual([{ kind: 'ServiceAccount', name: 'istio-reader-service-account', namespace: 'istio-system' }]);
    expect(find(spoke, 'Namespace', 'istio-system').metadata.labels['topology.istio.io/network']).toBe('net-1');
  });

  it('reaches a primary known by DNS name through an ExternalName Service', () => {
    const named = load(HEADER + PRIMARY_REMOTE('[ew.hub.example]'));
    const svc = find(objectsOf(named.find((c) => c.name === 'spoke')!), 'Service', 'istiod');
    expect(svc.spec).toMatchObject({ type: 'ExternalName', externalName: 'ew.hub.example' });
  });
});

describe('fleet wiring against upstream', () => {
  const rendered = [...load(fleet()), ...load(HEADER + PRIMARY_REMOTE('[198.51.100.7]'))].flatMap(objectsOf);
  const istio = rendered.filter((o) => o.apiVersion.includes('istio.io'));

  it.each(['1.28.10', '1.29.6', '1.30.3'])('validates every Istio object against the %s CRDs', (version) => {
    const validator = loadCrdValidator(version);
    const kinds = new Set(istio.map((o) => o.kind));
    for (const kind of ['Gateway', 'ServiceEntry', 'DestinationRule', 'VirtualService']) expect(kinds).toContain(kind);
    expect(istio.flatMap((o) => validator.validate(o))).toEqual([]);
  });

  it('renders no secret material anywhere', () => {
    const text = [...renderFleet({ clusters: load(fleet()) }).values()].join('\n');
    expect(text).not.toMatch(/PRIVATE KEY/);
    expect(text).not.toMatch(/^kind: Secret$/m);
    expect(text).not.toMatch(/client-key-data|client-certificate-data|\btoken:|password/i);
  });
});
