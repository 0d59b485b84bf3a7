/**
 * Istio AuthorizationPolicy evaluation for one request to one sidecar workload, following
 * Istio's documented semantics (istio.io, "Authorization Policy" reference and security
 * concepts). Pure: rendered policy objects and a request in, a decision with its reason out.
 */
import { BlockList, isIP } from 'node:net';

export type AuthzAction = 'ALLOW' | 'DENY' | 'AUDIT' | 'CUSTOM';

/** The parts of a `security.istio.io/v1` AuthorizationPolicy the evaluator reads, as rendered. */
export interface AuthorizationPolicyObject {
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly annotations?: Readonly<Record<string, string>> };
  readonly spec?: AuthorizationPolicySpec;
}

export interface AuthorizationPolicySpec {
  readonly selector?: { readonly matchLabels?: Readonly<Record<string, string>> };
  readonly targetRef?: unknown;
  readonly targetRefs?: readonly unknown[];
  readonly action?: AuthzAction;
  readonly provider?: { readonly name?: string };
  readonly rules?: readonly PolicyRule[];
}

export interface PolicyRule {
  readonly from?: readonly { readonly source?: PolicySource }[];
  readonly to?: readonly { readonly operation?: PolicyOperation }[];
  readonly when?: readonly PolicyCondition[];
}

type Values = readonly (string | number)[];

export interface PolicySource {
  readonly principals?: Values;
  readonly notPrincipals?: Values;
  readonly requestPrincipals?: Values;
  readonly notRequestPrincipals?: Values;
  readonly namespaces?: Values;
  readonly notNamespaces?: Values;
  readonly ipBlocks?: Values;
  readonly notIpBlocks?: Values;
  readonly remoteIpBlocks?: Values;
  readonly notRemoteIpBlocks?: Values;
}

export interface PolicyOperation {
  readonly hosts?: Values;
  readonly notHosts?: Values;
  readonly ports?: Values;
  readonly notPorts?: Values;
  readonly methods?: Values;
  readonly notMethods?: Values;
  readonly paths?: Values;
  readonly notPaths?: Values;
}

export interface PolicyCondition {
  readonly key: string;
  readonly values?: Values;
  readonly notValues?: Values;
}

/** The workload receiving the request. */
export interface AuthzWorkload {
  readonly namespace: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
}

/**
 * What is known about the request. An attribute left unset is absent, as it is on a real request
 * that lacks it (plaintext has no principal, TCP no method): fields requiring it do not match and
 * their `not` forms do.
 */
export interface AuthzRequest {
  /** The caller's mTLS identity; unset for a plaintext caller. */
  readonly source?: { readonly namespace: string; readonly serviceAccount: string };
  /** The peer address (`source.ip`, `ipBlocks`). */
  readonly sourceIp?: string;
  /** The original client address (`remote.ip`, `remoteIpBlocks`); defaults to `sourceIp`. */
  readonly remoteIp?: string;
  readonly port?: number;
  readonly method?: string;
  readonly path?: string;
  /** Defaults to the `host` header. */
  readonly host?: string;
  /** Header names are case-insensitive. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Claims of a validated JWT; unset when the request carries none. */
  readonly claims?: Readonly<Record<string, unknown>>;
}

export interface MeshIdentity {
  /** Istio's root namespace: its policies apply to workloads in every namespace. */
  readonly rootNamespace: string;
  readonly trustDomain: string;
  readonly trustDomainAliases?: readonly string[];
}

export interface EvaluateOptions {
  /** Continue past a matching CUSTOM policy as if its provider allowed the request. */
  readonly assumeCustomAllow?: boolean;
}

export interface PolicyMatch {
  /** `namespace/name`. */
  readonly policy: string;
  readonly action: AuthzAction;
  /** Zero-based index into `spec.rules`. */
  readonly rule: number;
  readonly provider?: string;
}

export type DecisionReason =
  | 'custom' // a CUSTOM policy matched: its provider decides
  | 'deny-policy' // a DENY policy matched
  | 'no-allow-policy' // no ALLOW policy applies to the workload
  | 'allow-policy' // an ALLOW policy matched
  | 'no-allow-match'; // ALLOW policies apply but none matched

export interface Decision {
  readonly outcome: 'allowed' | 'denied' | 'delegated';
  readonly reason: DecisionReason;
  /** The match that decided; unset for `no-allow-policy` and `no-allow-match`. */
  readonly by?: PolicyMatch;
  /** For `no-allow-match`: the ALLOW policies that applied, none of which matched. */
  readonly allowPolicies: readonly string[];
  /** CUSTOM matches passed over because of `assumeCustomAllow`. */
  readonly customAssumedAllowed: readonly PolicyMatch[];
  /** AUDIT matches: reported, never deciding. */
  readonly audit: readonly PolicyMatch[];
  /** Dry-run policies (`istio.io/dry-run`) that would have matched: reported, never deciding. */
  readonly dryRun: readonly PolicyMatch[];
  /** Namespace/name of every policy that applies to the workload, in evaluation order. */
  readonly applied: readonly string[];
  /** What the evaluator could not model and how it treated it. */
  readonly notes: readonly string[];
}

const DRY_RUN_ANNOTATION = 'istio.io/dry-run';
// Istio reads this trust domain in a policy as "the local one", whatever the mesh's is.
const CLUSTER_LOCAL = 'cluster.local';

/** `<trustDomain>/ns/<ns>/sa/<sa>`, the form policies name principals in. */
export function principalOf(trustDomain: string, namespace: string, serviceAccount: string): string {
  return `${trustDomain}/ns/${namespace}/sa/${serviceAccount}`;
}

export function policyId(p: AuthorizationPolicyObject): string {
  return `${p.metadata.namespace ?? 'default'}/${p.metadata.name}`;
}

/** The policies that apply to the workload, root namespace first, then by name. */
export function applicablePolicies(
  policies: readonly AuthorizationPolicyObject[],
  workload: AuthzWorkload,
  rootNamespace: string,
  notes: string[] = [],
): AuthorizationPolicyObject[] {
  const applies = policies.filter((p) => {
    const ns = p.metadata.namespace ?? 'default';
    if (ns !== workload.namespace && ns !== rootNamespace) return false;
    if (p.spec?.targetRef !== undefined || (p.spec?.targetRefs?.length ?? 0) > 0) {
      notes.push(`${policyId(p)} targets a gateway or waypoint (targetRef), not sidecar workloads; ignored`);
      return false;
    }
    const selector = p.spec?.selector?.matchLabels ?? {};
    return Object.entries(selector).every(([k, v]) => workload.labels[k] === v);
  });
  const rank = (p: AuthorizationPolicyObject) => (p.metadata.namespace === rootNamespace ? 0 : 1);
  return applies.sort((a, b) => rank(a) - rank(b) || cmp(policyId(a), policyId(b)));
}

export function evaluate(
  policies: readonly AuthorizationPolicyObject[],
  workload: AuthzWorkload,
  request: AuthzRequest,
  mesh: MeshIdentity,
  options: EvaluateOptions = {},
): Decision {
  const notes: string[] = [];
  const applied = applicablePolicies(policies, workload, mesh.rootNamespace, notes);
  const ctx = new RequestContext(request, mesh, notes);

  const enforced: { policy: AuthorizationPolicyObject; action: AuthzAction }[] = [];
  const dryRun: PolicyMatch[] = [];
  for (const policy of applied) {
    const action = policy.spec?.action ?? 'ALLOW';
    if (policy.metadata.annotations?.[DRY_RUN_ANNOTATION] === 'true') {
      const m = matchPolicy(policy, action, ctx);
      if (m) dryRun.push(m);
      continue;
    }
    enforced.push({ policy, action });
  }
  const matches = (action: AuthzAction) =>
    enforced.filter((e) => e.action === action).flatMap((e) => matchPolicy(e.policy, action, ctx) ?? []);

  const audit = matches('AUDIT');
  const base = { allowPolicies: [], customAssumedAllowed: [] as PolicyMatch[], audit, dryRun, applied: applied.map(policyId), notes };

  // Istio's order: CUSTOM, then DENY, then ALLOW; AUDIT is only logged.
  const custom = matches('CUSTOM');
  if (custom.length > 0 && !options.assumeCustomAllow) return { ...base, outcome: 'delegated', reason: 'custom', by: custom[0] };
  base.customAssumedAllowed = custom;

  const deny = matches('DENY');
  if (deny.length > 0) return { ...base, outcome: 'denied', reason: 'deny-policy', by: deny[0] };

  const allowPolicies = enforced.filter((e) => e.action === 'ALLOW');
  if (allowPolicies.length === 0) return { ...base, outcome: 'allowed', reason: 'no-allow-policy' };
  const allow = matches('ALLOW');
  if (allow.length > 0) return { ...base, outcome: 'allowed', reason: 'allow-policy', by: allow[0] };
  return { ...base, outcome: 'denied', reason: 'no-allow-match', allowPolicies: allowPolicies.map((e) => policyId(e.policy)) };
}

/** The first rule of the policy that matches; a policy without rules matches nothing. */
function matchPolicy(policy: AuthorizationPolicyObject, action: AuthzAction, ctx: RequestContext): PolicyMatch | undefined {
  const rules = policy.spec?.rules ?? [];
  const index = rules.findIndex((rule) => matchRule(rule ?? {}, ctx));
  if (index < 0) return undefined;
  const provider = action === 'CUSTOM' ? (policy.spec?.provider?.name ?? '(no provider)') : undefined;
  return { policy: policyId(policy), action, rule: index, ...(provider !== undefined ? { provider } : {}) };
}

/** `from`, `to` and `when` are AND'ed; entries of `from` (and of `to`) are OR'ed; unset or empty matches all. */
export function matchRule(rule: PolicyRule, ctx: RequestContext): boolean {
  const from = rule.from ?? [];
  const to = rule.to ?? [];
  return (
    (from.length === 0 || from.some((f) => matchSource(f.source ?? {}, ctx))) &&
    (to.length === 0 || to.some((t) => matchOperation(t.operation ?? {}, ctx))) &&
    (rule.when ?? []).every((c) => matchCondition(c, ctx))
  );
}

function matchSource(s: PolicySource, ctx: RequestContext): boolean {
  const principal = ctx.principal === undefined ? [] : [ctx.principal];
  const namespace = ctx.request.source ? [ctx.request.source.namespace] : [];
  const requestPrincipal = ctx.requestPrincipal === undefined ? [] : [ctx.requestPrincipal];
  const ip = ctx.request.sourceIp === undefined ? [] : [ctx.request.sourceIp];
  const remote = ctx.remoteIp === undefined ? [] : [ctx.remoteIp];
  return (
    field(ctx.expandPrincipals(s.principals), ctx.expandPrincipals(s.notPrincipals), principal, stringMatch) &&
    field(s.requestPrincipals, s.notRequestPrincipals, requestPrincipal, stringMatch) &&
    field(s.namespaces, s.notNamespaces, namespace, stringMatch) &&
    field(s.ipBlocks, s.notIpBlocks, ip, ctx.cidrMatch) &&
    field(s.remoteIpBlocks, s.notRemoteIpBlocks, remote, ctx.cidrMatch)
  );
}

function matchOperation(o: PolicyOperation, ctx: RequestContext): boolean {
  const { request } = ctx;
  const host = ctx.host === undefined ? [] : [ctx.host];
  const port = request.port === undefined ? [] : [String(request.port)];
  const method = request.method === undefined ? [] : [request.method];
  const path = request.path === undefined ? [] : [stripQuery(request.path)];
  return (
    field(o.hosts, o.notHosts, host, hostMatch) &&
    field(o.ports, o.notPorts, port, portMatch) &&
    field(o.methods, o.notMethods, method, stringMatch) &&
    field(o.paths, o.notPaths, path, pathMatch)
  );
}

function matchCondition(c: PolicyCondition, ctx: RequestContext): boolean {
  const attribute = ctx.attribute(c.key);
  if (attribute === undefined) return false;
  const values = c.key === 'source.principal' ? ctx.expandPrincipals(c.values) : c.values;
  const notValues = c.key === 'source.principal' ? ctx.expandPrincipals(c.notValues) : c.notValues;
  return field(values, notValues, attribute.actual, attribute.match);
}

type Matcher = (pattern: string, actual: string) => boolean;

/**
 * One field and its `not` form, AND'ed: some pattern of `values` matches some actual value (a JWT
 * claim may be a list), and no pattern of `notValues` does. Unset or empty lists do not constrain.
 */
function field(values: Values | undefined, notValues: Values | undefined, actual: readonly string[], match: Matcher): boolean {
  const hit = (patterns: Values) => patterns.some((p) => actual.some((a) => match(String(p), a)));
  if (values && values.length > 0 && !hit(values)) return false;
  if (notValues && notValues.length > 0 && hit(notValues)) return false;
  return true;
}

/** Istio's string match: exact, `prefix*`, `*suffix`, and `*` for any non-empty value. */
export function stringMatch(pattern: string, actual: string): boolean {
  if (pattern === '*') return actual !== '';
  if (pattern.startsWith('*')) return actual.endsWith(pattern.slice(1));
  if (pattern.endsWith('*')) return actual.startsWith(pattern.slice(0, -1));
  return actual === pattern;
}

/** Hosts compare case-insensitively, as the Host header does. */
function hostMatch(pattern: string, actual: string): boolean {
  return stringMatch(pattern.toLowerCase(), actual.toLowerCase());
}

function portMatch(pattern: string, actual: string): boolean {
  return /^\d+$/.test(pattern.trim()) && Number(pattern) === Number(actual);
}

/** Paths also take templates: `{*}` is one segment, `{**}` one or more (Istio 1.22 and later). */
export function pathMatch(pattern: string, actual: string): boolean {
  if (!pattern.includes('{*')) return stringMatch(pattern, actual);
  const regex = pattern
    .split(/(\{\*\*\}|\{\*\})/)
    .map((part) => (part === '{**}' ? '[^/]+(?:/[^/]+)*' : part === '{*}' ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${regex}$`).test(actual);
}

function stripQuery(path: string): string {
  const end = path.search(/[?#]/);
  return end < 0 ? path : path.slice(0, end);
}

/** The request's attributes, derived once, with how each `when` key reads them. */
export class RequestContext {
  readonly principal?: string;
  readonly requestPrincipal?: string;
  readonly remoteIp?: string;
  readonly host?: string;
  private readonly trustDomains: readonly string[];
  private readonly headers: ReadonlyMap<string, string>;

  constructor(
    readonly request: AuthzRequest,
    mesh: MeshIdentity,
    private readonly notes: string[],
  ) {
    this.trustDomains = [mesh.trustDomain, ...(mesh.trustDomainAliases ?? []).filter((a) => a !== mesh.trustDomain)];
    if (request.source) this.principal = principalOf(mesh.trustDomain, request.source.namespace, request.source.serviceAccount);
    this.headers = new Map(Object.entries(request.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
    this.host = request.host ?? this.headers.get('host') ?? this.headers.get(':authority');
    this.remoteIp = request.remoteIp ?? request.sourceIp;
    const iss = request.claims?.iss;
    const sub = request.claims?.sub;
    if (typeof iss === 'string' && typeof sub === 'string') this.requestPrincipal = `${iss}/${sub}`;
  }

  /**
   * A principal naming the local trust domain, one of its aliases, or `cluster.local` stands for
   * the same identity in each of them, so a migration between trust domains keeps policies valid.
   * Mirrors istiod's rewrite: a trust domain wildcard stays as written where it matches.
   */
  expandPrincipals(patterns: Values | undefined): Values | undefined {
    if (!patterns) return patterns;
    return patterns.flatMap((p) => {
      const parts = String(p).split('/');
      if (parts.length !== 5 || parts[0] === '*') return [p];
      const td = parts[0];
      if (td !== CLUSTER_LOCAL && !this.trustDomains.some((d) => stringMatch(td, d))) return [p];
      const rest = parts.slice(1).join('/');
      return [...new Set(this.trustDomains.map((d) => (stringMatch(td, d) ? String(p) : `${d}/${rest}`)))];
    });
  }

  readonly cidrMatch: Matcher = (pattern, actual) => {
    const [address, prefix] = pattern.split('/');
    const family = isIP(address);
    const actualFamily = isIP(actual);
    if (family === 0 || (prefix !== undefined && !/^\d+$/.test(prefix))) {
      this.note(`"${pattern}" is not an IP address or CIDR block; it matches nothing`);
      return false;
    }
    if (family !== actualFamily) return false;
    const type = family === 4 ? 'ipv4' : 'ipv6';
    const bits = prefix === undefined ? (family === 4 ? 32 : 128) : Number(prefix);
    const list = new BlockList();
    try {
      list.addSubnet(address, bits, type);
    } catch {
      this.note(`"${pattern}" is not a valid CIDR block; it matches nothing`);
      return false;
    }
    return list.check(actual, type);
  };

  /** The values of a `when` key and how to compare them; unset for keys the evaluator cannot read. */
  attribute(key: string): { actual: string[]; match: Matcher } | undefined {
    const some = (v: string | undefined) => (v === undefined ? [] : [v]);
    const header = /^request\.headers\[([^\]]+)\]$/.exec(key);
    if (header) return { actual: some(this.headers.get(header[1].toLowerCase())), match: stringMatch };
    const claims = /^request\.auth\.claims((?:\[[^\]]+\])+)$/.exec(key);
    if (claims) {
      const path = [...claims[1].matchAll(/\[([^\]]+)\]/g)].map((m) => m[1]);
      return { actual: claimValues(this.request.claims, path), match: stringMatch };
    }
    switch (key) {
      case 'source.ip':
        return { actual: some(this.request.sourceIp), match: this.cidrMatch };
      case 'remote.ip':
        return { actual: some(this.remoteIp), match: this.cidrMatch };
      case 'source.namespace':
        return { actual: some(this.request.source?.namespace), match: stringMatch };
      case 'source.principal':
        return { actual: some(this.principal), match: stringMatch };
      case 'request.auth.principal':
        return { actual: some(this.requestPrincipal), match: stringMatch };
      case 'request.auth.audiences':
        return { actual: claimValues(this.request.claims, ['aud']), match: stringMatch };
      case 'request.auth.presenter':
        return { actual: claimValues(this.request.claims, ['azp']), match: stringMatch };
      case 'destination.port':
        return { actual: some(this.request.port === undefined ? undefined : String(this.request.port)), match: portMatch };
      default:
        this.note(`condition key "${key}" cannot be evaluated here; the condition is treated as not matching`);
        return undefined;
    }
  }

  private note(message: string): void {
    if (!this.notes.includes(message)) this.notes.push(message);
  }
}

/** A claim (nested claims by path) as strings: a list claim gives each string element. */
function claimValues(claims: Readonly<Record<string, unknown>> | undefined, path: readonly string[]): string[] {
  let value: unknown = claims;
  for (const segment of path) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return [];
    value = (value as Record<string, unknown>)[segment];
  }
  if (typeof value === 'string') return [value];
  if (typeof value === 'number' || typeof value === 'boolean') return [String(value)];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
