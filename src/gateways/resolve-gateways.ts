/** Resolution of the gateway settings of one cluster. */
import { isIP } from 'node:net';
import type { DeploymentTuning } from '../config/cluster-config';
import {
  EgressGatewaySchema,
  GATEWAY_KINDS,
  IngressGatewaySchema,
  NamedGatewaySchema,
  type BuiltinGatewayInput,
  type ForwardClientCertDetails,
  type GatewaysSchema,
  type NamedGatewayInput,
} from '../config/gateways-schema';
import type { Static } from '../config/schema-builder';
import { defaultsFromSchema } from '../config/schema-defaults';
import { resolveScheduling } from '../config/tuning-schema';
import { deepMerge } from '../util/deep-merge';
import { Annotations, Labels } from '../labels';
import type { ResolveContext } from '../config/resolve-context';
import type { IstioRelease } from '../catalog/versions';
import { revisionOf, type IstioInstall } from '../config/resolve-istio';
import { didYouMean } from '../util/did-you-mean';
import { GATEWAY_MANAGED_PROXY_ENV } from './proxy-env';

export type GatewaysInput = Static<typeof GatewaysSchema>;

/** `eastwest` and `federation` gateways are added by the fleet topology, not written in `gateways`. */
export type GatewayRole = 'ingress' | 'egress' | 'named' | 'eastwest' | 'federation';

export interface ServicePort {
  readonly name: string;
  readonly port: number;
  readonly targetPort: number;
  readonly protocol: 'TCP' | 'UDP' | 'SCTP';
  readonly nodePort?: number;
}

export interface GatewayService {
  readonly type: 'LoadBalancer' | 'NodePort' | 'ClusterIP';
  readonly annotations: Readonly<Record<string, string>>;
  readonly loadBalancerSourceRanges: readonly string[];
  /** Unset: Kubernetes' default (Cluster). */
  readonly externalTrafficPolicy?: 'Local' | 'Cluster';
  readonly ports: readonly ServicePort[];
}

/** How a gateway derives client addresses and certificates: Envoy reads these once, at start. */
export interface GatewayTopology {
  readonly numTrustedProxies: number;
  /** Unset: Istio's default. */
  readonly forwardClientCertDetails?: ForwardClientCertDetails;
  readonly proxyProtocol: boolean;
}

export interface GatewayServer {
  readonly name: string;
  readonly protocol: 'HTTP' | 'HTTPS';
  readonly port: number;
  readonly hosts: readonly string[];
  /** HTTPS: the Secret with the certificate and how clients are verified. */
  readonly tls?: { readonly credentialName: string; readonly mode: 'SIMPLE' | 'MUTUAL' };
  /** HTTP: redirect every request to HTTPS. */
  readonly httpsRedirect: boolean;
  /** HTTPS: a cert-manager Certificate writes `tls.credentialName`. */
  readonly certificate?: { readonly issuer: string; readonly kind: 'ClusterIssuer' | 'Issuer' };
}

export interface GatewaySettings extends DeploymentTuning {
  readonly role: GatewayRole;
  /** Name of the Deployment, Service, ServiceAccount, Role, autoscaler, budget and Gateway resource. */
  readonly name: string;
  readonly namespace: string;
  /** Labels selecting the gateway's pods (Deployment, Service, Gateway resources). */
  readonly selector: Readonly<Record<string, string>>;
  /** Further labels of every object and pod of the gateway. */
  readonly labels: Readonly<Record<string, string>>;
  readonly service: GatewayService;
  readonly topology: GatewayTopology;
  /**
   * The topology differs from the mesh-wide defaults, so the pod carries it itself. The pod's
   * value replaces the mesh's `gatewayTopology` as a whole, which is why it is complete.
   */
  readonly topologyOnPod: boolean;
  readonly servers: readonly GatewayServer[];
  /** Which revision injects the gateway's proxy, and so which release it runs. */
  readonly injection: GatewayInjection;
  /** Environment of the proxy container beyond what injection gives it. */
  readonly proxyEnv: Readonly<Record<string, string>>;
}

export interface GatewayInjection {
  /** Value of the pod's `istio.io/rev` label; unset: default injection (`sidecar.istio.io/inject=true`). */
  readonly revisionLabel?: string;
  /** Release of the revision injecting the gateway. */
  readonly release: IstioRelease;
}

/** Resolved gateway settings. */
export interface GatewaysConfig {
  /** Enabled gateways: ingress, egress, then named ones by name. */
  readonly gateways: readonly GatewaySettings[];
  /** Mesh-wide X-Forwarded-For depth (MeshConfig `defaultConfig.gatewayTopology`). */
  readonly numTrustedProxies: number;
  /** Mesh-wide XFCC handling; unset: Istio's default. */
  readonly forwardClientCertDetails?: ForwardClientCertDetails;
}


const DEFAULTS = {
  ingress: defaultsFromSchema(IngressGatewaySchema.json),
  egress: defaultsFromSchema(EgressGatewaySchema.json),
  named: defaultsFromSchema(NamedGatewaySchema.json),
};

const SERVER_PORT = { HTTP: 80, HTTPS: 443 } as const;

/** Keys meshc sets on gateway pods and objects; the fleet file must not fight them. */
const MANAGED_POD_ANNOTATIONS: readonly string[] = [Annotations.INJECT_TEMPLATES, Annotations.SIDECAR_INJECT, Annotations.GATEWAY_CONFIG_HASH];
const MANAGED_LABELS: readonly string[] = [
  Labels.SIDECAR_INJECT,
  Labels.REV,
  Labels.DATAPLANE_MODE,
  Labels.NAME,
  Labels.PART_OF,
  Labels.VERSION,
  Labels.MANAGED_BY,
];

/**
 * `istio` is undefined when the cluster's `istio:` section failed to resolve: the gateways are
 * still checked, and the cluster is not rendered anyway.
 */
/**
 * `meshProxyMetadata`: names the fleet's `mesh.proxyConfig.proxyMetadata` gives every proxy, which
 * a gateway's own proxyEnv would fight.
 */
export function resolveGateways(
  input: GatewaysInput | undefined,
  ctx: ResolveContext,
  istio: IstioInstall | undefined,
  meshProxyMetadata: readonly string[] = [],
): GatewaysConfig {
  const fleet = { numTrustedProxies: input?.numTrustedProxies ?? 0, forwardClientCertDetails: input?.forwardClientCertDetails, meshProxyMetadata };
  const candidates: Candidate[] = GATEWAY_KINDS.map((role) => {
    const raw = deepMerge<BuiltinGatewayInput>(DEFAULTS[role], input?.[role]);
    return { role, name: raw.name!, raw };
  });
  for (const key of Object.keys(input?.named ?? {}).sort()) {
    candidates.push({ role: 'named', name: key, raw: deepMerge<NamedGatewayInput>(DEFAULTS.named, input!.named![key]) });
  }
  // Named gateways join the ingress gateway's namespace unless they say otherwise, even with the ingress gateway off.
  const ingressNamespace = candidates[0].raw.namespace!;

  const gateways: GatewaySettings[] = [];
  const byName = new Map<string, GatewaySettings>();
  for (const c of candidates) {
    if (!c.raw.enabled) continue;
    const g = resolveGateway(c.role, c.name, c.raw, settingsPath(c.role, c.name), ingressNamespace, fleet, ctx, istio);
    const taken = byName.get(g.name);
    if (taken) {
      ctx.fail(gatewaySettingPath(g, 'name'), `gateway name "${g.name}" is already used by ${nameOf(taken)}; gateway names are unique in a cluster`);
      continue;
    }
    byName.set(g.name, g);
    gateways.push(g);
  }

  checkSelectorsAreDistinct(gateways, ctx);
  checkCertificatesAreUnique(gateways, ctx);
  return { gateways, ...fleet };
}

/** How messages name a gateway. */
export function nameOf(g: GatewaySettings): string {
  return g.role === 'named' ? `gateway "${g.name}"` : `the ${g.role} gateway`;
}

function resolveGateway(
  role: GatewayRole,
  name: string,
  g: NamedGatewayInput,
  path: string[],
  ingressNamespace: string,
  fleet: { numTrustedProxies: number; forwardClientCertDetails?: ForwardClientCertDetails; meshProxyMetadata: readonly string[] },
  ctx: ResolveContext,
  istio: IstioInstall | undefined,
): GatewaySettings {
  const fail = (sub: (string | number)[], message: string) => ctx.fail([...path, ...sub], message);
  const who = role === 'named' ? `gateway "${name}"` : `${role} gateway`;
  // Without its own revision a gateway relies on default injection, which the istio section lacks.
  const injection = resolveInjection(g.revision, istio, who, (message) => (g.revision ? fail(['revision'], message) : ctx.fail(['istio', 'revisions'], message)));

  const autoscale = g.autoscale as DeploymentTuning['autoscale'];
  if (autoscale.enabled && autoscale.min > autoscale.max) {
    fail(['autoscale', 'min'], `${who} autoscale.min (${autoscale.min}) is greater than autoscale.max (${autoscale.max})`);
  }

  const labels = { ...(g.labels ?? {}) };
  const selector = { [Labels.APP]: labels[Labels.APP] ?? name, [Labels.ISTIO]: labels[Labels.ISTIO] ?? name.replace(/^istio-/, '') };
  for (const key of Object.keys(labels)) {
    if (MANAGED_LABELS.includes(key)) fail(['labels', key], `label ${key} is set by meshc and cannot be overridden`);
  }
  const scheduling = resolveScheduling(g);
  for (const key of Object.keys(scheduling.podLabels)) {
    if (MANAGED_LABELS.includes(key) || key in selector) {
      fail(['podLabels', key], `pod label ${key} is set by meshc${key in selector ? '; set it in `labels`, which also selects the pods' : ' and cannot be overridden'}`);
    }
  }

  const topology: GatewayTopology = {
    numTrustedProxies: g.numTrustedProxies ?? fleet.numTrustedProxies,
    forwardClientCertDetails: g.forwardClientCertDetails ?? fleet.forwardClientCertDetails,
    proxyProtocol: g.proxyProtocol!,
  };
  const topologyOnPod =
    topology.proxyProtocol ||
    topology.numTrustedProxies !== fleet.numTrustedProxies ||
    topology.forwardClientCertDetails !== fleet.forwardClientCertDetails;
  for (const key of Object.keys(scheduling.podAnnotations)) {
    if (MANAGED_POD_ANNOTATIONS.includes(key)) fail(['podAnnotations', key], `pod annotation ${key} is set by meshc and cannot be overridden`);
    if (key === Annotations.PROXY_CONFIG && topologyOnPod) {
      fail(
        ['podAnnotations', key],
        `pod annotation ${key} is set by meshc for this gateway's proxyProtocol, numTrustedProxies and forwardClientCertDetails and cannot be set as well`,
      );
    }
  }

  const proxyEnv = { ...(g.proxyEnv ?? {}) };
  for (const key of Object.keys(proxyEnv)) {
    const source = GATEWAY_MANAGED_PROXY_ENV.get(key) ?? (fleet.meshProxyMetadata.includes(key) ? '`mesh.proxyConfig.proxyMetadata`' : undefined);
    if (source !== undefined) fail(['proxyEnv', key], `proxy env ${key} is set by meshc from ${source} and cannot be overridden`);
  }

  const service = resolveService(g.service!, fail);
  const servers = resolveServers(g.servers ?? [], service, fail);

  return {
    role,
    name,
    namespace: g.namespace ?? ingressNamespace,
    selector,
    labels,
    service,
    topology,
    topologyOnPod,
    servers,
    injection,
    proxyEnv,
    autoscale,
    replicas: g.replicas!,
    resources: g.resources ?? {},
    rollout: g.rollout as DeploymentTuning['rollout'],
    ...scheduling,
  };
}

type Fail = (sub: (string | number)[], message: string) => void;

/** What the fleet topology asks of a gateway it adds to a cluster. */
export interface FleetGatewaySpec {
  readonly role: 'eastwest' | 'federation';
  readonly name: string;
  readonly namespace: string;
  readonly serviceType: 'LoadBalancer' | 'NodePort';
  readonly ports: readonly { readonly name: string; readonly port: number }[];
  /** Beyond `app` and `istio`, which follow from the name. */
  readonly labels?: Readonly<Record<string, string>>;
  readonly externalTrafficPolicy?: 'Local' | 'Cluster';
  readonly proxyEnv?: Readonly<Record<string, string>>;
}

/**
 * A gateway of the fleet topology (east-west, federation), resolved like a named gateway with
 * the named gateways' defaults, so it gets the same tuning, budget and restricted pod.
 */
export function resolveFleetGateway(spec: FleetGatewaySpec, ctx: ResolveContext, istio: IstioInstall, meshWide: GatewaysConfig): GatewaySettings {
  const raw = deepMerge<NamedGatewayInput>(DEFAULTS.named, {
    namespace: spec.namespace,
    // Peers connect directly: no proxy in front appends X-Forwarded-For.
    numTrustedProxies: 0,
    labels: { ...(spec.labels ?? {}) },
    service: {
      type: spec.serviceType,
      ports: spec.ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.port, protocol: 'TCP' as const })),
      ...(spec.externalTrafficPolicy ? { externalTrafficPolicy: spec.externalTrafficPolicy } : {}),
    },
  });
  const fleet = { numTrustedProxies: meshWide.numTrustedProxies, forwardClientCertDetails: meshWide.forwardClientCertDetails, meshProxyMetadata: [] };
  const g = resolveGateway(spec.role, spec.name, raw, ['gateways'], spec.namespace, fleet, ctx, istio);
  return { ...g, proxyEnv: { ...(spec.proxyEnv ?? {}) } };
}

function resolveInjection(revision: string | undefined, istio: IstioInstall | undefined, who: string, fail: (message: string) => void): GatewayInjection {
  if (!istio) return { release: undefined as unknown as IstioRelease };
  if (revision === undefined) {
    const target = istio.defaultRevision === undefined ? undefined : revisionOf(istio, istio.defaultRevision);
    if (!target) {
      fail(`${who}: no revision serves default injection (neither a \`default\` revision nor a \`default\` tag); set the gateway's \`revision\` or add tags.default`);
      return { release: istio.release };
    }
    return { release: target.release };
  }
  const target = revisionOf(istio, revision);
  if (!target) {
    const names = [...istio.revisions.map((r) => r.name), ...istio.tags.map((t) => t.name)];
    const hint = didYouMean(revision, names);
    fail(`${who}: revision "${revision}" is neither a revision nor a tag of this cluster (${names.join(', ')})${hint ? `; did you mean "${hint}"?` : ''}`);
    return { release: istio.release };
  }
  return { revisionLabel: revision, release: target.release };
}

function resolveService(s: NonNullable<NamedGatewayInput['service']>, fail: Fail): GatewayService {
  const type = s.type!;
  const names = new Map<string, number>();
  const numbers = new Map<string, number>();
  const ports = s.ports!.map((p, i): ServicePort => {
    const first = names.get(p.name);
    if (first !== undefined) fail(['service', 'ports', i, 'name'], `service port name "${p.name}" is used twice (ports[${first}] and ports[${i}])`);
    names.set(p.name, i);
    const protocol = p.protocol ?? 'TCP';
    const id = `${p.port}/${protocol}`;
    const sameNumber = numbers.get(id);
    if (sameNumber !== undefined) fail(['service', 'ports', i, 'port'], `service port ${id} is used twice (ports[${sameNumber}] and ports[${i}])`);
    numbers.set(id, i);
    if (p.nodePort !== undefined && type === 'ClusterIP') {
      fail(['service', 'ports', i, 'nodePort'], 'nodePort needs service type NodePort or LoadBalancer, not ClusterIP');
    }
    return { name: p.name, port: p.port, targetPort: p.targetPort ?? p.port, protocol, ...(p.nodePort !== undefined ? { nodePort: p.nodePort } : {}) };
  });
  const ranges = s.loadBalancerSourceRanges ?? [];
  if (ranges.length > 0 && type !== 'LoadBalancer') {
    fail(['service', 'loadBalancerSourceRanges'], `loadBalancerSourceRanges needs service type LoadBalancer, not ${type}`);
  }
  ranges.forEach((cidr, i) => {
    const problem = cidrProblem(cidr);
    if (problem) fail(['service', 'loadBalancerSourceRanges', i], `"${cidr}" is not a CIDR: ${problem}`);
  });
  if (s.externalTrafficPolicy !== undefined && type === 'ClusterIP') {
    fail(['service', 'externalTrafficPolicy'], 'externalTrafficPolicy applies to service types NodePort and LoadBalancer, not ClusterIP');
  }
  return { type, annotations: s.annotations ?? {}, loadBalancerSourceRanges: ranges, externalTrafficPolicy: s.externalTrafficPolicy, ports };
}

function cidrProblem(cidr: string): string | undefined {
  const [address, bits] = cidr.split('/');
  const family = isIP(address);
  if (family === 0) return `${address} is not an IP address`;
  const max = family === 4 ? 32 : 128;
  if (Number(bits) > max) return `the prefix length is at most ${max}`;
  return undefined;
}

function resolveServers(input: NonNullable<NamedGatewayInput['servers']>, service: GatewayService, fail: Fail): GatewayServer[] {
  const names = new Map<string, number>();
  const protocolByPort = new Map<number, { protocol: string; index: number }>();
  const tlsHosts = new Map<string, number>();
  const servicePorts = new Set(service.ports.filter((p) => p.protocol === 'TCP').map((p) => p.port));
  return input.map((s, i): GatewayServer => {
    const at = (...sub: (string | number)[]) => ['servers', i, ...sub];
    const first = names.get(s.name);
    if (first !== undefined) fail(at('name'), `server name "${s.name}" is used twice (servers[${first}] and servers[${i}])`);
    names.set(s.name, i);

    const port = s.port ?? SERVER_PORT[s.protocol];
    if (!servicePorts.has(port)) {
      fail(s.port === undefined ? at('protocol') : at('port'), `server "${s.name}" listens on port ${port}, which is not a TCP port of the gateway's Service (${[...servicePorts].join(', ')})`);
    }
    const other = protocolByPort.get(port);
    if (other && other.protocol !== s.protocol) {
      fail(at('protocol'), `server "${s.name}" serves ${s.protocol} on port ${port}, where servers[${other.index}] serves ${other.protocol}; a port carries one protocol`);
    } else if (!other) {
      protocolByPort.set(port, { protocol: s.protocol, index: i });
    }

    const tls = s.tls ?? {};
    if (s.protocol === 'HTTP') {
      if (tls.credentialName !== undefined) fail(at('tls', 'credentialName'), 'credentialName applies to HTTPS servers; an HTTP server carries no certificate');
      if (tls.mode !== undefined) fail(at('tls', 'mode'), 'tls.mode applies to HTTPS servers');
      if (s.certificate) fail(at('certificate'), 'a certificate applies to HTTPS servers');
      return { name: s.name, protocol: 'HTTP', port, hosts: [...s.hosts], httpsRedirect: tls.httpsRedirect ?? false };
    }

    if (tls.httpsRedirect) fail(at('tls', 'httpsRedirect'), 'httpsRedirect applies to HTTP servers: it sends their clients to HTTPS');
    if (tls.credentialName === undefined) {
      fail(at('protocol'), `HTTPS server "${s.name}" needs tls.credentialName: the name of the Secret holding its certificate`);
    }
    for (const host of s.hosts) {
      const key = `${port} ${hostName(host)}`;
      const firstServer = tlsHosts.get(key);
      if (firstServer !== undefined && firstServer !== i) {
        fail(at('hosts'), `host ${hostName(host)} is served over HTTPS on port ${port} by servers[${firstServer}] already; a client's SNI must pick one certificate`);
      }
      tlsHosts.set(key, i);
    }
    if (s.certificate) {
      for (const host of s.hosts) {
        if (hostName(host) === '*') fail(at('hosts'), 'a certificate cannot be issued for the host *; list the host names the certificate covers');
      }
    }
    return {
      name: s.name,
      protocol: 'HTTPS',
      port,
      hosts: [...s.hosts],
      tls: { credentialName: tls.credentialName ?? '', mode: tls.mode ?? 'SIMPLE' },
      httpsRedirect: false,
      ...(s.certificate ? { certificate: { issuer: s.certificate.issuer, kind: s.certificate.kind ?? 'ClusterIssuer' } } : {}),
    };
  });
}

/** The DNS name of a Gateway host, without its namespace restriction. */
export function hostName(host: string): string {
  const slash = host.indexOf('/');
  return slash < 0 ? host : host.slice(slash + 1);
}

interface Candidate {
  readonly role: GatewayRole;
  readonly name: string;
  readonly raw: NamedGatewayInput;
}

/** Where a gateway's settings are, relative to the cluster's. */
const settingsPath = (role: GatewayRole, name: string): string[] => (role === 'named' ? ['gateways', 'named', name] : ['gateways', role]);

/** The labels a gateway's pods carry, as far as another gateway's selector can see them. */
export function podSelectorLabels(g: GatewaySettings): Record<string, string> {
  return { ...g.podLabels, ...g.labels, ...g.selector };
}

/**
 * Gateway resources select pods in every namespace, so a selector matching another gateway's
 * pods would attach its servers to that gateway too.
 */
function checkSelectorsAreDistinct(gateways: readonly GatewaySettings[], ctx: ResolveContext): void {
  gateways.forEach((a, i) => {
    for (const b of gateways.slice(0, i)) {
      if (selectSamePods(a, b)) {
        // Only `labels` can make two selectors meet; point at the gateway that sets them.
        const culprit = Object.keys(a.labels).length > 0 ? a : b;
        ctx.fail(gatewaySettingPath(culprit, 'labels'), `${nameOf(a)} and ${nameOf(b)} select the same pods (${formatLabels(a.selector)}); give one of them distinct labels app or istio`);
      }
    }
  });
}

/** Whether one gateway's selector matches the other's pods, so its Gateway resources would attach to both. */
export function selectSamePods(a: GatewaySettings, b: GatewaySettings): boolean {
  const matches = (selector: Readonly<Record<string, string>>, labels: Record<string, string>) =>
    Object.entries(selector).every(([k, v]) => labels[k] === v);
  return matches(a.selector, podSelectorLabels(b)) || matches(b.selector, podSelectorLabels(a));
}

/**
 * Where a gateway of the `gateways` section sets `field`, relative to its cluster's settings; a
 * named gateway's name is its key.
 */
export function gatewaySettingPath(g: GatewaySettings, field: 'name' | 'labels' | 'servers'): string[] {
  const path = settingsPath(g.role, g.name);
  return field === 'name' && g.role === 'named' ? path : [...path, field];
}

export function formatLabels(labels: Readonly<Record<string, string>>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
}

/** One Secret, one Certificate: two issuers writing the same Secret would overwrite each other forever. */
function checkCertificatesAreUnique(gateways: readonly GatewaySettings[], ctx: ResolveContext): void {
  const seen = new Map<string, string>();
  for (const g of gateways) {
    g.servers.forEach((s, i) => {
      if (!s.certificate || !s.tls) return;
      const id = `${g.namespace}/${s.tls.credentialName}`;
      const first = seen.get(id);
      if (first) {
        ctx.fail(
          [...gatewaySettingPath(g, 'servers'), i, 'certificate'],
          `Secret ${id} already gets a certificate from ${first}; let one server request it and the others only name it in tls.credentialName`,
        );
      } else {
        seen.set(id, `server "${s.name}" of ${nameOf(g)}`);
      }
    });
  }
}
