/**
 * Fleet-wide resolution of multicluster meshes and federations: every check that needs several
 * clusters at once, and each cluster's `wiring` — what it must render to take part.
 */
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import type { ClusterConfig } from '../config/cluster-config';
import type { DocPath } from '../config/diagnostic';
import type { FleetFile } from '../config/fleet-schema';
import type { ResolveContext } from '../config/resolve-context';
import type { Report } from '../config/resolve';
import { TopologyDefaults, type FederationInput, type MeshInput } from '../config/topology-schema';
import { containsPrivateKey } from '../config/source';
import { Labels } from '../labels';
import { ProxyPorts } from '../injection/proxy-ports';
import { IstiodPorts } from '../control-plane/ports';
import { istiodServiceName } from '../control-plane/istiod';
import { formatLabels, gatewaySettingPath, nameOf, resolveFleetGateway, selectSamePods, type FleetGatewaySpec, type GatewaySettings } from '../gateways/resolve-gateways';
import { compare } from '../util/compare';
import { didYouMean } from '../util/did-you-mean';
import { overlaps, parseCidr } from './cidr';
import { EAST_WEST_GATEWAY, FEDERATION_GATEWAY, PASSTHROUGH_PORT, remoteSecretName } from './names';
import type {
  ExportedService,
  FederationWiring,
  GatewayAddress,
  ImportedService,
  MeshNetwork,
  MulticlusterWiring,
  RemoteSecret,
  TrustedRoot,
} from './wiring';


export interface WiringContext {
  readonly report: Report;
  /** Where a cluster's setting came from (the cluster entry or defaults), for messages. */
  readonly clusterPath: (cluster: string, sub: (string | number)[]) => DocPath;
  /** Context of one cluster, as its own resolution had it (for gateway resolution). */
  readonly clusterContext: (cluster: string) => ResolveContext;
  /** Reads a file of the configuration repository, relative to the fleet file. */
  readonly readFile: (path: string) => string;
}

const sorted = <T>(items: T[], key: (t: T) => string): T[] => [...items].sort((a, b) => compare(key(a), key(b)));
const addressOf = (address: string): GatewayAddress => ({ address, kind: isIP(address) ? 'ip' : 'hostname' });

export function resolveWiring(input: FleetFile, clusters: readonly ClusterConfig[], ctx: WiringContext): ClusterConfig[] {
  const byName = new Map(clusters.map((c) => [c.name, c]));
  const names = clusters.map((c) => c.name);
  const fail = (path: DocPath, message: string, key = false) => ctx.report('error', path, message, key);
  const warn = (path: DocPath, message: string, key = false) => ctx.report('warning', path, message, key);
  const known = (name: string, path: DocPath): boolean => {
    if (byName.has(name)) return true;
    // A cluster that failed its own resolution is reported there; don't pile on.
    if (input.clusters.some((c) => c.name === name)) return false;
    const hint = didYouMean(name, names);
    fail(path, `unknown cluster "${name}"${hint ? `; did you mean "${hint}"?` : ` (clusters: ${names.join(', ')})`}`);
    return false;
  };

  const multicluster = new Map<string, MulticlusterWiring>();
  const federation = new Map<string, FederationWiring>();
  const extraGateways = new Map<string, GatewaySettings[]>();
  const meshIds = new Map<string, string>();
  const addGateway = (cluster: string, g: GatewaySettings) => extraGateways.set(cluster, [...(extraGateways.get(cluster) ?? []), g]);

  const meshOf = new Map<string, string>();
  for (const [meshName, mesh] of Object.entries(input.meshes ?? {})) {
    const path: DocPath = ['meshes', meshName];
    const members: ClusterConfig[] = [];
    mesh.clusters.forEach((name, i) => {
      if (!known(name, [...path, 'clusters', i])) return;
      const other = meshOf.get(name);
      if (other !== undefined) {
        fail([...path, 'clusters', i], `cluster "${name}" is already in mesh "${other}"; a cluster belongs to one mesh`);
        return;
      }
      meshOf.set(name, meshName);
      members.push(byName.get(name)!);
    });
    const wiring = resolveMesh(meshName, mesh, members, path, ctx, fail, warn, known);
    for (const [cluster, w] of wiring.clusters) {
      multicluster.set(cluster, w.wiring);
      meshIds.set(cluster, meshName);
      if (w.gateway) addGateway(cluster, w.gateway);
    }
  }

  const federationOf = new Map<string, string>();
  for (const [fedName, fed] of Object.entries(input.federations ?? {})) {
    const path: DocPath = ['federations', fedName];
    const members: { cluster: ClusterConfig; index: number }[] = [];
    fed.members.forEach((m, i) => {
      if (!known(m.cluster, [...path, 'members', i, 'cluster'])) return;
      const other = federationOf.get(m.cluster);
      if (other !== undefined) {
        fail([...path, 'members', i, 'cluster'], `cluster "${m.cluster}" is already in federation "${other}"; a cluster belongs to one federation`);
        return;
      }
      if (members.some((x) => x.cluster.name === m.cluster)) {
        fail([...path, 'members', i, 'cluster'], `cluster "${m.cluster}" is listed twice`);
        return;
      }
      federationOf.set(m.cluster, fedName);
      members.push({ cluster: byName.get(m.cluster)!, index: i });
    });
    for (const [cluster, w] of resolveFederation(fedName, fed, members, path, ctx, fail, warn)) {
      federation.set(cluster, w.wiring);
      addGateway(cluster, w.gateway);
    }
  }

  return clusters.map((c) => {
    const mc = multicluster.get(c.name);
    const fed = federation.get(c.name);
    if (!mc && !fed) return c;
    for (const added of extraGateways.get(c.name) ?? []) {
      const whose = added.role === 'eastwest' ? `the east-west gateway of mesh "${mc?.mesh}"` : `the federation gateway of federation "${fed?.federation}"`;
      checkOwnGatewaysApart(c, added, whose, ctx, fail);
    }
    return {
      ...c,
      ...(meshIds.has(c.name) ? { meshId: meshIds.get(c.name) } : {}),
      gateways: { ...c.gateways, gateways: [...c.gateways.gateways, ...(extraGateways.get(c.name) ?? [])] },
      wiring: { ...c.wiring, ...(mc ? { multicluster: mc } : {}), ...(fed ? { federation: fed } : {}) },
    };
  });
}

type Fail = (path: DocPath, message: string, key?: boolean) => void;

/** The cluster's own gateways must neither take the name of a gateway the wiring adds nor select its pods. */
function checkOwnGatewaysApart(c: ClusterConfig, added: GatewaySettings, whose: string, ctx: WiringContext, fail: Fail): void {
  for (const own of c.gateways.gateways) {
    if (own.name === added.name) {
      fail(ctx.clusterPath(c.name, gatewaySettingPath(own, 'name')), `cluster "${c.name}": gateway name "${own.name}" is used by ${whose}; give this gateway another name`);
    } else if (selectSamePods(own, added)) {
      fail(
        ctx.clusterPath(c.name, gatewaySettingPath(own, 'labels')),
        `cluster "${c.name}": ${nameOf(own)} selects the pods of ${whose} (${formatLabels(added.selector)}), whose Gateway resources would attach to it too; give it distinct labels app or istio`,
      );
    }
  }
}

function resolveMesh(
  meshName: string,
  mesh: MeshInput,
  members: ClusterConfig[],
  path: DocPath,
  ctx: WiringContext,
  fail: Fail,
  warn: Fail,
  known: (name: string, path: DocPath) => boolean,
): { clusters: Map<string, { wiring: MulticlusterWiring; gateway?: GatewaySettings }> } {
  const out = new Map<string, { wiring: MulticlusterWiring; gateway?: GatewaySettings }>();
  const model = mesh.model ?? TopologyDefaults.meshModel;
  let ok = true;
  const bad: Fail = (p, m, k) => {
    ok = false;
    fail(p, m, k);
  };
  const first = members[0];

  for (const c of members) {
    if (c.network === undefined) bad(ctx.clusterPath(c.name, ['network']), `cluster "${c.name}" is in mesh "${meshName}" and needs a network (set \`network\`; clusters on one network reach each other's pods directly)`);
    if (c.meshId !== undefined && c.meshId !== meshName) bad(ctx.clusterPath(c.name, ['meshId']), `cluster "${c.name}": meshId "${c.meshId}" differs from its mesh "${meshName}"; remove it (the mesh name is the mesh id)`);
    if (!c.wiring.ca) bad(ctx.clusterPath(c.name, ['security']), `cluster "${c.name}" is in mesh "${meshName}": its clusters must share a root of trust; set security.ca (ExternalSecret, cert-manager or existing cacerts)`);
    if (first && c !== first) {
      if (c.trustDomain !== first.trustDomain) bad(ctx.clusterPath(c.name, ['trustDomain']), `cluster "${c.name}" has trust domain "${c.trustDomain}", but "${first.name}" in the same mesh "${meshName}" has "${first.trustDomain}"; one mesh has one trust domain`);
      if (c.clusterDomain !== first.clusterDomain) bad(ctx.clusterPath(c.name, ['clusterDomain']), `cluster "${c.name}" has cluster domain "${c.clusterDomain}", but "${first.name}" in the same mesh "${meshName}" has "${first.clusterDomain}"; one mesh has one cluster domain`);
    }
  }
  checkCidrs(meshName, members, ctx, bad, warn, mesh.clusters.length === 1);

  let primary: ClusterConfig | undefined;
  if (model === 'primary-remote') {
    if (mesh.primary === undefined) bad([...path, 'model'], `mesh "${meshName}" is primary-remote: name its primary (\`primary\`)`);
    else if (known(mesh.primary, [...path, 'primary'])) {
      primary = members.find((c) => c.name === mesh.primary);
      if (!primary) bad([...path, 'primary'], `primary "${mesh.primary}" is not one of the mesh's clusters`);
    }
  } else if (mesh.primary !== undefined) {
    bad([...path, 'primary'], `\`primary\` applies to primary-remote meshes; mesh "${meshName}" is multi-primary`);
  }
  if (primary) {
    const version = (c: ClusterConfig) => c.istio.revisions.map((r) => `${r.name}@${r.release.version}`).join(', ');
    // The east-west gateway exposes one istiod to the remotes; a canary would need a second route and webhook set.
    if (primary.istio.revisions.length !== 1) bad(ctx.clusterPath(primary.name, ['istio']), `cluster "${primary.name}" is the primary of primary-remote mesh "${meshName}": it must run one Istio revision (found ${version(primary)}); canary upgrades of a primary-remote mesh are not supported`);
    // A remote's proxies are injected and configured by the primary's istiod, with the primary's settings.
    for (const c of members) {
      if (c === primary) continue;
      for (const [key, mine, theirs] of [['mesh', c.mesh, primary.mesh], ['sidecar', c.sidecar, primary.sidecar]] as const) {
        if (JSON.stringify(mine) !== JSON.stringify(theirs)) {
          warn(ctx.clusterPath(c.name, [key]), `cluster "${c.name}" is a remote of "${primary.name}": its \`${key}\` settings differ from the primary's and do not apply; the primary's istiod injects and configures its proxies`);
        }
      }
    }
    for (const c of members) {
      if (c !== primary && c.controlPlane.namespace !== primary.controlPlane.namespace) {
        bad(ctx.clusterPath(c.name, ['controlPlane', 'namespace']), `cluster "${c.name}" is a remote of "${primary.name}": its control-plane namespace "${c.controlPlane.namespace}" must be the primary's ("${primary.controlPlane.namespace}"), which proxies dial istiod in`);
      }
    }
    for (const c of members) {
      if (c !== primary && version(c) !== version(primary)) {
        bad(ctx.clusterPath(c.name, ['istio']), `cluster "${c.name}" is a remote of "${primary.name}" and uses its control plane: its Istio revisions (${version(c)}) must be the primary's (${version(primary)})`);
      }
    }
  }

  const rs = mesh.remoteSecrets;
  if ((rs.externalSecret ? 1 : 0) + (rs.existingSecret ? 1 : 0) !== 1) {
    bad([...path, 'remoteSecrets'], 'remoteSecrets: set exactly one of externalSecret and existingSecret: true');
  }

  const addresses = mesh.eastWestGateway?.addresses ?? {};
  for (const name of Object.keys(addresses)) {
    if (known(name, [...path, 'eastWestGateway', 'addresses', name]) && !members.some((c) => c.name === name)) {
      bad([...path, 'eastWestGateway', 'addresses', name], `cluster "${name}" has east-west gateway addresses but is not in mesh "${meshName}"`, true);
    }
  }
  const networks = new Set(members.map((c) => c.network).filter((n): n is string => n !== undefined));
  const multiNetwork = networks.size > 1;
  // The first cluster of a mesh renders as a member of one over several networks, so that
  // members joining on other networks later need nothing new from it but their own entries.
  const lone = mesh.clusters.length === 1;
  const crossNetwork = multiNetwork || lone;
  const needsGateway = (c: ClusterConfig) => crossNetwork || c === primary;
  for (const c of members) {
    // No peer reaches a lone member yet; its load balancer's address may come after its first sync.
    if (!lone && needsGateway(c) && !addresses[c.name]) {
      bad(
        [...path, 'eastWestGateway'],
        `mesh "${meshName}": cluster "${c.name}" needs east-west gateway addresses (eastWestGateway.addresses.${c.name}): ${multiNetwork ? 'the mesh spans several networks' : 'remotes reach the primary\'s istiod through it'}`,
      );
    }
  }
  if (primary && addresses[primary.name]) {
    const list = addresses[primary.name].map(addressOf);
    // Remotes mirror the primary's istiod as a Service: IPs become its endpoints, a name its ExternalName.
    if (list.some((a) => a.kind === 'hostname') && list.length > 1) {
      bad([...path, 'eastWestGateway', 'addresses', primary.name], `the primary's east-west gateway is reached by remotes as istiod: give IP addresses or a single DNS name, not ${list.map((a) => a.address).join(', ')}`, true);
    }
  }
  if (!ok || members.length === 0) return { clusters: out };

  const serviceType = mesh.eastWestGateway?.serviceType ?? TopologyDefaults.gatewayServiceType;
  const meshNetworks: MeshNetwork[] = sorted([...networks], (n) => n).map((network) => {
    const on = members.filter((c) => c.network === network);
    return {
      network,
      clusters: on.map((c) => c.clusterId).sort(),
      gateways: crossNetwork ? on.flatMap((c) => (addresses[c.name] ?? []).map(addressOf)) : [],
    };
  });

  for (const c of members) {
    const role = model === 'multi-primary' || c === primary ? 'primary' : 'remote';
    const peers = role === 'remote' ? [] : members.filter((p) => p !== c && (model === 'multi-primary' || p !== primary));
    const remoteSecrets: RemoteSecret[] = sorted(peers, (p) => p.name).map((p) => ({
      cluster: p.name,
      secretName: remoteSecretName(p.name),
      source: rs.externalSecret
        ? { kind: 'external-secret', store: { kind: rs.externalSecret.store.kind ?? TopologyDefaults.storeKind, name: rs.externalSecret.store.name }, remoteKey: `${rs.externalSecret.keyPrefix ?? TopologyDefaults.remoteSecretKeyPrefix}${p.name}` }
        : { kind: 'existing-secret' },
    }));
    const exposeIstiod = c === primary;
    const eastWest = {
      name: EAST_WEST_GATEWAY,
      namespace: c.controlPlane.namespace,
      serviceType,
      addresses: (addresses[c.name] ?? []).map(addressOf),
      ...(exposeIstiod ? { istiodService: istiodServiceName(c.istio.revisions[0].name) } : {}),
    } as const;
    const gateway = needsGateway(c)
      ? passthroughGateway(c, ctx, {
          role: 'eastwest',
          name: EAST_WEST_GATEWAY,
          serviceType,
          ports: exposeIstiod ? [{ name: 'tls-istiod', port: IstiodPorts.TLS_XDS }, { name: 'tls-istiodwebhook', port: IstiodPorts.WEBHOOK }] : [],
          labels: { [Labels.NETWORK]: c.network! },
          // The gateway forwards only to endpoints of its own network.
          proxyEnv: { ISTIO_META_REQUESTED_NETWORK_VIEW: c.network! },
        })
      : undefined;
    out.set(c.name, {
      wiring: {
        mesh: meshName,
        model,
        role,
        network: c.network!,
        ...(role === 'remote' && primary
          ? { primary: { cluster: primary.name, addresses: (addresses[primary.name] ?? []).map(addressOf), istiodService: istiodServiceName(primary.istio.revisions[0].name) } }
          : {}),
        eastWestGateway: eastWest,
        networks: meshNetworks,
        remoteSecrets,
      },
      ...(gateway ? { gateway } : {}),
    });
  }
  return { clusters: out };
}

function checkCidrs(meshName: string, members: ClusterConfig[], ctx: WiringContext, fail: Fail, warn: Fail, lone: boolean): void {
  const seen: { cluster: string; kind: string; cidr: string }[] = [];
  const others = lone ? 'those of members that join it' : 'the other members\'';
  for (const c of members) {
    if (c.podCIDRs.length === 0 || c.serviceCIDRs.length === 0) {
      warn(ctx.clusterPath(c.name, []), `cluster "${c.name}" is in mesh "${meshName}" without podCIDRs and serviceCIDRs: meshc cannot check that its ranges do not overlap ${others}`);
    }
    for (const [kind, list] of [['podCIDRs', c.podCIDRs], ['serviceCIDRs', c.serviceCIDRs]] as const) {
      list.forEach((cidr, i) => {
        const range = parseCidr(cidr);
        if (!range) {
          fail(ctx.clusterPath(c.name, [kind, i]), `"${cidr}" is not a valid CIDR`);
          return;
        }
        for (const other of seen) {
          if (other.cluster === c.name) continue;
          const r = parseCidr(other.cidr)!;
          if (overlaps(range, r)) {
            fail(ctx.clusterPath(c.name, [kind, i]), `cluster "${c.name}" ${kind} ${cidr} overlaps ${other.kind} ${other.cidr} of cluster "${other.cluster}" in mesh "${meshName}"; members' pod and service ranges must be disjoint`);
          }
        }
      });
    }
    for (const kind of ['podCIDRs', 'serviceCIDRs'] as const) for (const cidr of c[kind]) seen.push({ cluster: c.name, kind, cidr });
  }
}

function resolveFederation(
  fedName: string,
  fed: FederationInput,
  members: { cluster: ClusterConfig; index: number }[],
  path: DocPath,
  ctx: WiringContext,
  fail: Fail,
  warn: Fail,
): Map<string, { wiring: FederationWiring; gateway: GatewaySettings }> {
  const out = new Map<string, { wiring: FederationWiring; gateway: GatewaySettings }>();
  let ok = true;
  const bad: Fail = (p, m, k) => {
    ok = false;
    fail(p, m, k);
  };
  const memberPath = (i: number, ...sub: (string | number)[]): DocPath => [...path, 'members', i, ...sub];

  const domains = new Map<string, string>();
  const trustDomains = new Map<string, string>();
  const roots = new Map<string, string>();
  const exportsOf = new Map<string, ExportedService[]>();
  for (const { cluster: c, index: i } of members) {
    const domainOwner = domains.get(c.clusterDomain);
    if (domainOwner) bad(memberPath(i, 'cluster'), `federation "${fedName}": clusters "${domainOwner}" and "${c.name}" share the cluster domain "${c.clusterDomain}"; members need their own (set clusterDomain)`);
    domains.set(c.clusterDomain, c.name);
    const trustOwner = trustDomains.get(c.trustDomain);
    if (trustOwner) bad(memberPath(i, 'cluster'), `federation "${fedName}": clusters "${trustOwner}" and "${c.name}" share the trust domain "${c.trustDomain}"; members need their own (set trustDomain)`);
    trustDomains.set(c.trustDomain, c.name);
    if (!c.mesh.dnsProxying) {
      warn(memberPath(i, 'cluster'), `federation "${fedName}": cluster "${c.name}" has mesh.dnsProxying off, so its workloads cannot resolve the other members' service names (*.svc.<their domain>)`);
    }

    const m = fed.members[i];
    const root = m.rootCertificate;
    if ((root.file ? 1 : 0) + (root.pem ? 1 : 0) !== 1) {
      bad(memberPath(i, 'rootCertificate'), 'rootCertificate: set exactly one of file and pem');
    } else {
      let pem = root.pem;
      if (root.file) {
        try {
          pem = ctx.readFile(root.file);
        } catch (err) {
          bad(memberPath(i, 'rootCertificate', 'file'), `cannot read ${root.file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
        }
      }
      if (pem !== undefined) {
        const where = root.file ? root.file : 'rootCertificate.pem';
        if (containsPrivateKey(pem)) bad(memberPath(i, 'rootCertificate', root.file ? 'file' : 'pem'), `${where} contains a PEM private key: only the public root certificate belongs in the configuration repository`);
        else if (!/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.test(pem)) bad(memberPath(i, 'rootCertificate', root.file ? 'file' : 'pem'), `${where} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
        else roots.set(c.name, pem.trim() + '\n');
      }
    }

    const seen = new Map<string, number>();
    const list: ExportedService[] = [];
    (m.exports ?? []).forEach((e, j) => {
      const id = `${e.namespace}/${e.name}`;
      const before = seen.get(id);
      if (before !== undefined) {
        bad(memberPath(i, 'exports', j), `service ${id} is exported twice (exports[${before}] and exports[${j}])`);
        return;
      }
      seen.set(id, j);
      const portNames = new Set<string>();
      e.ports.forEach((p, k) => {
        if (portNames.has(p.name)) bad(memberPath(i, 'exports', j, 'ports', k, 'name'), `port name "${p.name}" is used twice in ${id}`);
        portNames.add(p.name);
      });
      list.push({ namespace: e.namespace, name: e.name, ports: e.ports.map((p) => ({ name: p.name, number: p.port, protocol: p.protocol ?? TopologyDefaults.portProtocol })) });
    });
    exportsOf.set(c.name, sorted(list, (s) => `${s.namespace}/${s.name}`));
  }
  if (!ok || members.length < 2) return out;

  for (const { cluster: c, index: i } of members) {
    const m = fed.members[i];
    const others = sorted(members.filter((x) => x.cluster !== c), (x) => x.cluster.name);
    const found = others.flatMap(({ cluster: o, index: j }) =>
      exportsOf.get(o.name)!.map((s) => ({
        fromCluster: o.name,
        namespace: s.namespace,
        name: s.name,
        host: `${s.name}.${s.namespace}.svc.${o.clusterDomain}`,
        ports: s.ports,
        endpoints: fed.members[j].gateway.addresses.map(addressOf),
      })),
    );
    const names = importedObjectNames(found);
    const imported: ImportedService[] = found.map((s, k) => ({ ...s, objectName: names[k] }));
    const trustedRoots: TrustedRoot[] = others.map(({ cluster: o }) => ({ cluster: o.name, trustDomains: [o.trustDomain], pem: roots.get(o.name)! }));
    const serviceType = m.gateway.serviceType ?? TopologyDefaults.gatewayServiceType;
    const gateway = passthroughGateway(c, ctx, {
      role: 'federation',
      name: FEDERATION_GATEWAY,
      serviceType,
      ports: [],
      // Keeps the peers' source addresses, and avoids a second hop between nodes.
      externalTrafficPolicy: 'Local',
    });
    out.set(c.name, {
      gateway,
      wiring: {
        federation: fedName,
        gateway: { name: FEDERATION_GATEWAY, namespace: c.controlPlane.namespace, serviceType, hosts: [`*.${c.clusterDomain}`] },
        exported: exportsOf.get(c.name)!,
        imported: sorted(imported, (s) => s.objectName),
        trustedRoots,
      },
    });
  }
  return out;
}

/**
 * A gateway the topology adds in the control-plane namespace: health and the passthrough port,
 * then `spec.ports`. Its `app` and `istio` labels follow from its name, as for any gateway.
 */
function passthroughGateway(c: ClusterConfig, ctx: WiringContext, spec: Omit<FleetGatewaySpec, 'namespace'>): GatewaySettings {
  const ports = [{ name: 'status-port', port: ProxyPorts.HEALTH }, { name: 'tls', port: PASSTHROUGH_PORT }, ...spec.ports];
  return resolveFleetGateway({ ...spec, namespace: c.controlPlane.namespace, ports }, ctx.clusterContext(c.name), c.istio, c.gateways);
}

/** `fed-<cluster>-<namespace>-<service>`, shortened with a hash when longer than a DNS label allows. */
export function importedObjectName(cluster: string, namespace: string, service: string): string {
  const full = `fed-${cluster}-${namespace}-${service}`;
  return full.length <= 63 ? full : hashed(full, `${cluster}/${namespace}/${service}`);
}

/**
 * Names of one cluster's imported services. Names hold dashes, so cluster `a-b` with namespace `c`
 * and cluster `a` with namespace `b-c` read alike: colliding names all get a hash of their triple.
 */
export function importedObjectNames(services: readonly { fromCluster: string; namespace: string; name: string }[]): string[] {
  const plain = services.map((s) => importedObjectName(s.fromCluster, s.namespace, s.name));
  const count = new Map<string, number>();
  for (const n of plain) count.set(n, (count.get(n) ?? 0) + 1);
  return services.map((s, i) => (count.get(plain[i])! > 1 ? hashed(`fed-${s.fromCluster}-${s.namespace}-${s.name}`, `${s.fromCluster}/${s.namespace}/${s.name}`) : plain[i]));
}

function hashed(name: string, identity: string): string {
  const hash = createHash('sha256').update(identity).digest('hex').slice(0, 8);
  return `${name.slice(0, 54).replace(/-+$/, '')}-${hash}`;
}
