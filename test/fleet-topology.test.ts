/**
 * Fleet topology resolution: a 3-cluster fleet (a two-cluster multi-primary mesh, one of its
 * clusters federated with a third) resolves to hand-computed wiring, and every check fires on
 * a crafted fleet, at the line that caused it.
 */
import { describe, expect, it } from 'vitest';
import { formatDiagnostic, InputError } from '../src/config/diagnostic';
import { importedObjectName, importedObjectNames } from '../src/fleet/resolve-wiring';
import { loadFleetText } from '../src/pipeline';
import { CLUSTERS, CORP_ROOT, DEFAULTS, FEDERATIONS, fleet, LAB_ROOT, load, MESHES, readFile } from './support/topology-fleet';

function errors(text: string): string[] {
  try {
    loadFleetText('fleet.yaml', text, { readFile });
  } catch (err) {
    if (err instanceof InputError) return err.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic);
    throw err;
  }
  throw new Error('expected the fleet to be rejected');
}

describe('a two-cluster mesh and a federation', () => {
  const clusters = load(fleet());
  const by = (name: string) => clusters.find((c) => c.name === name)!;

  it('wires the multi-primary mesh: networks, gateways, remote secrets, mesh id', () => {
    const east = by('east').wiring.multicluster!;
    expect(east).toEqual({
      mesh: 'corp',
      model: 'multi-primary',
      role: 'primary',
      network: 'net-east',
      eastWestGateway: { name: 'istio-eastwestgateway', namespace: 'istio-system', serviceType: 'LoadBalancer', addresses: [{ address: '203.0.113.1', kind: 'ip' }] },
      networks: [
        { network: 'net-east', clusters: ['east'], gateways: [{ address: '203.0.113.1', kind: 'ip' }] },
        { network: 'net-west', clusters: ['west'], gateways: [{ address: 'ew.west.example', kind: 'hostname' }] },
      ],
      remoteSecrets: [{ cluster: 'west', secretName: 'istio-remote-secret-west', source: { kind: 'external-secret', store: { kind: 'ClusterSecretStore', name: 'vault' }, remoteKey: 'istio/remote/west' } }],
    });
    expect(by('west').wiring.multicluster!.remoteSecrets.map((s) => s.cluster)).toEqual(['east']);
    expect(by('east').meshId).toBe('corp');
    expect(by('lab').wiring.multicluster).toBeUndefined();
    expect(by('east').wiring.ca).toEqual({ kind: 'external-secret', secretName: 'cacerts', store: { kind: 'ClusterSecretStore', name: 'vault' }, remoteKey: 'istio/ca' });
  });

  it('adds an east-west gateway on the cluster\'s network, as a gateway like the others', () => {
    const ew = by('west').gateways.gateways.find((g) => g.name === 'istio-eastwestgateway')!;
    expect(ew.role).toBe('eastwest');
    expect(ew.namespace).toBe('istio-system');
    expect(ew.labels).toMatchObject({ 'topology.istio.io/network': 'net-west' });
    expect(ew.selector).toEqual({ app: 'istio-eastwestgateway', istio: 'eastwestgateway' });
    expect(ew.service.ports.map((p) => [p.name, p.port])).toEqual([['status-port', 15021], ['tls', 15443]]);
    expect(ew.proxyEnv).toEqual({ ISTIO_META_REQUESTED_NETWORK_VIEW: 'net-west' });
    expect(by('lab').gateways.gateways.some((g) => g.role === 'eastwest')).toBe(false);
  });

  it('imports every other member\'s exported services with stable names, STATIC for IPs and DNS for names', () => {
    expect(by('east').wiring.federation!.imported).toEqual([
      {
        fromCluster: 'lab',
        namespace: 'reports',
        name: 'api',
        host: 'api.reports.svc.lab.local',
        ports: [{ name: 'grpc', number: 9000, protocol: 'GRPC' }, { name: 'http-metrics', number: 9090, protocol: 'TCP' }],
        endpoints: [{ address: 'fed.lab.example', kind: 'hostname' }],
        objectName: 'fed-lab-reports-api',
      },
    ]);
    expect(by('lab').wiring.federation!.imported).toEqual([
      {
        fromCluster: 'east',
        namespace: 'shop',
        name: 'cart',
        host: 'cart.shop.svc.cluster.local',
        ports: [{ name: 'http', number: 8080, protocol: 'HTTP' }],
        endpoints: [{ address: '203.0.113.10', kind: 'ip' }],
        objectName: 'fed-east-shop-cart',
      },
    ]);
    expect(by('west').wiring.federation).toBeUndefined();
  });

  it('trusts the other members\' roots for their trust domains, and exposes its own domain on the federation gateway', () => {
    const lab = by('lab').wiring.federation!;
    expect(lab.trustedRoots).toEqual([{ cluster: 'east', trustDomains: ['cluster.local'], pem: CORP_ROOT.trim() + '\n' }]);
    expect(lab.gateway).toEqual({ name: 'istio-federation-gateway', namespace: 'istio-system', serviceType: 'NodePort', hosts: ['*.lab.local'] });
    expect(by('east').wiring.federation!.trustedRoots[0].pem).toBe(LAB_ROOT.trim() + '\n');
    const gw = by('lab').gateways.gateways.find((g) => g.name === 'istio-federation-gateway')!;
    expect(gw.service).toMatchObject({ type: 'NodePort', externalTrafficPolicy: 'Local' });
    expect(gw.service.ports.map((p) => p.port)).toEqual([15021, 15443]);
  });

  it('keeps object names DNS labels and distinct', () => {
    const long = importedObjectName('a-very-long-cluster-name', 'a-very-long-namespace-name', 'a-very-long-service-name');
    expect(long.length).toBeLessThanOrEqual(63);
    expect(long).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    expect(importedObjectName('a-very-long-cluster-name', 'a-very-long-namespace-name', 'a-very-long-service-name2')).not.toBe(long);
    // Dashes make `a-b`/`c` and `a`/`b-c` read alike: both get a hash of what they name.
    const names = importedObjectNames([
      { fromCluster: 'a-b', namespace: 'c', name: 'svc' },
      { fromCluster: 'a', namespace: 'b-c', name: 'svc' },
      { fromCluster: 'a', namespace: 'x', name: 'svc' },
    ]);
    expect(new Set(names).size).toBe(3);
    expect(names[0]).toMatch(/^fed-a-b-c-svc-[0-9a-f]{8}$/);
    expect(names[2]).toBe('fed-a-x-svc');
  });
});

describe('primary-remote', () => {
  const meshes = `meshes:
  corp:
    model: primary-remote
    primary: east
    clusters: [east, west]
    eastWestGateway:
      addresses:
        east: [203.0.113.1]
        west: [203.0.113.2]
    remoteSecrets:
      existingSecret: true
`;
  const clusters = load(fleet({ meshes, federations: '' }));

  it('gives the primary the remote\'s secret and exposes istiod; the remote uses the primary', () => {
    const east = clusters.find((c) => c.name === 'east')!.wiring.multicluster!;
    const west = clusters.find((c) => c.name === 'west')!.wiring.multicluster!;
    expect(east.role).toBe('primary');
    expect(east.eastWestGateway.istiodService).toBe('istiod');
    expect(east.remoteSecrets).toEqual([{ cluster: 'west', secretName: 'istio-remote-secret-west', source: { kind: 'existing-secret' } }]);
    expect(west).toMatchObject({ role: 'remote', primary: { cluster: 'east', addresses: [{ address: '203.0.113.1', kind: 'ip' }] }, remoteSecrets: [] });
    const ew = clusters.find((c) => c.name === 'east')!.gateways.gateways.find((g) => g.role === 'eastwest')!;
    expect(ew.service.ports.map((p) => p.port)).toEqual([15021, 15443, 15012, 15017]);
  });
});

describe('topology checks', () => {
  it('names unknown clusters, with a suggestion', () => {
    expect(errors(fleet({ meshes: MESHES.replace('[east, west]', '[east, wset]') }))).toEqual([
      expect.stringMatching(/^fleet\.yaml:\d+:\d+: error: meshes\.corp\.clusters\[1\]: unknown cluster "wset"; did you mean "west"\?$/),
      expect.stringContaining('west" has east-west gateway addresses but is not in mesh "corp"'),
    ]);
    expect(errors(fleet({ federations: FEDERATIONS.replace('cluster: lab', 'cluster: labs') }))[0]).toMatch(/federations\.partners\.members\[1\]\.cluster: unknown cluster "labs"; did you mean "lab"\?$/);
  });

  it('refuses a cluster in two meshes or two federations', () => {
    const two = MESHES + `  other:\n    clusters: [west, lab]\n    remoteSecrets: { existingSecret: true }\n`;
    expect(errors(fleet({ meshes: two }))).toContainEqual(expect.stringMatching(/meshes\.other\.clusters\[0\]: cluster "west" is already in mesh "corp"; a cluster belongs to one mesh$/));
    const fed2 = FEDERATIONS + `  more:\n    members:\n      - cluster: lab\n        gateway: { addresses: [1.2.3.4] }\n        rootCertificate: { file: certs/lab-root.pem }\n      - cluster: west\n        gateway: { addresses: [1.2.3.5] }\n        rootCertificate: { file: certs/lab-root.pem }\n`;
    expect(errors(fleet({ federations: fed2 }))).toContainEqual(expect.stringMatching(/federations\.more\.members\[0\]\.cluster: cluster "lab" is already in federation "partners"/));
  });

  it('refuses members of one federation sharing a cluster domain or trust domain', () => {
    const clusters = CLUSTERS.replace('clusterDomain: lab.local', 'clusterDomain: cluster.local').replace('trustDomain: lab.example', 'trustDomain: cluster.local');
    expect(errors(fleet({ clusters }))).toEqual([
      expect.stringMatching(/members\[1\]\.cluster: federation "partners": clusters "east" and "lab" share the cluster domain "cluster\.local"/),
      expect.stringMatching(/members\[1\]\.cluster: federation "partners": clusters "east" and "lab" share the trust domain "cluster\.local"/),
    ]);
  });

  it('refuses members of one mesh with different trust domains or cluster domains, at the differing line', () => {
    const clusters = CLUSTERS.replace('    network: net-west\n', '    network: net-west\n    trustDomain: west.example\n    clusterDomain: west.local\n');
    const out = errors(fleet({ clusters }));
    expect(out).toContainEqual(expect.stringMatching(/^fleet\.yaml:17:18: error: clusters\[1\]\.trustDomain: cluster "west" has trust domain "west\.example", but "east" in the same mesh "corp" has "cluster\.local"/));
    expect(out).toContainEqual(expect.stringMatching(/^fleet\.yaml:18:20: error: clusters\[1\]\.clusterDomain: cluster "west" has cluster domain "west\.local"/));
  });

  it('refuses overlapping pod or service ranges between members, and warns when they are not declared', () => {
    const clusters = CLUSTERS.replace('podCIDRs: [10.1.0.0/16]', 'podCIDRs: [10.0.128.0/17]').replace('serviceCIDRs: [10.101.0.0/16]', 'serviceCIDRs: [10.0.0.0/8]');
    const out = errors(fleet({ clusters }));
    expect(out).toContainEqual(expect.stringMatching(/clusters\[1\]\.podCIDRs\[0\]: cluster "west" podCIDRs 10\.0\.128\.0\/17 overlaps podCIDRs 10\.0\.0\.0\/16 of cluster "east" in mesh "corp"/));
    expect(out).toContainEqual(expect.stringMatching(/clusters\[1\]\.serviceCIDRs\[0\]: cluster "west" serviceCIDRs 10\.0\.0\.0\/8 overlaps podCIDRs 10\.0\.0\.0\/16 of cluster "east"/));
    const warnings = loadFleetText('fleet.yaml', fleet({ clusters: CLUSTERS.replace('    podCIDRs: [10.1.0.0/16]\n', '') }), { readFile }).warnings.map(formatDiagnostic);
    expect(warnings).toContainEqual(expect.stringContaining('cluster "west" is in mesh "corp" without podCIDRs and serviceCIDRs'));
  });

  it('refuses missing gateway addresses, missing networks, and members without a shared CA', () => {
    expect(errors(fleet({ meshes: MESHES.replace('        west: [ew.west.example]\n', '') }))).toEqual([
      expect.stringMatching(/meshes\.corp\.eastWestGateway: mesh "corp": cluster "west" needs east-west gateway addresses \(eastWestGateway\.addresses\.west\): the mesh spans several networks$/),
    ]);
    expect(errors(fleet({ clusters: CLUSTERS.replace('    network: net-west\n', '') }))).toContainEqual(expect.stringMatching(/clusters\[1\]: cluster "west" is in mesh "corp" and needs a network/));
    expect(errors(fleet({ defaults: DEFAULTS.replace(/  security:[\s\S]*$/, '') }))).toEqual([
      expect.stringMatching(/clusters\[0\]: cluster "east" is in mesh "corp": its clusters must share a root of trust; set security\.ca/),
      expect.stringMatching(/clusters\[1\]: cluster "west" is in mesh "corp": its clusters must share a root of trust/),
    ]);
    expect(errors(fleet({ federations: FEDERATIONS.replace('gateway: { addresses: [203.0.113.10] }', 'gateway: { addresses: [] }') }))[0]).toMatch(/federations\.partners\.members\[0\]\.gateway\.addresses: must not be an empty list$/);
  });

  it('refuses a gateway of the cluster that takes the federation gateway\'s name', () => {
    const clusters = CLUSTERS.replace('    trustDomain: lab.example\n', '    trustDomain: lab.example\n    gateways: { named: { istio-federation-gateway: { namespace: istio-system } } }\n');
    expect(errors(fleet({ clusters }))).toEqual([
      'fleet.yaml:22:52: error: clusters[2].gateways.named.istio-federation-gateway: cluster "lab": gateway name "istio-federation-gateway" is used by the federation gateway of federation "partners"; give this gateway another name',
    ]);
  });

  it('refuses a port without a name', () => {
    expect(errors(fleet({ federations: FEDERATIONS.replace('{ name: http, port: 8080, protocol: HTTP }', '{ port: 8080, protocol: HTTP }') }))[0]).toMatch(
      /federations\.partners\.members\[0\]\.exports\[0\]\.ports\[0\]\.name: missing required field "name"$/,
    );
  });

  it('refuses root certificates that are missing, not certificates, or come with a private key', () => {
    const withFile = (f: string) => fleet({ federations: FEDERATIONS.replace('certs/lab-root.pem', f) });
    expect(errors(withFile('certs/missing.pem'))).toEqual([expect.stringMatching(/rootCertificate\.file: cannot read certs\/missing\.pem: no such file$/)]);
    expect(errors(withFile('certs/empty.pem'))).toEqual([expect.stringMatching(/rootCertificate\.file: certs\/empty\.pem holds no PEM certificate/)]);
    expect(errors(withFile('certs/key.pem'))).toEqual([expect.stringMatching(/rootCertificate\.file: certs\/key\.pem contains a PEM private key: only the public root certificate belongs in the configuration repository$/)]);
  });

  it('checks primary-remote meshes: a primary that is a member, the same Istio on the remote, one remote-secret source', () => {
    const pr = (extra: string) => MESHES.replace('    clusters: [east, west]\n', `    model: primary-remote\n${extra}    clusters: [east, west]\n`);
    expect(errors(fleet({ meshes: pr('') }))).toContainEqual(expect.stringMatching(/meshes\.corp\.model: mesh "corp" is primary-remote: name its primary/));
    expect(errors(fleet({ meshes: pr('    primary: lab\n') }))).toContainEqual(expect.stringMatching(/meshes\.corp\.primary: primary "lab" is not one of the mesh's clusters/));
    const older = CLUSTERS.replace('    network: net-west\n', '    network: net-west\n    istio: { version: "1.29.6" }\n');
    expect(errors(fleet({ clusters: older, meshes: pr('    primary: east\n') }))).toContainEqual(expect.stringMatching(/cluster "west" is a remote of "east" and uses its control plane: its Istio revisions \(default@1\.29\.6\) must be the primary's \(default@1\.30\.3\)/));
    expect(errors(fleet({ meshes: MESHES.replace('      externalSecret: { store: { name: vault }, keyPrefix: istio/remote/ }', '      existingSecret: false') }))).toEqual([
      expect.stringMatching(/meshes\.corp\.remoteSecrets: remoteSecrets: set exactly one of externalSecret and existingSecret: true$/),
    ]);
  });

  it('keeps a primary-remote mesh to what one exposed istiod can serve, and warns about remote settings that do not apply', () => {
    const pr = MESHES.replace('    clusters: [east, west]\n', '    model: primary-remote\n    primary: east\n    clusters: [east, west]\n');
    const canary = CLUSTERS.replace('  - name: east\n', '  - name: east\n    istio:\n      revisions: [{ version: "1.30.3" }, { name: default, version: "1.29.6" }]\n');
    expect(errors(fleet({ clusters: canary, meshes: pr }))).toContainEqual(expect.stringMatching(/clusters\[0\]\.istio: cluster "east" is the primary of primary-remote mesh "corp": it must run one Istio revision/));
    const ns = CLUSTERS.replace('    network: net-west\n', '    network: net-west\n    controlPlane: { namespace: istio-remote }\n');
    expect(errors(fleet({ clusters: ns, meshes: pr }))).toContainEqual(expect.stringMatching(/clusters\[1\]\.controlPlane\.namespace: cluster "west" is a remote of "east": its control-plane namespace "istio-remote" must be the primary's \("istio-system"\)/));
    const names = pr.replace('east: [203.0.113.1]', 'east: [ew1.east.example, ew2.east.example]');
    expect(errors(fleet({ meshes: names }))).toContainEqual(expect.stringMatching(/meshes\.corp\.eastWestGateway\.addresses\.east: the primary's east-west gateway is reached by remotes as istiod: give IP addresses or a single DNS name/));
    const settings = CLUSTERS.replace('    network: net-west\n', '    network: net-west\n    mesh: { outboundTrafficPolicy: REGISTRY_ONLY }\n');
    const warnings = loadFleetText('fleet.yaml', fleet({ clusters: settings, meshes: pr }), { readFile }).warnings.map(formatDiagnostic);
    expect(warnings).toContainEqual(expect.stringMatching(/^fleet\.yaml:\d+:\d+: warning: clusters\[1\]\.mesh: cluster "west" is a remote of "east": its `mesh` settings differ from the primary's and do not apply/));
    expect(warnings.filter((w) => w.includes('is a remote of'))).toHaveLength(1);
  });

  it('refuses a mesh id that differs from the mesh', () => {
    expect(errors(fleet({ clusters: CLUSTERS.replace('    network: net-east\n', '    network: net-east\n    meshId: other\n') }))).toEqual([
      expect.stringMatching(/clusters\[0\]\.meshId: cluster "east": meshId "other" differs from its mesh "corp"; remove it/),
    ]);
  });
});
