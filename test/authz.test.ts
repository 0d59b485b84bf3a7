/**
 * The AuthorizationPolicy evaluator against Istio's documented semantics, one hand-written case
 * per construct, plus `meshc authz check` on a fleet as it renders today.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authzCommand, formatDecision, parseAuthzCheck, runAuthzCheck, UsageError } from '../src/authz/authz-command';
import {
  evaluate,
  pathMatch,
  stringMatch,
  type AuthorizationPolicyObject,
  type AuthorizationPolicySpec,
  type AuthzRequest,
  type AuthzWorkload,
  type Decision,
  type EvaluateOptions,
} from '../src/authz/evaluate';
import { HEADER, singleCluster } from './support/fleet';

const MESH = { rootNamespace: 'istio-system', trustDomain: 'corp.example', trustDomainAliases: ['old-corp.example'] };
const CART: AuthzWorkload = { namespace: 'shop', name: 'cart', labels: { app: 'cart' } };
const FRONTEND = { source: { namespace: 'web', serviceAccount: 'frontend' } } as const;
const PRINCIPAL = 'corp.example/ns/web/sa/frontend';

function ap(name: string, spec: AuthorizationPolicySpec, { namespace = 'shop', annotations }: { namespace?: string; annotations?: Record<string, string> } = {}): AuthorizationPolicyObject {
  return { metadata: { name, namespace, ...(annotations ? { annotations } : {}) }, spec };
}
const allow = (name: string, rules: AuthorizationPolicySpec['rules'], extra: AuthorizationPolicySpec = {}) => ap(name, { action: 'ALLOW', rules, ...extra });
const deny = (name: string, rules: AuthorizationPolicySpec['rules'], extra: AuthorizationPolicySpec = {}) => ap(name, { action: 'DENY', rules, ...extra });
const ALLOW_ALL = allow('allow-all', [{}]);

interface Case {
  readonly name: string;
  readonly policies: readonly AuthorizationPolicyObject[];
  readonly request: AuthzRequest;
  readonly workload?: AuthzWorkload;
  readonly options?: EvaluateOptions;
  /** outcome, reason, and the deciding `policy#rule` when one decided. */
  readonly expect: [Decision['outcome'], Decision['reason'], string?];
}

const CASES: Case[] = [
  // Decision order and empty policies.
  { name: 'no policies: allowed', policies: [], request: FRONTEND, expect: ['allowed', 'no-allow-policy'] },
  { name: 'ALLOW with no rules (spec: {}) allows nothing', policies: [ap('allow-nothing', {})], request: FRONTEND, expect: ['denied', 'no-allow-match'] },
  { name: 'ALLOW with rules: [] allows nothing', policies: [allow('empty', [])], request: FRONTEND, expect: ['denied', 'no-allow-match'] },
  { name: 'ALLOW with an empty rule allows all', policies: [ALLOW_ALL], request: {}, expect: ['allowed', 'allow-policy', 'shop/allow-all#0'] },
  { name: 'DENY with no rules denies nothing', policies: [ap('deny-none', { action: 'DENY' })], request: FRONTEND, expect: ['allowed', 'no-allow-policy'] },
  { name: 'DENY with an empty rule denies all', policies: [deny('deny-all', [{}]), ALLOW_ALL], request: FRONTEND, expect: ['denied', 'deny-policy', 'shop/deny-all#0'] },
  {
    name: 'DENY wins over a matching ALLOW',
    policies: [ALLOW_ALL, deny('no-admin', [{ to: [{ operation: { paths: ['/admin*'] } }] }])],
    request: { ...FRONTEND, path: '/admin/users' },
    expect: ['denied', 'deny-policy', 'shop/no-admin#0'],
  },
  {
    name: 'a DENY that does not match leaves the ALLOW to decide',
    policies: [ALLOW_ALL, deny('no-admin', [{ to: [{ operation: { paths: ['/admin*'] } }] }])],
    request: { ...FRONTEND, path: '/cart' },
    expect: ['allowed', 'allow-policy', 'shop/allow-all#0'],
  },
  {
    name: 'CUSTOM match delegates to its provider before any DENY',
    policies: [ap('sso', { action: 'CUSTOM', provider: { name: 'oauth2-proxy' }, rules: [{}] }), deny('deny-all', [{}])],
    request: FRONTEND,
    expect: ['delegated', 'custom', 'shop/sso#0'],
  },
  {
    name: 'CUSTOM assumed to allow: DENY is evaluated next',
    policies: [ap('sso', { action: 'CUSTOM', provider: { name: 'oauth2-proxy' }, rules: [{}] }), deny('deny-all', [{}])],
    request: FRONTEND,
    options: { assumeCustomAllow: true },
    expect: ['denied', 'deny-policy', 'shop/deny-all#0'],
  },
  {
    name: 'CUSTOM that does not match has no effect',
    policies: [ap('sso', { action: 'CUSTOM', provider: { name: 'oauth2-proxy' }, rules: [{ to: [{ operation: { hosts: ['login.corp.example'] } }] }] })],
    request: { ...FRONTEND, host: 'shop.corp.example' },
    expect: ['allowed', 'no-allow-policy'],
  },
  { name: 'AUDIT alone: the workload has no ALLOW policy', policies: [ap('log', { action: 'AUDIT', rules: [{}] })], request: FRONTEND, expect: ['allowed', 'no-allow-policy'] },
  {
    name: 'AUDIT never turns a denial into an allow',
    policies: [ap('log', { action: 'AUDIT', rules: [{}] }), ap('allow-nothing', {})],
    request: FRONTEND,
    expect: ['denied', 'no-allow-match'],
  },
  {
    name: 'the second of two ALLOW policies decides when the first does not match',
    policies: [allow('a-admins', [{ from: [{ source: { principals: ['corp.example/ns/ops/sa/admin'] } }] }]), allow('b-web', [{ from: [{ source: { namespaces: ['web'] } }] }])],
    request: FRONTEND,
    expect: ['allowed', 'allow-policy', 'shop/b-web#0'],
  },

  // Which policies apply.
  { name: 'a selector not matching the workload: policy ignored', policies: [allow('other', [], { selector: { matchLabels: { app: 'billing' } } })], request: FRONTEND, expect: ['allowed', 'no-allow-policy'] },
  { name: 'a selector matching the workload applies', policies: [ap('cart-only', { selector: { matchLabels: { app: 'cart' } } })], request: FRONTEND, expect: ['denied', 'no-allow-match'] },
  { name: 'a root-namespace policy applies to every namespace', policies: [ap('mesh-deny', { action: 'DENY', rules: [{}] }, { namespace: 'istio-system' })], request: FRONTEND, expect: ['denied', 'deny-policy', 'istio-system/mesh-deny#0'] },
  { name: 'a policy of another namespace does not apply', policies: [ap('allow-nothing', {}, { namespace: 'billing' })], request: FRONTEND, expect: ['allowed', 'no-allow-policy'] },
  {
    name: 'a root-namespace selector selects across namespaces',
    policies: [ap('carts', { action: 'DENY', rules: [{}], selector: { matchLabels: { app: 'cart' } } }, { namespace: 'istio-system' })],
    request: FRONTEND,
    expect: ['denied', 'deny-policy', 'istio-system/carts#0'],
  },
  { name: 'a dry-run DENY does not deny', policies: [ap('try', { action: 'DENY', rules: [{}] }, { annotations: { 'istio.io/dry-run': 'true' } })], request: FRONTEND, expect: ['allowed', 'no-allow-policy'] },
  { name: 'a policy with targetRefs is for gateways, not sidecars', policies: [ap('gw', { action: 'DENY', rules: [{}], targetRefs: [{ kind: 'Gateway', name: 'gw' }] })], request: FRONTEND, expect: ['allowed', 'no-allow-policy'] },

  // Sources: principals and trust domains.
  { name: 'principals: exact', policies: [allow('p', [{ from: [{ source: { principals: [PRINCIPAL] } }] }])], request: FRONTEND, expect: ['allowed', 'allow-policy', 'shop/p#0'] },
  { name: 'principals: another service account does not match', policies: [allow('p', [{ from: [{ source: { principals: ['corp.example/ns/web/sa/admin'] } }] }])], request: FRONTEND, expect: ['denied', 'no-allow-match'] },
  { name: 'principals: prefix wildcard', policies: [allow('p', [{ from: [{ source: { principals: ['corp.example/ns/web/*'] } }] }])], request: FRONTEND, expect: ['allowed', 'allow-policy', 'shop/p#0'] },
  { name: 'principals: suffix wildcard', policies: [allow('p', [{ from: [{ source: { principals: ['*/sa/frontend'] } }] }])], request: FRONTEND, expect: ['allowed', 'allow-policy', 'shop/p#0'] },
  { name: 'principals: * needs an mTLS identity', policies: [allow('p', [{ from: [{ source: { principals: ['*'] } }] }])], request: { sourceIp: '10.1.2.3' }, expect: ['denied', 'no-allow-match'] },
  { name: 'notPrincipals: * denies plaintext', policies: [deny('require-mtls', [{ from: [{ source: { notPrincipals: ['*'] } }] }])], request: { sourceIp: '10.1.2.3' }, expect: ['denied', 'deny-policy', 'shop/require-mtls#0'] },
  { name: 'notPrincipals: * lets mTLS through', policies: [deny('require-mtls', [{ from: [{ source: { notPrincipals: ['*'] } }] }])], request: FRONTEND, expect: ['allowed', 'no-allow-policy'] },
  { name: 'principals: a trust domain alias names the same identity', policies: [allow('p', [{ from: [{ source: { principals: ['old-corp.example/ns/web/sa/frontend'] } }] }])], request: FRONTEND, expect: ['allowed', 'allow-policy', 'shop/p#0'] },
  { name: 'principals: cluster.local stands for the local trust domain', policies: [allow('p', [{ from: [{ source: { principals: ['cluster.local/ns/web/sa/frontend'] } }] }])], request: FRONTEND, expect: ['allowed', 'allow-policy', 'shop/p#0'] },
  { name: 'principals: a wildcard matching only an alias still names the identity', policies: [allow('p', [{ from: [{ source: { principals: ['old-*/ns/web/sa/frontend'] } }] }])], request: FRONTEND, expect: ['allowed', 'allow-policy', 'shop/p#0'] },
  { name: 'principals: a foreign trust domain does not match', policies: [allow('p', [{ from: [{ source: { principals: ['other.example/ns/web/sa/frontend'] } }] }])], request: FRONTEND, expect: ['denied', 'no-allow-match'] },
  { name: 'notPrincipals through an alias excludes the caller', policies: [ALLOW_ALL, deny('d', [{ from: [{ source: { notPrincipals: ['old-corp.example/ns/web/sa/frontend'] } }] }])], request: FRONTEND, expect: ['allowed', 'allow-policy', 'shop/allow-all#0'] },

  // Sources: namespaces, IP blocks, request principals.
  { name: 'namespaces: exact', policies: [allow('n', [{ from: [{ source: { namespaces: ['web'] } }] }])], request: FRONTEND, expect: ['allowed', 'allow-policy', 'shop/n#0'] },
  { name: 'namespaces: prefix wildcard', policies: [allow('n', [{ from: [{ source: { namespaces: ['we*'] } }] }])], request: FRONTEND, expect: ['allowed', 'allow-policy', 'shop/n#0'] },
  { name: 'namespaces: plaintext has no namespace', policies: [allow('n', [{ from: [{ source: { namespaces: ['*'] } }] }])], request: { sourceIp: '10.1.2.3' }, expect: ['denied', 'no-allow-match'] },
  { name: 'notNamespaces excludes the caller', policies: [allow('n', [{ from: [{ source: { notNamespaces: ['web'] } }] }])], request: FRONTEND, expect: ['denied', 'no-allow-match'] },
  { name: 'ipBlocks: CIDR', policies: [allow('i', [{ from: [{ source: { ipBlocks: ['10.0.0.0/8'] } }] }])], request: { sourceIp: '10.1.2.3' }, expect: ['allowed', 'allow-policy', 'shop/i#0'] },
  { name: 'ipBlocks: outside the block', policies: [allow('i', [{ from: [{ source: { ipBlocks: ['10.0.0.0/8'] } }] }])], request: { sourceIp: '192.168.1.1' }, expect: ['denied', 'no-allow-match'] },
  { name: 'ipBlocks: a single address', policies: [allow('i', [{ from: [{ source: { ipBlocks: ['192.168.1.1'] } }] }])], request: { sourceIp: '192.168.1.1' }, expect: ['allowed', 'allow-policy', 'shop/i#0'] },
  { name: 'ipBlocks: IPv6', policies: [allow('i', [{ from: [{ source: { ipBlocks: ['fd00::/8'] } }] }])], request: { sourceIp: 'fd12::1' }, expect: ['allowed', 'allow-policy', 'shop/i#0'] },
  { name: 'notIpBlocks: outside the block is denied', policies: [deny('d', [{ from: [{ source: { notIpBlocks: ['10.0.0.0/8'] } }] }])], request: { sourceIp: '192.168.1.1' }, expect: ['denied', 'deny-policy', 'shop/d#0'] },
  {
    name: 'remoteIpBlocks read the original client, not the peer',
    policies: [allow('r', [{ from: [{ source: { remoteIpBlocks: ['203.0.113.0/24'] } }] }])],
    request: { sourceIp: '10.1.2.3', remoteIp: '203.0.113.9' },
    expect: ['allowed', 'allow-policy', 'shop/r#0'],
  },
  { name: 'notRemoteIpBlocks default to the peer address', policies: [allow('r', [{ from: [{ source: { notRemoteIpBlocks: ['10.0.0.0/8'] } }] }])], request: { sourceIp: '10.1.2.3' }, expect: ['denied', 'no-allow-match'] },
  {
    name: 'requestPrincipals: iss/sub',
    policies: [allow('j', [{ from: [{ source: { requestPrincipals: ['https://login.corp.example/alice'] } }] }])],
    request: { claims: { iss: 'https://login.corp.example', sub: 'alice' } },
    expect: ['allowed', 'allow-policy', 'shop/j#0'],
  },
  {
    name: 'requestPrincipals: issuer prefix wildcard',
    policies: [allow('j', [{ from: [{ source: { requestPrincipals: ['https://login.corp.example/*'] } }] }])],
    request: { claims: { iss: 'https://login.corp.example', sub: 'bob' } },
    expect: ['allowed', 'allow-policy', 'shop/j#0'],
  },
  { name: 'requestPrincipals: * needs a JWT', policies: [allow('j', [{ from: [{ source: { requestPrincipals: ['*'] } }] }])], request: FRONTEND, expect: ['denied', 'no-allow-match'] },
  { name: 'notRequestPrincipals: * denies requests without a JWT', policies: [deny('require-jwt', [{ from: [{ source: { notRequestPrincipals: ['*'] } }] }])], request: FRONTEND, expect: ['denied', 'deny-policy', 'shop/require-jwt#0'] },

  // Operations.
  { name: 'hosts: case-insensitive, wildcard', policies: [allow('h', [{ to: [{ operation: { hosts: ['*.corp.example'] } }] }])], request: { headers: { Host: 'Shop.Corp.Example' } }, expect: ['allowed', 'allow-policy', 'shop/h#0'] },
  { name: 'notHosts excludes', policies: [allow('h', [{ to: [{ operation: { notHosts: ['admin.corp.example'] } }] }])], request: { host: 'admin.corp.example' }, expect: ['denied', 'no-allow-match'] },
  { name: 'ports: string or number', policies: [allow('p', [{ to: [{ operation: { ports: ['9090', 8080] } }] }])], request: { port: 8080 }, expect: ['allowed', 'allow-policy', 'shop/p#0'] },
  { name: 'ports: no port known, no match', policies: [allow('p', [{ to: [{ operation: { ports: ['8080'] } }] }])], request: FRONTEND, expect: ['denied', 'no-allow-match'] },
  { name: 'notPorts excludes', policies: [allow('p', [{ to: [{ operation: { notPorts: ['15000'] } }] }])], request: { port: 15000 }, expect: ['denied', 'no-allow-match'] },
  { name: 'methods: values OR\'ed', policies: [allow('m', [{ to: [{ operation: { methods: ['GET', 'HEAD'] } }] }])], request: { method: 'HEAD' }, expect: ['allowed', 'allow-policy', 'shop/m#0'] },
  { name: 'notMethods excludes', policies: [allow('m', [{ to: [{ operation: { notMethods: ['DELETE'] } }] }])], request: { method: 'DELETE' }, expect: ['denied', 'no-allow-match'] },
  { name: 'paths: exact, query ignored', policies: [allow('p', [{ to: [{ operation: { paths: ['/api/cart'] } }] }])], request: { path: '/api/cart?id=1' }, expect: ['allowed', 'allow-policy', 'shop/p#0'] },
  { name: 'paths: prefix', policies: [allow('p', [{ to: [{ operation: { paths: ['/api/*'] } }] }])], request: { path: '/api/cart/items' }, expect: ['allowed', 'allow-policy', 'shop/p#0'] },
  { name: 'paths: suffix', policies: [allow('p', [{ to: [{ operation: { paths: ['*/healthz'] } }] }])], request: { path: '/api/healthz' }, expect: ['allowed', 'allow-policy', 'shop/p#0'] },
  { name: 'paths: template', policies: [allow('p', [{ to: [{ operation: { paths: ['/carts/{*}/items/{**}'] } }] }])], request: { path: '/carts/7/items/a/b' }, expect: ['allowed', 'allow-policy', 'shop/p#0'] },
  { name: 'notPaths excludes', policies: [allow('p', [{ to: [{ operation: { notPaths: ['/internal/*'] } }] }])], request: { path: '/internal/debug' }, expect: ['denied', 'no-allow-match'] },

  // Combination.
  {
    name: 'fields of one source are AND\'ed',
    policies: [allow('a', [{ from: [{ source: { principals: [PRINCIPAL], namespaces: ['ops'] } }] }])],
    request: FRONTEND,
    expect: ['denied', 'no-allow-match'],
  },
  {
    name: 'a field and its not-form are AND\'ed',
    policies: [allow('a', [{ to: [{ operation: { paths: ['/api/*'], notPaths: ['/api/admin*'] } }] }])],
    request: { path: '/api/admin/x' },
    expect: ['denied', 'no-allow-match'],
  },
  {
    name: 'from entries are OR\'ed',
    policies: [allow('a', [{ from: [{ source: { namespaces: ['ops'] } }, { source: { principals: [PRINCIPAL] } }] }])],
    request: FRONTEND,
    expect: ['allowed', 'allow-policy', 'shop/a#0'],
  },
  {
    name: 'from and to are AND\'ed',
    policies: [allow('a', [{ from: [{ source: { namespaces: ['web'] } }], to: [{ operation: { methods: ['GET'] } }] }])],
    request: { ...FRONTEND, method: 'POST' },
    expect: ['denied', 'no-allow-match'],
  },
  {
    name: 'rules are OR\'ed; the matching rule is reported',
    policies: [allow('a', [{ from: [{ source: { namespaces: ['ops'] } }] }, { to: [{ operation: { methods: ['GET'] } }] }])],
    request: { ...FRONTEND, method: 'GET' },
    expect: ['allowed', 'allow-policy', 'shop/a#1'],
  },

  // Conditions.
  { name: 'when request.headers: names case-insensitive', policies: [allow('w', [{ when: [{ key: 'request.headers[X-Env]', values: ['prod'] }] }])], request: { headers: { 'x-env': 'prod' } }, expect: ['allowed', 'allow-policy', 'shop/w#0'] },
  { name: 'when request.headers: missing header', policies: [allow('w', [{ when: [{ key: 'request.headers[x-env]', values: ['*'] }] }])], request: {}, expect: ['denied', 'no-allow-match'] },
  { name: 'when notValues excludes', policies: [allow('w', [{ when: [{ key: 'request.headers[x-env]', notValues: ['dev*'] }] }])], request: { headers: { 'x-env': 'dev-3' } }, expect: ['denied', 'no-allow-match'] },
  { name: 'when claims: any element of a list claim', policies: [allow('w', [{ when: [{ key: 'request.auth.claims[groups]', values: ['support'] }] }])], request: { claims: { groups: ['dev', 'support'] } }, expect: ['allowed', 'allow-policy', 'shop/w#0'] },
  { name: 'when claims: nested', policies: [allow('w', [{ when: [{ key: 'request.auth.claims[realm][roles]', values: ['admin'] }] }])], request: { claims: { realm: { roles: ['admin'] } } }, expect: ['allowed', 'allow-policy', 'shop/w#0'] },
  { name: 'when source.namespace', policies: [allow('w', [{ when: [{ key: 'source.namespace', values: ['web'] }] }])], request: FRONTEND, expect: ['allowed', 'allow-policy', 'shop/w#0'] },
  { name: 'when source.principal through an alias', policies: [allow('w', [{ when: [{ key: 'source.principal', values: ['old-corp.example/ns/web/sa/frontend'] }] }])], request: FRONTEND, expect: ['allowed', 'allow-policy', 'shop/w#0'] },
  { name: 'when source.ip: CIDR', policies: [deny('w', [{ when: [{ key: 'source.ip', values: ['10.0.0.0/8'] }] }])], request: { sourceIp: '10.9.9.9' }, expect: ['denied', 'deny-policy', 'shop/w#0'] },
  { name: 'when destination.port', policies: [allow('w', [{ when: [{ key: 'destination.port', values: ['8080'] }] }])], request: { port: 8080 }, expect: ['allowed', 'allow-policy', 'shop/w#0'] },
  {
    name: 'when request.auth.principal',
    policies: [allow('w', [{ when: [{ key: 'request.auth.principal', values: ['https://login.corp.example/*'] }] }])],
    request: { claims: { iss: 'https://login.corp.example', sub: 'alice' } },
    expect: ['allowed', 'allow-policy', 'shop/w#0'],
  },
  { name: 'when request.auth.audiences', policies: [allow('w', [{ when: [{ key: 'request.auth.audiences', values: ['shop'] }] }])], request: { claims: { aud: ['shop', 'admin'] } }, expect: ['allowed', 'allow-policy', 'shop/w#0'] },
  {
    name: 'conditions are AND\'ed',
    policies: [allow('w', [{ when: [{ key: 'source.namespace', values: ['web'] }, { key: 'request.headers[x-env]', values: ['prod'] }] }])],
    request: { ...FRONTEND, headers: { 'x-env': 'dev' } },
    expect: ['denied', 'no-allow-match'],
  },
  { name: 'an unknown condition key does not match', policies: [allow('w', [{ when: [{ key: 'connection.sni', values: ['*'] }] }])], request: FRONTEND, expect: ['denied', 'no-allow-match'] },
];

describe('evaluate', () => {
  it('has a case for every construct', () => expect(CASES.length).toBeGreaterThanOrEqual(40));

  it.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const d = evaluate(c.policies, c.workload ?? CART, c.request, MESH, c.options);
    const [outcome, reason, by] = c.expect;
    expect({ outcome: d.outcome, reason: d.reason, by: d.by ? `${d.by.policy}#${d.by.rule}` : undefined }).toEqual({ outcome, reason, by });
  });

  it('reports matching AUDIT, dry-run and assumed CUSTOM policies without letting them decide', () => {
    const d = evaluate(
      [
        ap('log', { action: 'AUDIT', rules: [{ to: [{ operation: { methods: ['GET'] } }] }, {}] }),
        ap('try', { action: 'DENY', rules: [{}] }, { annotations: { 'istio.io/dry-run': 'true' } }),
        ap('sso', { action: 'CUSTOM', provider: { name: 'oauth2-proxy' }, rules: [{}] }),
      ],
      CART,
      { ...FRONTEND, method: 'POST' },
      MESH,
      { assumeCustomAllow: true },
    );
    expect(d).toMatchObject({
      outcome: 'allowed',
      reason: 'no-allow-policy',
      audit: [{ policy: 'shop/log', action: 'AUDIT', rule: 1 }],
      dryRun: [{ policy: 'shop/try', action: 'DENY', rule: 0 }],
      customAssumedAllowed: [{ policy: 'shop/sso', provider: 'oauth2-proxy', rule: 0 }],
      applied: ['shop/log', 'shop/sso', 'shop/try'],
    });
  });

  it('names the CUSTOM provider and the ALLOW policies that did not match', () => {
    expect(evaluate([ap('sso', { action: 'CUSTOM', provider: { name: 'oauth2-proxy' }, rules: [{}] })], CART, FRONTEND, MESH).by).toEqual({
      policy: 'shop/sso',
      action: 'CUSTOM',
      rule: 0,
      provider: 'oauth2-proxy',
    });
    const d = evaluate([ap('b', {}), ap('a', {}, { namespace: 'istio-system' })], CART, FRONTEND, MESH);
    expect(d.allowPolicies).toEqual(['istio-system/a', 'shop/b']);
  });

  it('notes what it cannot evaluate', () => {
    const d = evaluate(
      [allow('w', [{ when: [{ key: 'connection.sni', values: ['*'] }] }, { from: [{ source: { ipBlocks: ['not-an-ip'] } }] }]), ap('gw', { targetRef: { kind: 'Gateway', name: 'g' } })],
      CART,
      { sourceIp: '10.0.0.1' },
      MESH,
    );
    expect(d.notes).toEqual([
      'shop/gw targets a gateway or waypoint (targetRef), not sidecar workloads; ignored',
      'condition key "connection.sni" cannot be evaluated here; the condition is treated as not matching',
      '"not-an-ip" is not an IP address or CIDR block; it matches nothing',
    ]);
  });

  it('matches strings and paths as Istio does', () => {
    expect([stringMatch('*', ''), stringMatch('*', 'x'), stringMatch('a*', 'abc'), stringMatch('*c', 'abc'), stringMatch('abc', 'abcd')]).toEqual([false, true, true, true, false]);
    expect([pathMatch('/a/{*}', '/a/b'), pathMatch('/a/{*}', '/a/b/c'), pathMatch('/a/{**}', '/a/b/c'), pathMatch('/a/{**}', '/a/'), pathMatch('/a.b/{*}', '/aXb/c')]).toEqual([
      true,
      false,
      true,
      false,
      false,
    ]);
  });
});

describe('formatDecision', () => {
  const show = (policies: AuthorizationPolicyObject[], request: AuthzRequest, options?: EvaluateOptions) =>
    formatDecision(evaluate(policies, CART, request, MESH, options), 'prod', CART);
  const SSO = ap('sso', { action: 'CUSTOM', provider: { name: 'oauth2-proxy' }, rules: [{}] });

  it('says what decided, then what else matched', () => {
    expect(show([SSO], FRONTEND)).toEqual([
      'DELEGATED: CUSTOM policy shop/sso rule 0 matched; provider "oauth2-proxy" decides (--assume-custom-allow to evaluate as if it allowed)',
      'policies applying to shop/cart: shop/sso',
    ]);
    expect(show([SSO, deny('deny-all', [{}]), ap('log', { action: 'AUDIT', rules: [{}] })], FRONTEND, { assumeCustomAllow: true })).toEqual([
      'DENIED: DENY policy shop/deny-all rule 0 matched',
      'custom: CUSTOM policy shop/sso rule 0 matched; provider "oauth2-proxy" assumed to allow',
      'audit: AUDIT policy shop/log rule 0 matched',
      'policies applying to shop/cart: shop/deny-all, shop/log, shop/sso',
    ]);
    expect(show([ALLOW_ALL], FRONTEND)[0]).toBe('ALLOWED: ALLOW policy shop/allow-all rule 0 matched');
    expect(show([ap('allow-nothing', {}), ap('try', { action: 'DENY', rules: [{}] }, { annotations: { 'istio.io/dry-run': 'true' } })], FRONTEND)).toEqual([
      'DENIED: no ALLOW policy matched; ALLOW policies on shop/cart: shop/allow-nothing',
      'dry-run: DENY policy shop/try rule 0 would match',
      'policies applying to shop/cart: shop/allow-nothing, shop/try',
    ]);
    expect(show([allow('w', [{ when: [{ key: 'destination.ip', values: ['10.0.0.1'] }] }])], FRONTEND).at(-1)).toBe(
      'note: condition key "destination.ip" cannot be evaluated here; the condition is treated as not matching',
    );
  });
});

describe('meshc authz check arguments', () => {
  it('parses repeated headers, claims and labels', () => {
    const check = parseAuthzCheck([
      'check',
      '--from=web/frontend',
      '--to',
      'shop/cart',
      '--source-ip',
      '10.0.0.7',
      '--port',
      '8080',
      '--header',
      'X-Env=prod',
      '--header',
      'x-env=eu',
      '--jwt-claim',
      'iss=https://login.corp.example',
      '--jwt-claim',
      'groups=a',
      '--jwt-claim',
      'groups=b',
      '--jwt-claim',
      'realm[roles]=admin',
      '--label',
      'app=cart',
      '--label',
      'version=v2',
      '--assume-custom-allow',
    ]);
    expect(check).toEqual({
      config: 'mesh.yaml',
      workload: { namespace: 'shop', name: 'cart', labels: { app: 'cart', version: 'v2' } },
      request: {
        source: { namespace: 'web', serviceAccount: 'frontend' },
        sourceIp: '10.0.0.7',
        port: 8080,
        headers: { 'x-env': 'prod,eu' },
        claims: { iss: 'https://login.corp.example', groups: ['a', 'b'], realm: { roles: 'admin' } },
      },
      assumeCustomAllow: true,
    });
    expect(parseAuthzCheck(['check', '--from', '10.1.2.3', '--to', 'shop/cart']).request).toEqual({ sourceIp: '10.1.2.3', headers: {} });
  });

  it.each([
    [[], 'missing subcommand "check"'],
    [['verify', '--from', 'a/b', '--to', 'c/d'], 'unknown subcommand "verify"'],
    [['check', '--to', 'shop/cart'], '--from NS/SA or --from IP is required'],
    [['check', '--from', 'web/frontend'], '--to NS/WORKLOAD is required'],
    [['check', '--from', 'frontend', '--to', 'shop/cart'], '--from: expected NAMESPACE/NAME, got "frontend"'],
    [['check', '--from', 'a/b', '--to', 'shop/cart', '--port', '99999'], '--port: "99999" is not a port number'],
    [['check', '--from', 'a/b', '--to', 'shop/cart', '--header', 'novalue'], '--header: expected KEY=VALUE'],
    [['check', '--from', 'a/b', '--to', 'shop/cart', '--method', 'GET', '--method', 'PUT'], 'option --method given twice'],
    [['check', '--from', 'a/b', '--to', 'shop/cart', '--verb', 'GET'], 'unknown option --verb'],
    [['check', '--from', 'a/b', '--to', 'shop/cart', '--path'], 'option --path needs a value'],
    [['check', '--from', 'a/b', '--to', 'shop/cart', '--jwt-claim', 'a=1', '--jwt-claim', 'a[b]=2'], 'nests under a claim that already has a value'],
    [['check', '--from', '10.0.0.1', '--to', 'shop/cart', '--source-ip', '10.0.0.2'], '--source-ip is for a --from service account'],
    [['check', '--from', 'a/b', '--to', 'shop/cart', '--remote-ip', 'nope'], '--remote-ip: "nope" is not an IP address'],
  ])('rejects %j', (args, message) => {
    expect(() => parseAuthzCheck(args)).toThrow(UsageError);
    expect(() => parseAuthzCheck(args)).toThrow(message);
  });
});

describe('meshc authz check', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'meshc-authz-'));
    writeFileSync(join(dir, 'one.yaml'), singleCluster());
    writeFileSync(
      join(dir, 'two.yaml'),
      `${HEADER}defaults:\n  kubernetesVersion: "1.33"\n  istio: { version: "1.30.3" }\nclusters:\n  - name: a\n  - name: b\n`,
    );
    writeFileSync(join(dir, 'bad.yaml'), `${HEADER}clusters: 3\n`);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function run(args: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = runAuthzCheck(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  it('allows everything on a cluster that renders no AuthorizationPolicy', () => {
    const r = run(['check', '--config', join(dir, 'one.yaml'), '--from', 'web/frontend', '--to', 'shop/cart', '--method', 'DELETE', '--path', '/admin']);
    expect(r).toEqual({ code: 0, out: 'ALLOWED: no ALLOW policy applies to shop/cart in cluster one\nno AuthorizationPolicy applies to shop/cart', err: '' });
    expect(run(['check', '--config', join(dir, 'two.yaml'), '--cluster', 'b', '--from', '10.0.0.1', '--to', 'shop/cart']).code).toBe(0);
  });

  it('runs through the Command interface with single options', () => {
    const out: string[] = [];
    const code = authzCommand.run({ config: join(dir, 'one.yaml'), from: 'web/frontend', to: 'shop/cart' }, { out: (l) => out.push(l), err: () => {} });
    expect(code).toBe(0);
    expect(out[0]).toContain('ALLOWED');
    expect(authzCommand.runArgv(['check', '--help'], { out: (l) => out.push(l), err: () => {} })).toBe(0);
    expect(out.at(-1)).toContain('Exit codes: 0 allowed, 1 denied');
  });

  it('exits 2 on usage errors, unknown clusters and invalid fleet files', () => {
    const base = ['--from', 'web/frontend', '--to', 'shop/cart'];
    expect(run(['check', '--config', join(dir, 'two.yaml'), ...base])).toMatchObject({ code: 2, err: expect.stringContaining('--cluster is required') });
    expect(run(['check', '--config', join(dir, 'two.yaml'), '--cluster', 'c', ...base])).toMatchObject({ code: 2, err: expect.stringContaining('no cluster "c"') });
    expect(run(['check', '--config', join(dir, 'bad.yaml'), ...base])).toMatchObject({ code: 2, err: expect.stringContaining('nothing was decided') });
    expect(run(['check', '--config', join(dir, 'missing.yaml'), ...base])).toMatchObject({ code: 2, err: expect.stringContaining('cannot read the fleet file') });
    expect(run(['check', '--frm', 'x'])).toMatchObject({ code: 2, err: expect.stringContaining('unknown option --frm') });
  });
});
