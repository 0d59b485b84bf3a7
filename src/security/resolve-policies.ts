/**
 * Resolution of the `policies` section: shorthands expanded into plain policies, `ns/sa`
 * expanded into full SPIFFE principals, and the checks Istio's own validation leaves to run
 * time (a policy it accepts but that silently never matches is worse than a rejected one).
 */
import type { ResolveContext } from '../config/resolve-context';
import type {
  AuthorizationPolicyInput,
  ConditionInput,
  JwtRuleInput,
  OperationInput,
  PoliciesInput,
  RuleInput,
  SourceInput,
} from '../config/policies-schema';
import { didYouMean } from '../util/did-you-mean';
import type { MtlsMode } from './peer-authentication';

export type AuthorizationAction = NonNullable<AuthorizationPolicyInput['action']>;

export interface PeerAuthenticationModel {
  readonly name: string;
  readonly namespace: string;
  /** Unset: inherited from the namespace (or mesh). */
  readonly mode?: MtlsMode;
  readonly selector?: Readonly<Record<string, string>>;
  readonly portLevelMtls: Readonly<Record<string, MtlsMode>>;
}

export type AuthorizationSource = SourceInput;
export type AuthorizationOperation = OperationInput;
export type AuthorizationCondition = ConditionInput;

export interface AuthorizationRule {
  readonly from: readonly AuthorizationSource[];
  readonly to: readonly AuthorizationOperation[];
  readonly when: readonly AuthorizationCondition[];
}

export interface AuthorizationPolicyModel {
  readonly name: string;
  readonly namespace: string;
  readonly action: AuthorizationAction;
  /** CUSTOM only: the extension provider deciding. */
  readonly provider?: string;
  readonly selector?: Readonly<Record<string, string>>;
  /** Principals here are always full SPIFFE identities. */
  readonly rules: readonly AuthorizationRule[];
}

export interface RequestAuthenticationModel {
  readonly name: string;
  readonly namespace: string;
  readonly selector?: Readonly<Record<string, string>>;
  readonly jwtRules: readonly JwtRuleInput[];
}

export interface PoliciesConfig {
  readonly peerAuthentications: readonly PeerAuthenticationModel[];
  readonly authorizationPolicies: readonly AuthorizationPolicyModel[];
  readonly requestAuthentications: readonly RequestAuthenticationModel[];
}

export interface PoliciesEnvironment {
  readonly trustDomain: string;
  readonly trustDomainAliases: readonly string[];
  /** Istio's root namespace: policies there apply to every namespace. */
  readonly rootNamespace: string;
  readonly meshMtls: 'STRICT' | 'PERMISSIVE' | 'off';
  readonly extensionProviders: readonly string[];
  /** The enabled ingress gateway's identity, if there is one. */
  readonly ingressGateway?: { readonly namespace: string; readonly serviceAccount: string };
}

/** Names the shorthands render; a policy of the fleet file may not take them. */
export const SHORTHAND_NAMES = {
  defaultDeny: 'allow-nothing',
  allowSameNamespace: 'allow-same-namespace',
  allowFromIngressGateway: 'allow-ingress-gateway',
  allowServiceAccounts: 'allow-service-accounts',
} as const;

/** `<trustDomain>/ns/<namespace>/sa/<serviceAccount>`: the identity Istio gives a pod. */
export function principalOf(trustDomain: string, namespace: string, serviceAccount: string): string {
  return `${trustDomain}/ns/${namespace}/sa/${serviceAccount}`;
}

/** Expands the `ns/sa` shorthand; anything else (full principals, `*` patterns) is kept. */
export function expandPrincipal(trustDomain: string, principal: string): string {
  const parts = principal.split('/');
  return parts.length === 2 && parts.every((p) => p.length > 0) ? principalOf(trustDomain, parts[0], parts[1]) : principal;
}

type Path = (string | number)[];

const NEGATABLE_SOURCE = ['principals', 'requestPrincipals', 'namespaces', 'ipBlocks', 'remoteIpBlocks'] as const;
const NEGATABLE_OPERATION = ['hosts', 'ports', 'methods', 'paths'] as const;
const notOf = (field: string) => `not${field[0].toUpperCase()}${field.slice(1)}`;
/** Fields whose value only an mTLS peer certificate can supply. */
const IDENTITY_SOURCE_FIELDS = ['principals', 'notPrincipals', 'namespaces', 'notNamespaces'] as const;
const IDENTITY_CONDITION_KEYS = ['source.principal', 'source.namespace'];

export function resolvePolicies(input: PoliciesInput | undefined, ctx: ResolveContext, env: PoliciesEnvironment): PoliciesConfig {
  const peerAuthentications: PeerAuthenticationModel[] = [];
  const authorizationPolicies: (AuthorizationPolicyModel & { path: Path })[] = [];
  const requestAuthentications: RequestAuthenticationModel[] = [];
  const ownDomains = [env.trustDomain, ...env.trustDomainAliases];
  const meshMode: MtlsMode = env.meshMtls === 'off' ? 'PERMISSIVE' : env.meshMtls;

  for (const namespace of Object.keys(input?.namespaces ?? {}).sort()) {
    const ns = input!.namespaces![namespace];
    const nsPath: Path = ['policies', 'namespaces', namespace];
    const isRoot = namespace === env.rootNamespace;

    // mTLS: the namespace default, then per-workload overrides.
    if (ns.mtls !== undefined) {
      if (isRoot) {
        ctx.fail([...nsPath, 'mtls'], `namespace "${namespace}" is the root namespace: set its mTLS mode, the mesh-wide default, with security.meshMtls`);
      } else {
        peerAuthentications.push({ name: 'default', namespace, mode: ns.mtls, portLevelMtls: {} });
      }
    }
    for (const name of Object.keys(ns.workloads ?? {}).sort()) {
      const w = ns.workloads![name];
      const wPath = [...nsPath, 'workloads', name];
      if (name === 'default' && (ns.mtls !== undefined || (isRoot && env.meshMtls !== 'off'))) {
        ctx.fail(wPath, `mTLS override "default" in namespace "${namespace}" has the name of the namespace-wide PeerAuthentication; rename it`, { key: true });
      }
      if (Object.keys(w.selector).length === 0) {
        ctx.fail([...wPath, 'selector'], `mTLS override "${name}" in namespace "${namespace}": an empty selector matches every pod; set the namespace's mtls instead`);
      }
      if (w.mtls === undefined && Object.keys(w.portLevelMtls ?? {}).length === 0) {
        ctx.fail(wPath, `mTLS override "${name}" in namespace "${namespace}" sets neither mtls nor portLevelMtls`, { key: true });
      }
      peerAuthentications.push({ name, namespace, mode: w.mtls, selector: w.selector, portLevelMtls: w.portLevelMtls ?? {} });
    }
    const workloadModes = Object.values(ns.workloads ?? {}).filter((w) => w.mtls !== undefined);
    /** The mTLS mode the pods a selector picks get: a workload override covering all of them wins. */
    const modeFor = (selector: Readonly<Record<string, string>> | undefined): MtlsMode => {
      const override = workloadModes.find((w) => Object.entries(w.selector).every(([k, v]) => selector?.[k] === v));
      return override?.mtls ?? ns.mtls ?? meshMode;
    };

    // Authorization: shorthands first, so a fleet policy of the same name is the one reported.
    const taken = new Map<string, string>();
    const add = (policy: AuthorizationPolicyModel, path: Path, origin: string) => {
      const previous = taken.get(policy.name);
      if (previous !== undefined) {
        ctx.fail(path, `authorization policy "${policy.name}" in namespace "${namespace}" has the same name as the one ${previous} renders; rename it`, { key: true });
        return;
      }
      taken.set(policy.name, origin);
      authorizationPolicies.push({ ...policy, path });
    };
    const identityNeeded = (path: Path, what: string) => {
      if (modeFor(undefined) === 'DISABLE') {
        ctx.fail(path, `${what} needs the peer's identity, but mTLS is DISABLE in namespace "${namespace}"`);
      }
    };
    if (ns.defaultDeny) {
      add({ name: SHORTHAND_NAMES.defaultDeny, namespace, action: 'ALLOW', rules: [] }, [...nsPath, 'defaultDeny'], 'defaultDeny');
    }
    if (ns.allowSameNamespace) {
      identityNeeded([...nsPath, 'allowSameNamespace'], 'allowSameNamespace');
      add(
        { name: SHORTHAND_NAMES.allowSameNamespace, namespace, action: 'ALLOW', rules: [{ from: [{ namespaces: [namespace] }], to: [], when: [] }] },
        [...nsPath, 'allowSameNamespace'],
        'allowSameNamespace',
      );
    }
    if (ns.allowFromIngressGateway) {
      const gw = env.ingressGateway;
      if (!gw) {
        ctx.fail([...nsPath, 'allowFromIngressGateway'], `namespace "${namespace}" allows the ingress gateway, but the cluster has none (gateways.ingress is disabled)`);
      } else {
        identityNeeded([...nsPath, 'allowFromIngressGateway'], 'allowFromIngressGateway');
        const principal = principalOf(env.trustDomain, gw.namespace, gw.serviceAccount);
        add(
          { name: SHORTHAND_NAMES.allowFromIngressGateway, namespace, action: 'ALLOW', rules: [{ from: [{ principals: [principal] }], to: [], when: [] }] },
          [...nsPath, 'allowFromIngressGateway'],
          'allowFromIngressGateway',
        );
      }
    }
    if (ns.allowServiceAccounts) {
      identityNeeded([...nsPath, 'allowServiceAccounts'], 'allowServiceAccounts');
      const principals = ns.allowServiceAccounts.map((sa) => expandPrincipal(env.trustDomain, sa));
      add(
        { name: SHORTHAND_NAMES.allowServiceAccounts, namespace, action: 'ALLOW', rules: [{ from: [{ principals }], to: [], when: [] }] },
        [...nsPath, 'allowServiceAccounts'],
        'allowServiceAccounts',
      );
    }
    for (const name of Object.keys(ns.authorizationPolicies ?? {}).sort()) {
      const path = [...nsPath, 'authorizationPolicies', name];
      const policy = resolveAuthorizationPolicy(name, namespace, ns.authorizationPolicies![name], path, ctx, env, ownDomains);
      const needsIdentity = policy.rules.some(ruleNeedsIdentity);
      if (needsIdentity && policy.action !== 'CUSTOM' && modeFor(policy.selector) === 'DISABLE') {
        const where = policy.selector ? `for the workloads it selects in namespace "${namespace}"` : `in namespace "${namespace}"`;
        ctx.fail(path, `authorization policy "${name}" matches on peer principals or namespaces, but mTLS is DISABLE ${where}: Istio cannot know the peer's identity`, { key: true });
      }
      add(policy, path, 'the fleet file');
    }

    for (const name of Object.keys(ns.requestAuthentications ?? {}).sort()) {
      const ra = ns.requestAuthentications![name];
      requestAuthentications.push({ name, namespace, selector: nonEmpty(ra.selector), jwtRules: ra.jwtRules });
      const issuers = new Map<string, number>();
      ra.jwtRules.forEach((rule, i) => {
        if (issuers.has(rule.issuer)) {
          ctx.fail([...nsPath, 'requestAuthentications', name, 'jwtRules', i, 'issuer'], `request authentication "${name}" in namespace "${namespace}" lists issuer "${rule.issuer}" twice`);
        }
        issuers.set(rule.issuer, i);
      });
    }
  }

  warnShadowed(authorizationPolicies, env.rootNamespace, ctx);
  return {
    peerAuthentications,
    authorizationPolicies: authorizationPolicies.map(({ path: _path, ...policy }) => policy),
    requestAuthentications,
  };
}

function nonEmpty(selector: Record<string, string> | undefined): Record<string, string> | undefined {
  return selector && Object.keys(selector).length > 0 ? selector : undefined;
}

function resolveAuthorizationPolicy(
  name: string,
  namespace: string,
  p: AuthorizationPolicyInput,
  path: Path,
  ctx: ResolveContext,
  env: PoliciesEnvironment,
  ownDomains: readonly string[],
): AuthorizationPolicyModel {
  const action = p.action ?? 'ALLOW';
  const label = `authorization policy "${name}" in namespace "${namespace}"`;
  if (action === 'CUSTOM') {
    if (p.provider === undefined) {
      ctx.fail(path, `${label}: action CUSTOM needs a provider (one of mesh.extensionProviders)`, { key: true });
    } else if (!env.extensionProviders.includes(p.provider)) {
      const hint = didYouMean(p.provider, env.extensionProviders);
      const known = env.extensionProviders.length ? `known: ${env.extensionProviders.join(', ')}` : 'mesh.extensionProviders is empty';
      ctx.fail([...path, 'provider'], `${label}: provider "${p.provider}" is not one of mesh.extensionProviders (${known})${hint ? `; did you mean "${hint}"?` : ''}`);
    }
  } else if (p.provider !== undefined) {
    ctx.fail([...path, 'provider'], `${label}: provider applies only to action CUSTOM`);
  }

  const rules = (p.rules ?? []).map((rule, r) => resolveRule(rule, [...path, 'rules', r], label, ctx, env.trustDomain, ownDomains));
  if (action === 'DENY') rules.forEach((rule, r) => warnHttpOnlyDeny(rule, [...path, 'rules', r], label, ctx));
  return { name, namespace, action, ...(action === 'CUSTOM' && p.provider ? { provider: p.provider } : {}), selector: nonEmpty(p.selector), rules };
}

function resolveRule(rule: RuleInput, path: Path, label: string, ctx: ResolveContext, trustDomain: string, ownDomains: readonly string[]): AuthorizationRule {
  const from = (rule.from ?? []).map((source, i) => {
    const at = [...path, 'from', i];
    if (Object.keys(source).length === 0) ctx.fail(at, `${label}: an empty source is rejected by Istio; remove it to match any source`);
    const expanded: { -readonly [K in keyof SourceInput]: SourceInput[K] } = { ...source };
    for (const field of ['principals', 'notPrincipals'] as const) {
      const list = source[field];
      if (!list) continue;
      expanded[field] = list.map((principal, k) => {
        const full = expandPrincipal(trustDomain, principal);
        const domain = full.includes('/') ? full.slice(0, full.indexOf('/')) : undefined;
        if (domain !== undefined && !domain.includes('*') && !ownDomains.includes(domain)) {
          ctx.fail(
            [...at, field, k],
            `${label}: principal "${principal}" is of trust domain "${domain}", which the cluster neither owns ("${trustDomain}") nor aliases (trustDomainAliases); it can never match`,
          );
        }
        return full;
      });
    }
    for (const field of NEGATABLE_SOURCE) neverMatches(expanded[field], expanded[notOf(field) as keyof SourceInput], field, at, label, ctx);
    return expanded;
  });
  const to = (rule.to ?? []).map((op, i) => {
    const at = [...path, 'to', i];
    if (Object.keys(op).length === 0) ctx.fail(at, `${label}: an empty operation is rejected by Istio; remove it to match any operation`);
    for (const field of NEGATABLE_OPERATION) neverMatches(op[field], op[notOf(field) as keyof OperationInput], field, at, label, ctx);
    return op;
  });
  const when = (rule.when ?? []).map((c, i) => {
    const at = [...path, 'when', i];
    if (c.values === undefined && c.notValues === undefined) ctx.fail(at, `${label}: condition on ${c.key} needs values or notValues`);
    neverMatches(c.values, c.notValues, 'values', at, label, ctx);
    return c;
  });
  return { from, to, when };
}

/** A value listed as both wanted and unwanted makes that field, and so the rule, unable to match it. */
function neverMatches(
  positive: readonly (string | number)[] | undefined,
  negative: readonly (string | number)[] | undefined,
  field: string,
  at: Path,
  label: string,
  ctx: ResolveContext,
) {
  if (!positive || !negative) return;
  const both = positive.filter((v) => negative.includes(v));
  if (both.length === 0) return;
  const negField = notOf(field);
  const whole = positive.every((v) => negative.includes(v));
  ctx.warn(
    [...at, negField],
    `${label}: ${both.map((v) => JSON.stringify(String(v))).join(', ')} ${both.length > 1 ? 'are' : 'is'} in both ${field} and ${negField}` +
      (whole ? '; this can never match' : `; ${both.length > 1 ? 'they' : 'it'} can never match, so listing ${both.length > 1 ? 'them' : 'it'} in ${field} has no effect`),
  );
}

/** Source fields Istio can match on a TCP connection; the others exist only in HTTP requests. */
const TCP_SOURCE_FIELDS = ['principals', 'notPrincipals', 'namespaces', 'notNamespaces', 'ipBlocks', 'notIpBlocks', 'remoteIpBlocks', 'notRemoteIpBlocks'] as const;

/**
 * On a TCP port Istio ignores the HTTP-only parts of a DENY rule instead of the rule, so the rule
 * denies more than it says: every connection, when nothing else is left. The shapes are those
 * Istio's own validation warns about: a `to` without ports, or a `from` alone without any field
 * a connection carries.
 */
function warnHttpOnlyDeny(rule: AuthorizationRule, path: Path, label: string, ctx: ResolveContext) {
  const portsInTo = rule.to.some((op) => op.ports !== undefined || op.notPorts !== undefined);
  const tcpInFrom = rule.from.some((src) => TCP_SOURCE_FIELDS.some((f) => src[f] !== undefined));
  const part = rule.to.length > 0 ? 'to' : 'from';
  if (part === 'to' ? portsInTo : rule.from.length === 0 || tcpInFrom) return;
  const denied = part === 'to' && tcpInFrom ? 'every connection its "from" matches' : 'every connection to the workloads it selects';
  ctx.warn(
    [...path, part],
    `${label}: this DENY rule's "${part}" matches only HTTP attributes, which TCP connections lack: on TCP ports Istio ignores them and the rule denies ${denied}; name the HTTP ports the rule is for in "to" (ports)`,
  );
}

function ruleNeedsIdentity(rule: AuthorizationRule): boolean {
  return (
    rule.from.some((s) => IDENTITY_SOURCE_FIELDS.some((f) => s[f] !== undefined)) ||
    rule.when.some((c) => IDENTITY_CONDITION_KEYS.includes(c.key))
  );
}

const isMatchAll = (rule: AuthorizationRule) => rule.from.length === 0 && rule.to.length === 0 && rule.when.length === 0;
const sameRule = (a: AuthorizationRule, b: AuthorizationRule) => canonical(a) === canonical(b);

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * DENY is evaluated before ALLOW, so an ALLOW whose every rule a DENY on at least the same pods
 * also matches allows nothing. Only the cheap, certain cases: a DENY rule matching everything,
 * or identical rules.
 */
function warnShadowed(policies: readonly (AuthorizationPolicyModel & { path: Path })[], rootNamespace: string, ctx: ResolveContext) {
  const denies = policies.filter((p) => p.action === 'DENY');
  for (const allow of policies) {
    if (allow.action !== 'ALLOW' || allow.rules.length === 0) continue;
    const shadow = denies.find(
      (deny) =>
        (deny.namespace === allow.namespace || deny.namespace === rootNamespace) &&
        Object.entries(deny.selector ?? {}).every(([k, v]) => allow.selector?.[k] === v) &&
        (deny.rules.some(isMatchAll) || allow.rules.every((a) => deny.rules.some((d) => sameRule(a, d)))),
    );
    if (shadow) {
      ctx.warn(
        allow.path,
        `authorization policy "${allow.name}" in namespace "${allow.namespace}" never allows anything: DENY policy "${shadow.name}" in namespace "${shadow.namespace}" matches every request it matches`,
        { key: true },
      );
    }
  }
}
