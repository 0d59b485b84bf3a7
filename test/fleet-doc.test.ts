/**
 * FLEET.md: the Mermaid topology diagram and the per-cluster tables, built from hand-written
 * `wiring` (the fleet topology contract), checked by parsing the diagram and the tables.
 */
import { describe, expect, it } from 'vitest';
import type { ClusterConfig, FleetConfig } from '../src/config/cluster-config';
import type { ClusterWiring, ExportedService, FederationWiring, ImportedService, MulticlusterWiring } from '../src/fleet/wiring';
import { fleetMarkdown } from '../src/fleet/fleet-doc';
import { loadFleetText } from '../src/pipeline';
import { HEADER, loadCluster, singleCluster } from './support/fleet';

// ---------------------------------------------------------------------------------------------
// Fixture: east and west (multi-primary mesh `corp`), lab (federated with east), pri and rem
// (primary-remote mesh `edge`).

const FLEET_TEXT = `${HEADER}clusters:
  - name: east
    kubernetesVersion: "1.33"
    network: net-east
    istio:
      version: "1.30.3"
  - name: west
    kubernetesVersion: "1.34"
    network: net-west
    istio:
      version: "1.30.3"
  - name: lab
    kubernetesVersion: "1.32"
    clusterDomain: lab.local
    trustDomain: lab.example
    istio:
      revisions:
        - name: default
          version: "1.29.6"
        - version: "1.30.3"
          compatibilityVersion: "1.29"
      tags:
        canary: 1-30-3
  - name: pri
    kubernetesVersion: "1.33"
    network: edge-net
    istio:
      version: "1.30.3"
  - name: rem
    kubernetesVersion: "1.33"
    network: edge-net
    istio:
      version: "1.30.3"
`;

const VAULT = { kind: 'ClusterSecretStore', name: 'vault' } as const;
const port = (name: string, number: number, protocol: 'HTTP' | 'GRPC' | 'TCP') => ({ name, number, protocol });
const exported = (namespace: string, name: string, ...ports: ReturnType<typeof port>[]): ExportedService => ({ namespace, name, ports });
const imported = (fromCluster: string, domain: string, s: ExportedService): ImportedService => ({
  fromCluster,
  namespace: s.namespace,
  name: s.name,
  host: `${s.name}.${s.namespace}.svc.${domain}`,
  ports: s.ports,
  endpoints: [{ address: '203.0.113.50', kind: 'ip' }],
  objectName: `${fromCluster}-${s.namespace}-${s.name}`,
});

const CART = exported('shop', 'cart', port('http', 8080, 'HTTP'), port('grpc', 9090, 'GRPC'));
const INVOICES = exported('billing', 'invoices', port('grpc', 9090, 'GRPC'));

function corp(cluster: 'east' | 'west'): MulticlusterWiring {
  const peer = cluster === 'east' ? 'west' : 'east';
  return {
    mesh: 'corp',
    model: 'multi-primary',
    role: 'primary',
    network: `net-${cluster}`,
    eastWestGateway: { name: 'istio-eastwestgateway', namespace: 'istio-system', serviceType: 'LoadBalancer', addresses: [{ address: `eastwest.${cluster}.corp.example`, kind: 'hostname' }] },
    networks: [
      { network: 'net-east', clusters: ['east'], gateways: [{ address: 'eastwest.east.corp.example', kind: 'hostname' }] },
      { network: 'net-west', clusters: ['west'], gateways: [{ address: 'eastwest.west.corp.example', kind: 'hostname' }] },
    ],
    remoteSecrets: [{ cluster: peer, secretName: `istio-remote-secret-${peer}`, source: { kind: 'external-secret', store: VAULT, remoteKey: `istio-remote-secret-${peer}` } }],
  };
}

function edge(cluster: 'pri' | 'rem'): MulticlusterWiring {
  const primaryAddresses = [{ address: '198.51.100.7', kind: 'ip' as const }];
  return {
    mesh: 'edge',
    model: 'primary-remote',
    role: cluster === 'pri' ? 'primary' : 'remote',
    network: 'edge-net',
    ...(cluster === 'rem' ? { primary: { cluster: 'pri', addresses: primaryAddresses, istiodService: 'istiod' } } : {}),
    eastWestGateway: { name: 'istio-eastwestgateway', namespace: 'istio-system', serviceType: 'NodePort', addresses: cluster === 'pri' ? primaryAddresses : [], ...(cluster === 'pri' ? { istiodService: 'istiod' } : {}) },
    networks: [{ network: 'edge-net', clusters: ['pri', 'rem'], gateways: [] }],
    remoteSecrets: cluster === 'pri' ? [{ cluster: 'rem', secretName: 'istio-remote-secret-rem', source: { kind: 'existing-secret' } }] : [],
  };
}

function partners(cluster: 'east' | 'lab'): FederationWiring {
  return {
    federation: 'partners',
    gateway: { name: 'istio-federation-gateway', namespace: 'istio-system', serviceType: 'LoadBalancer', hosts: [cluster === 'east' ? '*.cluster.local' : '*.lab.local'] },
    exported: cluster === 'east' ? [CART] : [INVOICES],
    imported: cluster === 'east' ? [imported('lab', 'lab.local', INVOICES)] : [imported('east', 'cluster.local', CART)],
    trustedRoots: [{ cluster: cluster === 'east' ? 'lab' : 'east', trustDomains: [cluster === 'east' ? 'lab.example' : 'cluster.local'], pem: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n' }],
  };
}

const WIRING: Record<string, ClusterWiring> = {
  east: { multicluster: corp('east'), federation: partners('east'), ca: { kind: 'external-secret', secretName: 'cacerts', store: VAULT, remoteKey: 'mesh-ca' } },
  west: { multicluster: corp('west'), ca: { kind: 'external-secret', secretName: 'cacerts', store: VAULT, remoteKey: 'mesh-ca' } },
  lab: { federation: partners('lab'), ca: { kind: 'cert-manager', secretName: 'cacerts', issuer: { kind: 'Issuer', name: 'lab-ca' } } },
  pri: { multicluster: edge('pri'), ca: { kind: 'existing-secret', secretName: 'istio-ca' } },
  rem: { multicluster: edge('rem'), ca: { kind: 'existing-secret', secretName: 'istio-ca' } },
};

const unwired = loadFleetText('mesh.yaml', FLEET_TEXT).fleet.clusters;

/** The lab cluster also runs its federation gateway, as fleet resolution adds it. */
function withFederationGateway(c: ClusterConfig): ClusterConfig {
  const ingress = c.gateways.gateways[0];
  const gateway = { ...ingress, role: 'federation' as const, name: 'istio-federation-gateway', namespace: 'istio-system', service: { ...ingress.service, type: 'NodePort' as const } };
  return { ...c, gateways: { ...c.gateways, gateways: [...c.gateways.gateways, gateway] } };
}

const wired: ClusterConfig[] = unwired.map((c) => {
  const w = { ...c, wiring: WIRING[c.name] };
  return c.name === 'lab' ? withFederationGateway(w) : w;
});
const FLEET: FleetConfig = { clusters: wired };

// ---------------------------------------------------------------------------------------------
// A small parser of the flowchart subset fleetMarkdown writes: it rejects any other line.

interface Node {
  readonly id: string;
  readonly label: string;
  /** Ids of the enclosing subgraphs, outermost first. */
  readonly parents: readonly string[];
}
interface Edge {
  readonly from: string;
  readonly arrow: string;
  readonly label: string;
  readonly to: string;
}
interface Flowchart {
  readonly nodes: Map<string, Node>;
  readonly subgraphs: Map<string, { title: string; parents: readonly string[] }>;
  readonly edges: Edge[];
}

const ID = '[A-Za-z][A-Za-z0-9_]*';
const LABEL = '"([^"]*)"';

function mermaidBlock(markdown: string): string[] {
  const lines = markdown.split('\n');
  const start = lines.indexOf('```mermaid');
  expect(start, 'a ```mermaid block').toBeGreaterThanOrEqual(0);
  const end = lines.indexOf('```', start + 1);
  expect(end).toBeGreaterThan(start);
  expect(lines.filter((l) => l.startsWith('```mermaid')), 'one diagram').toHaveLength(1);
  return lines.slice(start + 1, end);
}

/** Parses and validates: known syntax only, balanced subgraphs, unique ids, edges between declared nodes. */
function parseFlowchart(lines: readonly string[]): Flowchart {
  expect(lines[0]).toMatch(/^flowchart (LR|TB|TD|RL|BT)$/);
  const nodes = new Map<string, Node>();
  const subgraphs = new Map<string, { title: string; parents: readonly string[] }>();
  const edges: Edge[] = [];
  const stack: string[] = [];
  const ids = new Set<string>();
  const declare = (id: string) => {
    expect(ids.has(id), `id ${id} declared once`).toBe(false);
    ids.add(id);
  };
  for (const raw of lines.slice(1)) {
    const line = raw.trim();
    let m: RegExpMatchArray | null;
    if ((m = line.match(new RegExp(`^subgraph (${ID})\\[${LABEL}\\]$`)))) {
      declare(m[1]);
      subgraphs.set(m[1], { title: m[2], parents: [...stack] });
      stack.push(m[1]);
    } else if (line === 'end') {
      expect(stack.length, '`end` closes an open subgraph').toBeGreaterThan(0);
      stack.pop();
    } else if ((m = line.match(new RegExp(`^(${ID})\\[${LABEL}\\]$`)))) {
      declare(m[1]);
      nodes.set(m[1], { id: m[1], label: m[2], parents: [...stack] });
    } else if ((m = line.match(new RegExp(`^(${ID}) (<-->|-->|-\\.->)\\|${LABEL}\\| (${ID})$`)))) {
      edges.push({ from: m[1], arrow: m[2], label: m[3], to: m[4] });
    } else {
      throw new Error(`unexpected flowchart line: ${JSON.stringify(raw)}`);
    }
  }
  expect(stack, 'every subgraph is closed').toEqual([]);
  for (const e of edges) {
    expect(nodes.has(e.from), `edge source ${e.from} is a declared node`).toBe(true);
    expect(nodes.has(e.to), `edge target ${e.to} is a declared node`).toBe(true);
  }
  for (const label of [...[...nodes.values()].map((n) => n.label), ...edges.map((e) => e.label), ...[...subgraphs.values()].map((s) => s.title)]) {
    // Entity codes (#124;) are the only way `|`, `"`, `<`, `>` or `#` may appear.
    expect(label.replace(/#\d+;/g, '').replace(/<br\/>/g, '')).not.toMatch(/[|"<>#`]/);
  }
  return { nodes, subgraphs, edges };
}

const flowchartOf = (fleet: FleetConfig) => parseFlowchart(mermaidBlock(fleetMarkdown(fleet)));
const decode = (label: string) => label.replace(/#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));
const labelLines = (label: string) => label.split('<br/>').map(decode);
const nodeOf = (chart: Flowchart, cluster: string): Node => {
  const found = [...chart.nodes.values()].filter((n) => labelLines(n.label)[0] === cluster);
  expect(found, `one node for cluster ${cluster}`).toHaveLength(1);
  return found[0];
};
const edgeStrings = (chart: Flowchart) =>
  chart.edges.map((e) => `${labelLines(chart.nodes.get(e.from)!.label)[0]} ${e.arrow} ${labelLines(chart.nodes.get(e.to)!.label)[0]}: ${decode(e.label)}`).sort();

// ---------------------------------------------------------------------------------------------
// Tables

/** Splits a table row at its unescaped pipes. */
function cells(row: string): string[] {
  expect(row.startsWith('| ') && row.endsWith(' |'), row).toBe(true);
  return row
    .slice(2, -2)
    .split(/(?<!\\) \| /)
    .map((c) => c.trim());
}

/** The table under `### <cluster>`: setting → value lines (escapes of | undone). */
function tableOf(markdown: string, cluster: string): Map<string, string[]> {
  const lines = markdown.split('\n');
  const headings = lines.filter((l) => l === `### ${cluster}`);
  expect(headings, `one heading for ${cluster}`).toHaveLength(1);
  const start = lines.indexOf(`### ${cluster}`);
  expect(lines[start + 1]).toBe('');
  expect(cells(lines[start + 2])).toEqual(['setting', 'value']);
  expect(lines[start + 3]).toBe('| --- | --- |');
  const rows = new Map<string, string[]>();
  for (let i = start + 4; i < lines.length && lines[i].startsWith('|'); i++) {
    const row = cells(lines[i]);
    expect(row, `two cells in ${lines[i]}`).toHaveLength(2);
    rows.set(row[0], row[1].split('<br>').map((v) => v.replace(/\\\|/g, '|')));
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------

describe('FLEET.md of a fleet with meshes and a federation', () => {
  const markdown = fleetMarkdown(FLEET);
  const chart = flowchartOf(FLEET);

  it('starts with a line saying meshc generated it from the fleet file and it must not be edited', () => {
    const first = markdown.split('\n')[0];
    expect(first).toMatch(/generated by meshc from the fleet file/i);
    expect(first).toMatch(/do not edit/i);
  });

  it('draws one node per cluster with its name, Istio version(s) and network', () => {
    expect([...chart.nodes.values()].map((n) => labelLines(n.label)[0]).sort()).toEqual(['east', 'lab', 'pri', 'rem', 'west']);
    expect(labelLines(nodeOf(chart, 'east').label)).toEqual(['east', 'Istio 1.30.3', 'network net-east']);
    expect(labelLines(nodeOf(chart, 'west').label)).toEqual(['west', 'Istio 1.30.3', 'network net-west']);
    // Two revisions side by side, lab has no network.
    expect(labelLines(nodeOf(chart, 'lab').label)).toEqual(['lab', 'Istio 1.29.6 (default), 1.30.3 (1-30-3)']);
    expect(labelLines(nodeOf(chart, 'rem').label)).toEqual(['rem', 'Istio 1.30.3', 'network edge-net']);
  });

  it('groups the clusters of a mesh in a subgraph titled with its name and model, a subgraph per network inside', () => {
    const titleOf = (id: string) => decode(chart.subgraphs.get(id)!.title);
    const placement = (cluster: string) => nodeOf(chart, cluster).parents.map(titleOf);
    expect(placement('east')).toEqual(['mesh corp (multi-primary)', 'network net-east']);
    expect(placement('west')).toEqual(['mesh corp (multi-primary)', 'network net-west']);
    expect(placement('pri')).toEqual(['mesh edge (primary-remote)', 'network edge-net']);
    expect(placement('rem')).toEqual(['mesh edge (primary-remote)', 'network edge-net']);
    expect(nodeOf(chart, 'pri').parents).toEqual(nodeOf(chart, 'rem').parents);
    // Not in a mesh: outside every subgraph.
    expect(placement('lab')).toEqual([]);
    expect(chart.subgraphs.size).toBe(5);
  });

  it('draws every edge: federation trust, exported services, the remote\'s control plane, and nothing else', () => {
    expect(edgeStrings(chart)).toEqual([
      'east --> lab: shop/cart',
      'east <--> lab: federation partners',
      'lab --> east: billing/invoices',
      'rem -.-> pri: control plane',
    ]);
  });

  it('uses sanitized ids derived from the names', () => {
    expect(nodeOf(chart, 'east').id).toBe('c_east');
    expect(nodeOf(chart, 'rem').parents).toEqual(['m_edge', 'n_edge_edge_net']);
    for (const id of [...chart.nodes.keys(), ...chart.subgraphs.keys()]) expect(id).toMatch(/^[a-z]_[A-Za-z0-9_]+$/);
  });

  it('has a table per cluster with its versions, topology, services, secrets and CA', () => {
    const east = tableOf(markdown, 'east');
    expect(Object.fromEntries(east)).toEqual({
      Kubernetes: ['1.33'],
      'Istio revisions': ['default → 1.30.3'],
      Tags: ['none'],
      'Default revision': ['default'],
      Network: ['net-east'],
      'Trust domain': ['cluster.local'],
      Mesh: ['corp (multi-primary), primary'],
      Federation: ['partners, with lab'],
      Gateways: ['istio-ingressgateway (ingress) in istio-ingress, LoadBalancer'],
      'Exported services': ['shop/cart:8080,9090'],
      'Imported services': ['from lab: invoices.billing.svc.lab.local:9090'],
      'Remote secrets': ['west: external-secret (ClusterSecretStore vault, key istio-remote-secret-west)'],
      'CA material': ['Secret cacerts from external-secret (ClusterSecretStore vault, key mesh-ca)'],
    });

    const lab = tableOf(markdown, 'lab');
    expect(lab.get('Kubernetes')).toEqual(['1.32']);
    expect(lab.get('Istio revisions')).toEqual(['default → 1.29.6', '1-30-3 → 1.30.3, compatibility 1.29']);
    expect(lab.get('Tags')).toEqual(['canary → 1-30-3']);
    expect(lab.get('Default revision')).toEqual(['default']);
    expect(lab.get('Network')).toEqual(['none']);
    expect(lab.get('Mesh')).toEqual(['none']);
    expect(lab.get('Federation')).toEqual(['partners, with east']);
    expect(lab.get('Gateways')).toEqual(['istio-ingressgateway (ingress) in istio-ingress, LoadBalancer', 'istio-federation-gateway (federation) in istio-system, NodePort']);
    expect(lab.get('Exported services')).toEqual(['billing/invoices:9090']);
    expect(lab.get('Imported services')).toEqual(['from east: cart.shop.svc.cluster.local:8080,9090']);
    expect(lab.get('Remote secrets')).toEqual(['none']);
    expect(lab.get('CA material')).toEqual(['Secret cacerts from cert-manager (Issuer lab-ca)']);

    const pri = tableOf(markdown, 'pri');
    expect(pri.get('Mesh')).toEqual(['edge (primary-remote), primary']);
    expect(pri.get('Remote secrets')).toEqual(['rem: existing-secret']);
    expect(pri.get('CA material')).toEqual(['existing Secret istio-ca']);
    const rem = tableOf(markdown, 'rem');
    expect(rem.get('Mesh')).toEqual(['edge (primary-remote), remote of pri']);
    expect(rem.get('Federation')).toEqual(['none']);
    expect(rem.get('Remote secrets')).toEqual(['none']);

    // Every cluster, in name order.
    expect(markdown.split('\n').filter((l) => l.startsWith('### '))).toEqual(['### east', '### lab', '### pri', '### rem', '### west']);
  });

  it('has a legend', () => {
    expect(markdown).toMatch(/\*\*Legend\.\*\*/);
  });

  it('is deterministic: the same text for the same fleet, whatever the order of its clusters', () => {
    expect(fleetMarkdown(FLEET)).toBe(markdown);
    expect(fleetMarkdown({ clusters: [...wired].reverse() })).toBe(markdown);
    const shuffled = [wired[2], wired[4], wired[0], wired[3], wired[1]];
    expect(fleetMarkdown({ clusters: shuffled })).toBe(markdown);
    expect(markdown).not.toMatch(/\d{4}-\d{2}-\d{2}T/);
  });

  it('does not change its input', () => {
    const before = JSON.stringify(FLEET);
    fleetMarkdown(FLEET);
    expect(JSON.stringify(FLEET)).toBe(before);
  });
});

describe('FLEET.md of a fleet without meshes or federations', () => {
  const clusters = [loadCluster(singleCluster('    network: eu\n', { name: 'prod-eu-west' })), loadCluster(singleCluster('', { name: 'staging', kubernetes: '1.32', istio: '1.29.6' }))];
  const markdown = fleetMarkdown({ clusters });
  const chart = parseFlowchart(mermaidBlock(markdown));

  it('draws the clusters only: no subgraph, no edge', () => {
    expect(clusters.every((c) => Object.keys(c.wiring).length === 0)).toBe(true);
    expect([...chart.nodes.keys()].sort()).toEqual(['c_prod_eu_west', 'c_staging']);
    expect(labelLines(chart.nodes.get('c_prod_eu_west')!.label)).toEqual(['prod-eu-west', 'Istio 1.30.3', 'network eu']);
    expect(labelLines(chart.nodes.get('c_staging')!.label)).toEqual(['staging', 'Istio 1.29.6']);
    expect(chart.subgraphs.size).toBe(0);
    expect(chart.edges).toEqual([]);
  });

  it('still has a table per cluster, with no mesh, federation, services or secrets', () => {
    const t = tableOf(markdown, 'prod-eu-west');
    expect(t.get('Network')).toEqual(['eu']);
    for (const row of ['Mesh', 'Federation', 'Exported services', 'Imported services', 'Remote secrets', 'Tags']) expect(t.get(row), row).toEqual(['none']);
    expect(t.get('CA material')).toEqual(['none (istiod self-signed root)']);
    expect(tableOf(markdown, 'staging').get('Istio revisions')).toEqual(['default → 1.29.6']);
  });

  it('counts what the fleet holds', () => {
    expect(markdown).toContain('2 clusters, 0 multicluster meshes, 0 federations.');
  });
});

describe('escaping and ids', () => {
  /** The fixture with `east` exporting a service whose name holds characters tables and Mermaid give meaning to. */
  function withOddNames(): FleetConfig {
    const odd = exported('shop', 'ca|rt "x"\n<b>', port('http', 8080, 'HTTP'));
    const east = wired.find((c) => c.name === 'east')!;
    const lab = wired.find((c) => c.name === 'lab')!;
    const eastFed = { ...east.wiring.federation!, federation: 'part|ners', exported: [odd] };
    const labFed = { ...lab.wiring.federation!, federation: 'part|ners', imported: [imported('east', 'cluster.local', odd)] };
    return {
      clusters: wired.map((c) =>
        c === east ? { ...c, wiring: { ...c.wiring, federation: eastFed } } : c === lab ? { ...c, wiring: { ...c.wiring, federation: labFed } } : c,
      ),
    };
  }

  it('escapes | and newlines in table cells, and HTML', () => {
    const markdown = fleetMarkdown(withOddNames());
    const east = tableOf(markdown, 'east');
    expect(east.get('Federation')).toEqual(['part|ners, with lab']);
    // The newline does not break the row; HTML is shown, not interpreted.
    expect(east.get('Exported services')).toEqual(['shop/ca|rt "x"', '&lt;b&gt;:8080']);
    const row = markdown.split('\n').find((l) => l.startsWith('| Exported services |') && l.includes('ca'))!;
    expect(row).toContain('ca\\|rt');
    expect(cells(row)).toHaveLength(2);
    expect(tableOf(markdown, 'lab').get('Imported services')).toEqual(['from east: ca|rt "x"', '&lt;b&gt;.shop.svc.cluster.local:8080']);
  });

  it('escapes |, quotes and HTML in diagram labels', () => {
    const chart = flowchartOf(withOddNames());
    expect(edgeStrings(chart)).toEqual([
      'east --> lab: shop/ca|rt "x" <b>',
      'east <--> lab: federation part|ners',
      'lab --> east: billing/invoices',
      'rem -.-> pri: control plane',
    ]);
  });

  it('sanitizes ids and keeps them distinct when names differ only in punctuation', () => {
    const base = loadCluster(singleCluster('', { name: 'a-b' }));
    const mc = (mesh: string, network: string): MulticlusterWiring => ({ ...corp('east'), mesh, network, remoteSecrets: [] });
    const clusters = [
      { ...base, wiring: { multicluster: mc('corp.eu', 'net.1') } },
      { ...base, name: 'c-d', wiring: { multicluster: mc('corp_eu', 'net_1') } },
      { ...base, name: 'a.b', wiring: {} },
    ];
    const chart = flowchartOf({ clusters });
    const ids = [...chart.nodes.keys(), ...chart.subgraphs.keys()];
    for (const id of ids) expect(id).toMatch(/^[a-z]_[A-Za-z0-9_]+$/);
    expect(new Set(ids).size).toBe(ids.length);
    expect(nodeOf(chart, 'a-b').id).toBe('c_a_b');
    expect(nodeOf(chart, 'a.b').id).toBe('c_a_b_2');
    expect([...chart.subgraphs.values()].map((s) => decode(s.title)).sort()).toEqual([
      'mesh corp.eu (multi-primary)',
      'mesh corp_eu (multi-primary)',
      'network net.1',
      'network net_1',
    ]);
  });

  it('never ends an id with a word older Mermaid lexers read as a keyword', () => {
    const base = loadCluster(singleCluster('', { name: 'end' }));
    const mc = (mesh: string, network: string): MulticlusterWiring => ({ ...corp('east'), mesh, network, remoteSecrets: [] });
    const clusters = [
      { ...base, wiring: { multicluster: mc('class', 'top') } },
      { ...base, name: 'self', wiring: {} },
      { ...base, name: 'x-1-style', wiring: {} },
      { ...base, name: 'backend', wiring: {} },
    ];
    const chart = flowchartOf({ clusters });
    expect(nodeOf(chart, 'end').id).toBe('c_end_');
    expect(nodeOf(chart, 'end').parents).toEqual(['m_class_', 'n_class_top_']);
    expect(nodeOf(chart, 'self').id).toBe('c_self_');
    expect(nodeOf(chart, 'x-1-style').id).toBe('c_x_1_style_');
    // Only a whole word after _ or a digit is read as a keyword.
    expect(nodeOf(chart, 'backend').id).toBe('c_backend');
  });
});

describe('export edges', () => {
  it('count the services when a pair shares more than three', () => {
    const many = ['a', 'b', 'c', 'd'].map((n) => exported('shop', n, port('http', 80, 'HTTP')));
    const clusters = wired.map((c) => {
      if (c.name === 'east') return { ...c, wiring: { ...c.wiring, federation: { ...c.wiring.federation!, exported: many } } };
      if (c.name === 'lab') return { ...c, wiring: { ...c.wiring, federation: { ...c.wiring.federation!, imported: many.map((s) => imported('east', 'cluster.local', s)) } } };
      return c;
    });
    const chart = flowchartOf({ clusters });
    expect(edgeStrings(chart)).toContain('east --> lab: 4 services');
    expect(edgeStrings(chart).filter((e) => e.startsWith('east --> lab'))).toHaveLength(1);
    // The table still lists every one of them.
    expect(tableOf(fleetMarkdown({ clusters }), 'lab').get('Imported services')).toHaveLength(4);
  });

  it('list up to three services on one edge', () => {
    const three = ['c', 'a', 'b'].map((n) => exported('shop', n, port('http', 80, 'HTTP')));
    const clusters = wired.map((c) =>
      c.name === 'lab' ? { ...c, wiring: { ...c.wiring, federation: { ...c.wiring.federation!, imported: three.map((s) => imported('east', 'cluster.local', s)) } } } : c,
    );
    expect(edgeStrings(flowchartOf({ clusters }))).toContain('east --> lab: shop/a, shop/b, shop/c');
  });
});
