/**
 * A mesh of one cluster: the first cluster of a future multicluster mesh renders as a member
 * (cluster id, mesh id, network, east-west gateway, meshNetworks) and nothing that needs a peer,
 * so that a second member later changes its render only where a peer shows: meshNetworks and
 * the peer's remote secret.
 */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { ClusterConfig } from '../src/config/cluster-config';
import { formatDiagnostic, InputError } from '../src/config/diagnostic';
import { loadFleetText } from '../src/pipeline';
import { byId, idOf } from './support/manifest-ids';
import { find, manifests, type Manifest } from './support/objects';
import { CLUSTERS, DEFAULTS, fleet, load, ONE_MEMBER_MESH as ONE, readFile } from './support/topology-fleet';

const PRIMARY_ONE = ONE.replace('    clusters: [east]\n', '    model: primary-remote\n    primary: east\n    clusters: [east]\n');
/** `mesh` with west joined, on its own network, reached at ew.west.example. */
const joined = (mesh: string) => mesh.replace('clusters: [east]', 'clusters: [east, west]').replace('        east: [203.0.113.1]\n', '        east: [203.0.113.1]\n        west: [ew.west.example]\n');

const clusterOf = (meshes: string, name = 'east', clusters = CLUSTERS): ClusterConfig => load(fleet({ clusters, meshes, federations: '' })).find((c) => c.name === name)!;
const env = (objects: Manifest[], deployment: string, container: string): Record<string, string> =>
  Object.fromEntries(
    (find(objects, 'Deployment', deployment).spec.template.spec.containers.find((c: Manifest) => c.name === container).env as Manifest[])
      .filter((e) => typeof e.value === 'string')
      .map((e) => [e.name, e.value]),
  );
const meshNetworks = (objects: Manifest[]) => parse(find(objects, 'ConfigMap', 'istio').data.meshNetworks);

function problems(text: string): { errors: string[]; warnings: string[] } {
  try {
    return { errors: [], warnings: loadFleetText('fleet.yaml', text, { readFile }).warnings.map(formatDiagnostic) };
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    const of = (severity: string) => err.diagnostics.filter((d) => d.severity === severity).map(formatDiagnostic);
    return { errors: of('error'), warnings: of('warning') };
  }
}

describe('a multi-primary mesh of one cluster', () => {
  const east = clusterOf(ONE);
  const objects = manifests(east);

  it('wires the cluster as a member on its network, with its own east-west gateway and no peer', () => {
    expect(east.meshId).toBe('corp');
    expect(east.wiring.multicluster).toEqual({
      mesh: 'corp',
      model: 'multi-primary',
      role: 'primary',
      network: 'net-east',
      eastWestGateway: { name: 'istio-eastwestgateway', namespace: 'istio-system', serviceType: 'LoadBalancer', addresses: [{ address: '203.0.113.1', kind: 'ip' }] },
      networks: [{ network: 'net-east', clusters: ['east'], gateways: [{ address: '203.0.113.1', kind: 'ip' }] }],
      remoteSecrets: [],
    });
  });

  it('renders cluster id, mesh id, network and meshNetworks as a member of a mesh', () => {
    expect(env(objects, 'istiod', 'discovery').CLUSTER_ID).toBe('east');
    expect(find(objects, 'Namespace', 'istio-system').metadata.labels['topology.istio.io/network']).toBe('net-east');
    expect(parse(find(objects, 'ConfigMap', 'istio').data.mesh).defaultConfig.meshId).toBe('corp');
    expect(meshNetworks(objects)).toEqual({ networks: { 'net-east': { endpoints: [{ fromRegistry: 'east' }], gateways: [{ address: '203.0.113.1', port: 15443 }] } } });
    const values = JSON.parse(find(objects, 'ConfigMap', 'istio-sidecar-injector').data.values);
    expect(values.global).toMatchObject({ meshID: 'corp', network: 'net-east', multiCluster: { clusterName: 'east' } });
  });

  it('renders the east-west gateway and the cross-network Gateway, as a multi-network member does', () => {
    const labels = find(objects, 'Deployment', 'istio-eastwestgateway').spec.template.metadata.labels;
    expect(labels).toMatchObject({ app: 'istio-eastwestgateway', istio: 'eastwestgateway', 'topology.istio.io/network': 'net-east' });
    expect(env(objects, 'istio-eastwestgateway', 'istio-proxy')).toEqual({ ISTIO_META_REQUESTED_NETWORK_VIEW: 'net-east' });
    expect(find(objects, 'Service', 'istio-eastwestgateway').spec.ports.map((p: Manifest) => [p.name, p.port])).toEqual([['status-port', 15021], ['tls', 15443]]);
    expect(find(objects, 'Gateway', 'cross-network-gateway').spec).toEqual({
      selector: { app: 'istio-eastwestgateway', istio: 'eastwestgateway' },
      servers: [{ port: { number: 15443, name: 'tls', protocol: 'TLS' }, tls: { mode: 'AUTO_PASSTHROUGH' }, hosts: ['*.local'] }],
    });
  });

  it('renders nothing that needs a peer: no remote secret, no exposed istiod', () => {
    expect(objects.filter((o) => o.kind === 'ExternalSecret').map((o) => o.metadata.name)).toEqual(['cacerts']);
    expect(objects.filter((o) => ['Gateway', 'VirtualService'].includes(o.kind)).map(idOf)).toEqual(['Gateway istio-system/cross-network-gateway']);
    expect(env(objects, 'istiod', 'discovery').EXTERNAL_ISTIOD).toBeUndefined();
  });

  it('needs no east-west gateway address yet: without one, meshNetworks lists no gateway', () => {
    const bare = manifests(clusterOf(ONE.replace('    eastWestGateway:\n      addresses:\n        east: [203.0.113.1]\n', '')));
    expect(meshNetworks(bare)).toEqual({ networks: { 'net-east': { endpoints: [{ fromRegistry: 'east' }] } } });
    expect(bare.some((o) => o.kind === 'Deployment' && o.metadata.name === 'istio-eastwestgateway')).toBe(true);
    expect(bare.some((o) => o.kind === 'Gateway' && o.metadata.name === 'cross-network-gateway')).toBe(true);
  });
});

describe('a primary-remote mesh of its primary alone', () => {
  const east = clusterOf(PRIMARY_ONE);
  const objects = manifests(east);

  it('renders the primary as it serves remotes: istiod exposed on the east-west gateway', () => {
    expect(east.wiring.multicluster).toMatchObject({
      model: 'primary-remote',
      role: 'primary',
      eastWestGateway: { istiodService: 'istiod' },
      networks: [{ network: 'net-east', clusters: ['east'], gateways: [{ address: '203.0.113.1', kind: 'ip' }] }],
      remoteSecrets: [],
    });
    expect(env(objects, 'istiod', 'discovery').EXTERNAL_ISTIOD).toBe('true');
    expect(find(objects, 'Service', 'istio-eastwestgateway').spec.ports.map((p: Manifest) => p.port)).toEqual([15021, 15443, 15012, 15017]);
    expect(objects.filter((o) => ['Gateway', 'VirtualService'].includes(o.kind)).map(idOf).sort()).toEqual([
      'Gateway istio-system/cross-network-gateway',
      'Gateway istio-system/istiod-gateway',
      'VirtualService istio-system/istiod-vs',
    ]);
    expect(objects.filter((o) => o.kind === 'ExternalSecret').map((o) => o.metadata.name)).toEqual(['cacerts']);
  });

  it('needs the primary to be its member', () => {
    const { errors } = problems(fleet({ meshes: PRIMARY_ONE.replace('primary: east', 'primary: west'), federations: '' }));
    expect(errors).toEqual([expect.stringMatching(/^fleet\.yaml:\d+:\d+: error: meshes\.corp\.primary: primary "west" is not one of the mesh's clusters$/)]);
  });
});

describe('a second member joining a one-member mesh', () => {
  /** Objects of `before` that `after` changes, adds or removes, by id. */
  function changes(before: Manifest[], after: Manifest[]): { changed: string[]; added: string[]; removed: string[] } {
    const a = byId(before, 'before');
    const b = byId(after, 'after');
    return {
      changed: [...a.keys()].filter((id) => b.has(id) && JSON.stringify(a.get(id)) !== JSON.stringify(b.get(id))).sort(),
      added: [...b.keys()].filter((id) => !a.has(id)).sort(),
      removed: [...a.keys()].filter((id) => !b.has(id)).sort(),
    };
  }

  it('changes the first cluster of a multi-primary mesh only in meshNetworks and the new remote secret', () => {
    const before = manifests(clusterOf(ONE));
    const after = manifests(clusterOf(joined(ONE)));
    expect(changes(before, after)).toEqual({ changed: ['ConfigMap istio-system/istio'], added: ['ExternalSecret istio-system/istio-remote-secret-west'], removed: [] });
    const config = (objects: Manifest[]) => find(objects, 'ConfigMap', 'istio').data;
    expect(config(after).mesh).toBe(config(before).mesh);
    expect(meshNetworks(after).networks).toEqual({
      ...meshNetworks(before).networks,
      'net-west': { endpoints: [{ fromRegistry: 'west' }], gateways: [{ address: 'ew.west.example', port: 15443 }] },
    });
  });

  it('changes the primary of a primary-remote mesh only in meshNetworks and the new remote secret', () => {
    const before = manifests(clusterOf(PRIMARY_ONE));
    const after = manifests(clusterOf(joined(PRIMARY_ONE)));
    expect(changes(before, after)).toEqual({ changed: ['ConfigMap istio-system/istio'], added: ['ExternalSecret istio-system/istio-remote-secret-west'], removed: [] });
  });

  it('on the same network, leaves a multi-primary mesh without east-west gateways', () => {
    const sameNetwork = CLUSTERS.replace('network: net-west', 'network: net-east');
    const after = clusterOf(joined(ONE), 'east', sameNetwork);
    expect(after.gateways.gateways.some((g) => g.role === 'eastwest')).toBe(false);
    expect(after.wiring.multicluster!.networks).toEqual([{ network: 'net-east', clusters: ['east', 'west'], gateways: [] }]);
  });

  it('needs the first member\'s east-west gateway addresses once the mesh spans two networks', () => {
    const { errors } = problems(fleet({ meshes: joined(ONE).replace('        east: [203.0.113.1]\n', ''), federations: '' }));
    expect(errors).toEqual([
      expect.stringMatching(/meshes\.corp\.eastWestGateway: mesh "corp": cluster "east" needs east-west gateway addresses \(eastWestGateway\.addresses\.east\): the mesh spans several networks$/),
    ]);
  });
});

describe('checks of a one-member mesh', () => {
  it('keeps the member checks: network, shared CA, mesh id, addresses of non-members', () => {
    const noNetwork = problems(fleet({ clusters: CLUSTERS.replace('    network: net-east\n', ''), meshes: ONE, federations: '' }));
    expect(noNetwork.errors).toEqual([expect.stringMatching(/^fleet\.yaml:\d+:\d+: error: clusters\[0\]: cluster "east" is in mesh "corp" and needs a network/)]);
    const noCa = problems(fleet({ defaults: DEFAULTS.replace(/  security:[\s\S]*$/, ''), meshes: ONE, federations: '' }));
    expect(noCa.errors).toEqual([expect.stringMatching(/clusters\[0\]: cluster "east" is in mesh "corp": its clusters must share a root of trust; set security\.ca/)]);
    const meshId = problems(fleet({ clusters: CLUSTERS.replace('    network: net-east\n', '    network: net-east\n    meshId: other\n'), meshes: ONE, federations: '' }));
    expect(meshId.errors).toEqual([expect.stringMatching(/clusters\[0\]\.meshId: cluster "east": meshId "other" differs from its mesh "corp"/)]);
    const stray = problems(fleet({ meshes: ONE.replace('        east: [203.0.113.1]\n', '        east: [203.0.113.1]\n        west: [203.0.113.2]\n'), federations: '' }));
    expect(stray.errors).toEqual([expect.stringMatching(/meshes\.corp\.eastWestGateway\.addresses\.west: cluster "west" has east-west gateway addresses but is not in mesh "corp"$/)]);
  });

  it('refuses a gateway of the cluster that takes the east-west gateway\'s name or selects its pods', () => {
    const own = (gateway: string) => CLUSTERS.replace('    serviceCIDRs: [10.100.0.0/16]\n', `    serviceCIDRs: [10.100.0.0/16]\n    gateways:\n      named:\n${gateway}`);
    const named = problems(fleet({ clusters: own('        istio-eastwestgateway: { namespace: istio-system, labels: { istio: eastwest-own } }\n'), meshes: ONE, federations: '' }));
    expect(named.errors).toEqual([
      'fleet.yaml:17:32: error: clusters[0].gateways.named.istio-eastwestgateway: cluster "east": gateway name "istio-eastwestgateway" is used by the east-west gateway of mesh "corp"; give this gateway another name',
    ]);
    const selecting = problems(fleet({ clusters: own('        eastwest:\n          labels: { istio: eastwestgateway, app: istio-eastwestgateway }\n'), meshes: ONE, federations: '' }));
    expect(selecting.errors).toEqual([
      'fleet.yaml:18:19: error: clusters[0].gateways.named.eastwest.labels: cluster "east": gateway "eastwest" selects the pods of the east-west gateway of mesh "corp" (app=istio-eastwestgateway, istio=eastwestgateway), whose Gateway resources would attach to it too; give it distinct labels app or istio',
    ]);
  });

  it('refuses a mesh without members', () => {
    const { errors } = problems(fleet({ meshes: ONE.replace('clusters: [east]', 'clusters: []'), federations: '' }));
    expect(errors).toEqual([expect.stringMatching(/^fleet\.yaml:24:15: error: meshes\.corp\.clusters: must not be an empty list$/)]);
  });

  it('warns, at the cluster, that undeclared ranges cannot be checked against members that join later', () => {
    const text = fleet({ clusters: CLUSTERS.replace('    podCIDRs: [10.0.0.0/16]\n', ''), meshes: ONE, federations: '' });
    const { errors, warnings } = problems(text);
    expect(errors).toEqual([]);
    expect(warnings).toEqual([
      expect.stringMatching(/^fleet\.yaml:11:5: warning: clusters\[0\]: cluster "east" is in mesh "corp" without podCIDRs and serviceCIDRs: meshc cannot check that its ranges do not overlap those of members that join it$/),
    ]);
  });
});
