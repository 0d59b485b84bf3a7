/**
 * The static checks of the policies section: errors and warnings each point at the file,
 * line and field that caused them, with a message saying what to do.
 */
import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../src/config/diagnostic';
import { loadFleetText } from '../src/pipeline';
import { HEADER, rejectionOf } from './support/fleet';

/** One cluster `a` with `extra` appended to its entry; `policies.namespaces.shop` is opened by `shop`. */
const fleet = (extra: string) => `${HEADER}clusters:\n  - name: a\n    kubernetesVersion: "1.33"\n    istio: { version: "1.30.3" }\n${extra}`;
const SHOP = '    policies:\n      namespaces:\n        shop:\n';
const errorsOf = (extra: string) => rejectionOf(fleet(extra), { errorsOnly: true });
const warningsOf = (extra: string) => loadFleetText('fleet.yaml', fleet(extra)).warnings.map(formatDiagnostic);

describe('policy errors', () => {
  it.each([
    {
      name: 'a principal of a foreign trust domain',
      yaml: SHOP + '          authorizationPolicies:\n            p:\n              rules: [{ from: [{ principals: [other.example/ns/web/sa/app] }] }]\n',
      errors: [
        'fleet.yaml:12:47: error: clusters[0].policies.namespaces.shop.authorizationPolicies.p.rules[0].from[0].principals[0]: cluster "a": authorization policy "p" in namespace "shop": principal "other.example/ns/web/sa/app" is of trust domain "other.example", which the cluster neither owns ("cluster.local") nor aliases (trustDomainAliases); it can never match',
      ],
    },
    {
      name: 'a foreign notPrincipal',
      yaml: SHOP + '          authorizationPolicies:\n            p:\n              rules: [{ from: [{ notPrincipals: [other.example/ns/web/sa/app] }] }]\n',
      errors: [
        'fleet.yaml:12:50: error: clusters[0].policies.namespaces.shop.authorizationPolicies.p.rules[0].from[0].notPrincipals[0]: cluster "a": authorization policy "p" in namespace "shop": principal "other.example/ns/web/sa/app" is of trust domain "other.example", which the cluster neither owns ("cluster.local") nor aliases (trustDomainAliases); it can never match',
      ],
    },
    {
      name: 'a policy named like a shorthand',
      yaml: SHOP + '          defaultDeny: true\n          authorizationPolicies:\n            allow-nothing:\n              action: DENY\n',
      errors: [
        'fleet.yaml:12:13: error: clusters[0].policies.namespaces.shop.authorizationPolicies.allow-nothing: cluster "a": authorization policy "allow-nothing" in namespace "shop" has the same name as the one defaultDeny renders; rename it',
      ],
    },
    {
      name: 'a workload override named like the namespace default',
      yaml: SHOP + '          mtls: STRICT\n          workloads:\n            default: { selector: { app: a }, mtls: PERMISSIVE }\n',
      errors: [
        'fleet.yaml:12:13: error: clusters[0].policies.namespaces.shop.workloads.default: cluster "a": mTLS override "default" in namespace "shop" has the name of the namespace-wide PeerAuthentication; rename it',
      ],
    },
    {
      name: 'CUSTOM without a provider',
      yaml: SHOP + '          authorizationPolicies:\n            ext:\n              action: CUSTOM\n',
      errors: [
        'fleet.yaml:11:13: error: clusters[0].policies.namespaces.shop.authorizationPolicies.ext: cluster "a": authorization policy "ext" in namespace "shop": action CUSTOM needs a provider (one of mesh.extensionProviders)',
      ],
    },
    {
      name: 'CUSTOM with an unknown provider',
      yaml:
        '    mesh:\n      extensionProviders: [{ name: oauth2-proxy, service: o.auth.svc.cluster.local, port: 4180 }]\n' +
        SHOP + '          authorizationPolicies:\n            ext:\n              action: CUSTOM\n              provider: oauth-proxy\n',
      errors: [
        'fleet.yaml:15:25: error: clusters[0].policies.namespaces.shop.authorizationPolicies.ext.provider: cluster "a": authorization policy "ext" in namespace "shop": provider "oauth-proxy" is not one of mesh.extensionProviders (known: oauth2-proxy); did you mean "oauth2-proxy"?',
      ],
    },
    {
      name: 'a provider on an ALLOW policy',
      yaml: SHOP + '          authorizationPolicies:\n            p:\n              provider: opa\n',
      errors: [
        'fleet.yaml:12:25: error: clusters[0].policies.namespaces.shop.authorizationPolicies.p.provider: cluster "a": authorization policy "p" in namespace "shop": provider applies only to action CUSTOM',
      ],
    },
    {
      name: 'principal rules in a namespace without mTLS',
      yaml: SHOP + '          mtls: DISABLE\n          authorizationPolicies:\n            p:\n              rules: [{ from: [{ namespaces: [web] }] }]\n',
      errors: [
        'fleet.yaml:12:13: error: clusters[0].policies.namespaces.shop.authorizationPolicies.p: cluster "a": authorization policy "p" matches on peer principals or namespaces, but mTLS is DISABLE in namespace "shop": Istio cannot know the peer\'s identity',
      ],
    },
    {
      name: 'principal rules for workloads without mTLS',
      yaml:
        SHOP +
        '          workloads:\n            legacy: { selector: { app: legacy }, mtls: DISABLE }\n' +
        '          authorizationPolicies:\n            p:\n              selector: { app: legacy, tier: web }\n              rules: [{ when: [{ key: source.principal, values: ["*"] }] }]\n',
      errors: [
        'fleet.yaml:13:13: error: clusters[0].policies.namespaces.shop.authorizationPolicies.p: cluster "a": authorization policy "p" matches on peer principals or namespaces, but mTLS is DISABLE for the workloads it selects in namespace "shop": Istio cannot know the peer\'s identity',
      ],
    },
    {
      name: 'a shorthand needing identities without mTLS',
      yaml: SHOP + '          mtls: DISABLE\n          allowSameNamespace: true\n',
      errors: [
        'fleet.yaml:11:31: error: clusters[0].policies.namespaces.shop.allowSameNamespace: cluster "a": allowSameNamespace needs the peer\'s identity, but mTLS is DISABLE in namespace "shop"',
      ],
    },
    {
      name: 'allowFromIngressGateway without an ingress gateway',
      yaml: '    gateways: { ingress: { enabled: false } }\n' + SHOP + '          allowFromIngressGateway: true\n',
      errors: [
        'fleet.yaml:11:36: error: clusters[0].policies.namespaces.shop.allowFromIngressGateway: cluster "a": namespace "shop" allows the ingress gateway, but the cluster has none (gateways.ingress is disabled)',
      ],
    },
    {
      name: 'namespace mTLS in the root namespace',
      yaml: '    policies:\n      namespaces:\n        istio-system: { mtls: PERMISSIVE }\n',
      errors: [
        'fleet.yaml:9:31: error: clusters[0].policies.namespaces.istio-system.mtls: cluster "a": namespace "istio-system" is the root namespace: set its mTLS mode, the mesh-wide default, with security.meshMtls',
      ],
    },
    {
      name: 'an empty source',
      yaml: SHOP + '          authorizationPolicies:\n            p:\n              rules: [{ from: [{}] }]\n',
      errors: [
        'fleet.yaml:12:32: error: clusters[0].policies.namespaces.shop.authorizationPolicies.p.rules[0].from[0]: cluster "a": authorization policy "p" in namespace "shop": an empty source is rejected by Istio; remove it to match any source',
      ],
    },
    {
      name: 'a condition without values',
      yaml: SHOP + '          authorizationPolicies:\n            p:\n              rules: [{ when: [{ key: source.ip }] }]\n',
      errors: [
        'fleet.yaml:12:32: error: clusters[0].policies.namespaces.shop.authorizationPolicies.p.rules[0].when[0]: cluster "a": authorization policy "p" in namespace "shop": condition on source.ip needs values or notValues',
      ],
    },
    {
      name: 'a condition on an unknown attribute',
      yaml: SHOP + '          authorizationPolicies:\n            p:\n              rules: [{ when: [{ key: "request.header[x]", values: [a] }] }]\n',
      errors: [
        'fleet.yaml:12:39: error: clusters[0].policies.namespaces.shop.authorizationPolicies.p.rules[0].when[0].key: must be an Istio authorization attribute such as request.auth.claims[iss], request.headers[x-user], source.ip or destination.port, got "request.header[x]"',
      ],
    },
    {
      name: 'an issuer listed twice',
      yaml: SHOP + '          requestAuthentications:\n            jwt:\n              jwtRules: [{ issuer: https://a.example }, { issuer: https://a.example }]\n',
      errors: [
        'fleet.yaml:12:67: error: clusters[0].policies.namespaces.shop.requestAuthentications.jwt.jwtRules[1].issuer: cluster "a": request authentication "jwt" in namespace "shop" lists issuer "https://a.example" twice',
      ],
    },
    {
      name: 'trust domain aliases through the MeshConfig escape hatch',
      yaml: '    trustDomainAliases: [old.example]\n    mesh: { meshConfig: { trustDomainAliases: [old.example] } }\n',
      errors: [
        'fleet.yaml:8:47: error: clusters[0].mesh.meshConfig.trustDomainAliases: cluster "a": MeshConfig field "trustDomainAliases" is set by meshc from typed settings; use those instead',
      ],
    },
  ])('$name', ({ yaml, errors }) => expect(errorsOf(yaml)).toEqual(errors));
});

describe('policy warnings', () => {
  it.each([
    {
      name: 'a port both wanted and unwanted',
      yaml: SHOP + '          authorizationPolicies:\n            p:\n              rules: [{ to: [{ ports: [8080], notPorts: [8080] }] }]\n',
      warnings: [
        'fleet.yaml:12:57: warning: clusters[0].policies.namespaces.shop.authorizationPolicies.p.rules[0].to[0].notPorts: cluster "a": authorization policy "p" in namespace "shop": "8080" is in both ports and notPorts; this can never match',
      ],
    },
    {
      name: 'a condition value both wanted and unwanted',
      yaml: SHOP + '          authorizationPolicies:\n            p:\n              rules: [{ when: [{ key: source.ip, values: [10.0.0.1, 10.0.0.2], notValues: [10.0.0.1] }] }]\n',
      warnings: [
        'fleet.yaml:12:91: warning: clusters[0].policies.namespaces.shop.authorizationPolicies.p.rules[0].when[0].notValues: cluster "a": authorization policy "p" in namespace "shop": "10.0.0.1" is in both values and notValues; it can never match, so listing it in values has no effect',
      ],
    },
    {
      name: 'an ALLOW shadowed by a DENY of every request',
      yaml:
        SHOP +
        '          authorizationPolicies:\n            allow-get:\n              selector: { app: cart }\n              rules: [{ to: [{ methods: [GET] }] }]\n' +
        '            deny-all:\n              action: DENY\n              rules: [{}]\n',
      warnings: [
        'fleet.yaml:11:13: warning: clusters[0].policies.namespaces.shop.authorizationPolicies.allow-get: cluster "a": authorization policy "allow-get" in namespace "shop" never allows anything: DENY policy "deny-all" in namespace "shop" matches every request it matches',
      ],
    },
    {
      name: 'an ALLOW shadowed by a mesh-wide DENY with the same rule',
      yaml:
        '    policies:\n      namespaces:\n        istio-system:\n          authorizationPolicies:\n            no-admin:\n              action: DENY\n              rules: [{ to: [{ paths: ["/admin"], ports: [8080] }] }]\n' +
        '        shop:\n          authorizationPolicies:\n            admin:\n              rules: [{ to: [{ paths: ["/admin"], ports: [8080] }] }]\n',
      warnings: [
        'fleet.yaml:16:13: warning: clusters[0].policies.namespaces.shop.authorizationPolicies.admin: cluster "a": authorization policy "admin" in namespace "shop" never allows anything: DENY policy "no-admin" in namespace "istio-system" matches every request it matches',
      ],
    },
    {
      name: 'an alias equal to the trust domain',
      yaml: '    trustDomainAliases: [cluster.local]\n',
      warnings: [
        'fleet.yaml:7:26: warning: clusters[0].trustDomainAliases[0]: cluster "a": trust domain alias "cluster.local" is the cluster\'s own trust domain',
      ],
    },
  ])('$name', ({ yaml, warnings }) => expect(warningsOf(yaml)).toEqual(warnings));

  it('does not warn about an ALLOW a narrower DENY leaves room for', () => {
    const yaml =
      SHOP +
      '          authorizationPolicies:\n            allow-get:\n              rules: [{ to: [{ methods: [GET] }] }]\n' +
      '            deny-cart:\n              action: DENY\n              selector: { app: cart }\n              rules: [{}]\n';
    expect(warningsOf(yaml)).toEqual([]);
  });

  describe('a DENY rule that only HTTP requests can narrow', () => {
    const deny = (rule: string, action = 'DENY') => SHOP + `          authorizationPolicies:\n            p:\n              action: ${action}\n              rules:\n                - ${rule}\n`;
    const at = 'clusters[0].policies.namespaces.shop.authorizationPolicies.p.rules[0]';
    const label = 'cluster "a": authorization policy "p" in namespace "shop"';

    it.each([
      {
        name: 'a "to" without ports',
        rule: 'to: [{ paths: ["/admin/*"], methods: [POST] }]',
        warning: `fleet.yaml:14:23: warning: ${at}.to: ${label}: this DENY rule's "to" matches only HTTP attributes, which TCP connections lack: on TCP ports Istio ignores them and the rule denies every connection to the workloads it selects; name the HTTP ports the rule is for in "to" (ports)`,
      },
      {
        name: 'a "to" without ports beside a "from" a connection carries',
        rule: 'to: [{ paths: ["/admin/*"] }]\n                  from: [{ notIpBlocks: [10.0.0.0/8] }]',
        warning: `fleet.yaml:14:23: warning: ${at}.to: ${label}: this DENY rule's "to" matches only HTTP attributes, which TCP connections lack: on TCP ports Istio ignores them and the rule denies every connection its "from" matches; name the HTTP ports the rule is for in "to" (ports)`,
      },
      {
        name: 'a "from" alone with only end-user identities',
        rule: 'from: [{ notRequestPrincipals: ["*"] }]',
        warning: `fleet.yaml:14:25: warning: ${at}.from: ${label}: this DENY rule's "from" matches only HTTP attributes, which TCP connections lack: on TCP ports Istio ignores them and the rule denies every connection to the workloads it selects; name the HTTP ports the rule is for in "to" (ports)`,
      },
    ])('warns about $name, at the part to fix', ({ rule, warning }) => expect(warningsOf(deny(rule))).toEqual([warning]));

    it.each([
      { name: 'a "to" with ports', rule: 'to: [{ paths: ["/admin/*"], ports: [8080] }]' },
      { name: 'a "to" with notPorts', rule: 'to: [{ methods: [DELETE], notPorts: [9090] }]' },
      { name: 'a "from" alone with a field a connection carries', rule: 'from: [{ requestPrincipals: ["*"], namespaces: [web] }]' },
      { name: 'conditions alone', rule: 'when: [{ key: "request.headers[x-debug]", values: ["1"] }]' },
    ])('is silent for $name', ({ rule }) => expect(warningsOf(deny(rule))).toEqual([]));

    it.each(['ALLOW', 'AUDIT'])('is silent for %s, where ignoring HTTP attributes on TCP ports never denies more', (action) => {
      expect(warningsOf(deny('to: [{ paths: ["/admin/*"] }]', action))).toEqual([]);
    });
  });

  it('accepts principals of an aliased trust domain and wildcards', () => {
    const yaml =
      '    trustDomainAliases: [old.example]\n' +
      SHOP +
      '          authorizationPolicies:\n            p:\n              rules: [{ from: [{ principals: [old.example/ns/web/sa/app, "*/ns/web/sa/app", "*", web/app] }] }]\n';
    expect(() => loadFleetText('fleet.yaml', fleet(yaml))).not.toThrow();
  });
});
