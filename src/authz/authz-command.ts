/**
 * `meshc authz check`: would this request reach this workload, given the AuthorizationPolicies
 * meshc renders for the cluster? The answer comes from the render, not from a live cluster.
 */
import { isIP } from 'node:net';
import type { Command, Io } from '../cli';
import type { ClusterConfig } from '../config/cluster-config';
import { formatDiagnostic, InputError } from '../config/diagnostic';
import { loadFleetFile } from '../pipeline';
import { renderClusterObjects } from '../render/render';
import { evaluate, type AuthorizationPolicyObject, type AuthzRequest, type AuthzWorkload, type Decision, type PolicyMatch } from './evaluate';

// Kept local: importing values from '../cli' would be a require cycle once cli registers this command.
const EXIT_ALLOWED = 0;
const EXIT_DENIED = 1;
const EXIT_USAGE = 2;

const USAGE =
  'meshc authz check --to NS/WORKLOAD --from NS/SA|IP [--cluster NAME] [--port P] [--method M] [--path P] [--host H] ' +
  '[--header K=V]... [--jwt-claim K=V]... [--label K=V]... [--source-ip IP] [--remote-ip IP] [--assume-custom-allow] [--config FILE]';

const OPTIONS: Readonly<Record<string, string>> = {
  '--cluster NAME': 'cluster whose policies decide (may be left out when the fleet has one cluster)',
  '--from NS/SA|IP': 'caller: a service account (mTLS identity) or a plaintext client address',
  '--to NS/WORKLOAD': 'workload receiving the request; its labels are app=WORKLOAD unless --label is given',
  '--port P': 'destination port',
  '--method M': 'HTTP method',
  '--path P': 'HTTP path (a query string is ignored, as Istio does)',
  '--host H': 'HTTP host (default: the host header)',
  '--header K=V': 'request header; repeatable',
  '--jwt-claim K=V': 'claim of a validated JWT, nested as a[b]=V; repeat a key for a list; iss and sub make the request principal',
  '--label K=V': "workload label; repeatable; replaces the default app=WORKLOAD",
  '--source-ip IP': 'peer address when --from is a service account',
  '--remote-ip IP': 'original client address (remote.ip, remoteIpBlocks; default: the peer address)',
  '--assume-custom-allow': 'continue past a matching CUSTOM policy as if its provider allowed the request',
  '--config FILE': 'fleet file to read (default: mesh.yaml)',
};

const SINGLE = ['cluster', 'from', 'to', 'port', 'method', 'path', 'host', 'source-ip', 'remote-ip', 'config'] as const;
const REPEATED = ['header', 'jwt-claim', 'label'] as const;
const FLAGS = ['assume-custom-allow'] as const;

type Single = (typeof SINGLE)[number];
type Repeated = (typeof REPEATED)[number];

interface CheckArgs {
  readonly single: Partial<Record<Single, string>>;
  readonly repeated: Record<Repeated, string[]>;
  readonly assumeCustomAllow: boolean;
}

export class UsageError extends Error {}

/** The arguments of `authz check`, checked and turned into what the evaluator takes. */
export interface AuthzCheck {
  readonly config: string;
  readonly cluster?: string;
  readonly workload: AuthzWorkload;
  readonly request: AuthzRequest;
  readonly assumeCustomAllow: boolean;
}

/** Throws UsageError on misuse. */
export function parseAuthzCheck(args: string[]): AuthzCheck {
  const parsed = parseArgs(args);
  return {
    config: parsed.single.config ?? 'mesh.yaml',
    ...(parsed.single.cluster !== undefined ? { cluster: parsed.single.cluster } : {}),
    workload: workloadOf(parsed),
    request: requestOf(parsed),
    assumeCustomAllow: parsed.assumeCustomAllow,
  };
}

/**
 * The command as the generic `Command` registry sees it. Its options repeat and it has a
 * subcommand, which the generic `--name value` parser cannot express, so the CLI hands the raw
 * arguments after `authz` to `runArgv` (`runAuthzCheck`); `run` serves callers holding single options.
 */
export const authzCommand: Command & { runArgv(args: string[], io: Io): number } = {
  summary: 'decide whether a request reaches a workload under the rendered AuthorizationPolicies',
  usage: USAGE,
  options: OPTIONS,
  run(opts, io) {
    const args = ['check'];
    for (const [name, value] of Object.entries(opts)) {
      if (!(FLAGS as readonly string[]).includes(name)) args.push(`--${name}`, value);
      else if (value !== 'false') args.push(`--${name}`);
    }
    return runAuthzCheck(args, io);
  },
  runArgv: (args, io) => runAuthzCheck(args, io),
};

/**
 * `meshc authz <args>`: `args` are the arguments after `authz`, starting with `check`.
 * Exit 0 allowed, 1 denied (or delegated to a CUSTOM provider), 2 usage error or unusable fleet file.
 */
export function runAuthzCheck(args: string[], io: Io): number {
  if (args.includes('--help') || args.includes('-h')) {
    io.out(help());
    return EXIT_ALLOWED;
  }
  let check: AuthzCheck;
  try {
    check = parseAuthzCheck(args);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.err(`meshc authz: ${err.message}\n\nUsage: ${USAGE}`);
    return EXIT_USAGE;
  }
  const { config, workload, request } = check;
  let clusters: readonly ClusterConfig[];
  try {
    const loaded = loadFleetFile(config);
    for (const w of loaded.warnings) io.err(formatDiagnostic(w));
    clusters = loaded.fleet.clusters;
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    for (const d of err.diagnostics) io.err(formatDiagnostic(d));
    const errors = err.diagnostics.filter((d) => d.severity === 'error').length;
    io.err(`${errors} error${errors === 1 ? '' : 's'}; nothing was decided`);
    return EXIT_USAGE;
  }

  const names = clusters.map((c) => c.name).join(', ');
  const wanted = check.cluster;
  if (wanted === undefined && clusters.length !== 1) {
    io.err(`meshc authz: --cluster is required: ${config} has ${clusters.length} clusters (${names})`);
    return EXIT_USAGE;
  }
  const cluster = wanted === undefined ? clusters[0] : clusters.find((c) => c.name === wanted);
  if (!cluster) {
    io.err(`meshc authz: no cluster "${wanted}" in ${config} (clusters: ${names})`);
    return EXIT_USAGE;
  }

  const policies = renderClusterObjects(cluster)
    .map((o) => o.manifest)
    .filter((m) => m.kind === 'AuthorizationPolicy' && String(m.apiVersion).startsWith('security.istio.io/')) as unknown as AuthorizationPolicyObject[];
  const decision = evaluate(
    policies,
    workload,
    request,
    { rootNamespace: cluster.controlPlane.namespace, trustDomain: cluster.trustDomain, trustDomainAliases: cluster.trustDomainAliases },
    { assumeCustomAllow: check.assumeCustomAllow },
  );
  for (const line of formatDecision(decision, cluster.name, workload)) io.out(line);
  return decision.outcome === 'allowed' ? EXIT_ALLOWED : EXIT_DENIED;
}

/** Human-readable decision: the verdict and what made it first, then what else is worth knowing. */
export function formatDecision(d: Decision, cluster: string, workload: AuthzWorkload): string[] {
  const target = `${workload.namespace}/${workload.name}`;
  const lines: string[] = [];
  switch (d.reason) {
    case 'custom':
      lines.push(`DELEGATED: ${describe(d.by!)} matched; provider "${d.by!.provider}" decides (--assume-custom-allow to evaluate as if it allowed)`);
      break;
    case 'deny-policy':
      lines.push(`DENIED: ${describe(d.by!)} matched`);
      break;
    case 'allow-policy':
      lines.push(`ALLOWED: ${describe(d.by!)} matched`);
      break;
    case 'no-allow-policy':
      lines.push(`ALLOWED: no ALLOW policy applies to ${target} in cluster ${cluster}`);
      break;
    case 'no-allow-match':
      lines.push(`DENIED: no ALLOW policy matched; ALLOW policies on ${target}: ${d.allowPolicies.join(', ')}`);
      break;
  }
  for (const m of d.customAssumedAllowed) lines.push(`custom: ${describe(m)} matched; provider "${m.provider}" assumed to allow`);
  for (const m of d.audit) lines.push(`audit: ${describe(m)} matched`);
  for (const m of d.dryRun) lines.push(`dry-run: ${describe(m)} would match`);
  lines.push(d.applied.length > 0 ? `policies applying to ${target}: ${d.applied.join(', ')}` : `no AuthorizationPolicy applies to ${target}`);
  for (const n of d.notes) lines.push(`note: ${n}`);
  return lines;
}

function describe(m: PolicyMatch): string {
  return `${m.action} policy ${m.policy} rule ${m.rule}`;
}

function parseArgs(args: string[]): CheckArgs {
  const [sub, ...rest] = args;
  if (sub !== 'check') throw new UsageError(sub === undefined ? 'missing subcommand "check"' : `unknown subcommand "${sub}" (only "check")`);
  const single: Partial<Record<Single, string>> = {};
  const repeated: Record<Repeated, string[]> = { header: [], 'jwt-claim': [], label: [] };
  let assumeCustomAllow = false;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument "${arg}"`);
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    if ((FLAGS as readonly string[]).includes(name)) {
      if (eq >= 0) throw new UsageError(`option --${name} takes no value`);
      assumeCustomAllow = true;
      continue;
    }
    const isSingle = (SINGLE as readonly string[]).includes(name);
    if (!isSingle && !(REPEATED as readonly string[]).includes(name)) throw new UsageError(`unknown option --${name}`);
    const value = eq >= 0 ? arg.slice(eq + 1) : rest[++i];
    if (value === undefined || value === '' || (eq < 0 && value.startsWith('--'))) throw new UsageError(`option --${name} needs a value`);
    if (isSingle) {
      if (single[name as Single] !== undefined) throw new UsageError(`option --${name} given twice`);
      single[name as Single] = value;
    } else {
      repeated[name as Repeated].push(value);
    }
  }
  if (single.to === undefined) throw new UsageError('--to NS/WORKLOAD is required');
  if (single.from === undefined) throw new UsageError('--from NS/SA or --from IP is required');
  return { single, repeated, assumeCustomAllow };
}

function workloadOf(args: CheckArgs): AuthzWorkload {
  const [namespace, name] = nsName('--to', args.single.to!);
  const labels: Record<string, string> = {};
  for (const [k, v] of args.repeated.label.map((l) => keyValue('--label', l))) labels[k] = v;
  return { namespace, name, labels: args.repeated.label.length > 0 ? labels : { app: name } };
}

function requestOf(args: CheckArgs): AuthzRequest {
  const { single, repeated } = args;
  const from = single.from!;
  const sourceIp = ip('--source-ip', single['source-ip']);
  const remoteIp = ip('--remote-ip', single['remote-ip']);
  let source: AuthzRequest['source'];
  let peer = sourceIp;
  if (isIP(from) !== 0) {
    if (sourceIp !== undefined) throw new UsageError('--source-ip is for a --from service account; --from already gives the address');
    peer = from;
  } else {
    const [namespace, serviceAccount] = nsName('--from', from);
    source = { namespace, serviceAccount };
  }
  let port: number | undefined;
  if (single.port !== undefined) {
    port = Number(single.port);
    if (!/^\d+$/.test(single.port) || port < 1 || port > 65535) throw new UsageError(`--port: "${single.port}" is not a port number (1-65535)`);
  }
  const headers: Record<string, string> = {};
  for (const [k, v] of repeated.header.map((h) => keyValue('--header', h))) {
    const key = k.toLowerCase();
    // Repeated headers reach the proxy joined by commas, which is what conditions then see.
    headers[key] = key in headers ? `${headers[key]},${v}` : v;
  }
  return {
    ...(source ? { source } : {}),
    ...(peer !== undefined ? { sourceIp: peer } : {}),
    ...(remoteIp !== undefined ? { remoteIp } : {}),
    ...(port !== undefined ? { port } : {}),
    ...(single.method !== undefined ? { method: single.method } : {}),
    ...(single.path !== undefined ? { path: single.path } : {}),
    ...(single.host !== undefined ? { host: single.host } : {}),
    headers,
    ...(repeated['jwt-claim'].length > 0 ? { claims: claimsOf(repeated['jwt-claim']) } : {}),
  };
}

/** `a=x`, `a=y` → `{a: [x, y]}`; `a[b]=x` → `{a: {b: x}}`. */
function claimsOf(pairs: readonly string[]): Record<string, unknown> {
  const claims: Record<string, unknown> = {};
  for (const pair of pairs) {
    const [key, value] = keyValue('--jwt-claim', pair);
    const m = /^([^[\]]+)((?:\[[^[\]]+\])*)$/.exec(key);
    if (!m) throw new UsageError(`--jwt-claim: "${key}" is not a claim name or a nested name like a[b]`);
    const path = [m[1], ...[...m[2].matchAll(/\[([^[\]]+)\]/g)].map((s) => s[1])];
    let node = claims;
    for (const segment of path.slice(0, -1)) {
      const next = node[segment];
      if (next === undefined) node[segment] = {};
      else if (typeof next !== 'object' || Array.isArray(next)) throw new UsageError(`--jwt-claim: "${key}" nests under a claim that already has a value`);
      node = node[segment] as Record<string, unknown>;
    }
    const leaf = path[path.length - 1];
    const existing = node[leaf];
    if (existing !== undefined && typeof existing === 'object' && !Array.isArray(existing)) {
      throw new UsageError(`--jwt-claim: "${key}" already has nested claims`);
    }
    node[leaf] = existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
  }
  return claims;
}

function nsName(option: string, value: string): [string, string] {
  const parts = value.split('/');
  if (parts.length !== 2 || !parts[0] || !parts[1]) throw new UsageError(`${option}: expected NAMESPACE/NAME, got "${value}"`);
  return [parts[0], parts[1]];
}

function keyValue(option: string, value: string): [string, string] {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new UsageError(`${option}: expected KEY=VALUE, got "${value}"`);
  return [value.slice(0, eq), value.slice(eq + 1)];
}

function ip(option: string, value: string | undefined): string | undefined {
  if (value !== undefined && isIP(value) === 0) throw new UsageError(`${option}: "${value}" is not an IP address`);
  return value;
}

function help(): string {
  const opts = Object.entries(OPTIONS).map(([flag, text]) => `  ${flag.padEnd(22)}${text}`);
  return [
    `meshc authz check: ${authzCommand.summary}`,
    '',
    `Usage: ${USAGE}`,
    '',
    'Options:',
    ...opts,
    `  ${'--help'.padEnd(22)}show this help`,
    '',
    'Exit codes: 0 allowed, 1 denied or delegated to a CUSTOM provider, 2 usage error or invalid fleet file.',
  ].join('\n');
}
