/**
 * Namespace and workload policies: each fleet-file construct reaches the right field of the
 * right Istio object, shorthands expand to the policies they stand for, every object is one
 * the real API server accepts, and every check names the file, line and field.
 */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadFleetText } from '../src/pipeline';
import { renderClusterObjects } from '../src/render/render';
import { loadCrdValidator } from './support/crd-validator';
import { HEADER, loadCluster, singleCluster } from './support/fleet';
import { find, manifests, type Manifest } from './support/objects';

/** `yaml` is the body of `policies.namespaces.shop`, indented by ten spaces. */
const shop = (yaml: string, before = '') => `${before}    policies:\n      namespaces:\n        shop:\n${yaml}`;
const objectsOf = (extra: string) => manifests(loadCluster(singleCluster(extra)));
const securityObjects = (objects: Manifest[]) => objects.filter((o) => o.apiVersion === 'security.istio.io/v1');
const policy = (objects: Manifest[], name: string) => find(objects, 'AuthorizationPolicy', name);

const FULL = shop(
  [
    '          mtls: STRICT',
    '          defaultDeny: true',
    '          allowSameNamespace: true',
    '          allowFromIngressGateway: true',
    '          allowServiceAccounts: [payments/api, batch/reports]',
    '          workloads:',
    '            legacy: { selector: { app: legacy }, mtls: PERMISSIVE, portLevelMtls: { "9090": DISABLE } }',
    '          authorizationPolicies:',
    '            cart:',
    '              selector: { app: cart }',
    '              rules:',
    '                - from:',
    '                    - principals: [web/frontend]',
    '                      notPrincipals: [old.example/ns/web/sa/legacy]',
    '                      requestPrincipals: ["https://issuer.example/*"]',
    '                      notRequestPrincipals: ["https://issuer.example/bot"]',
    '                      namespaces: [web]',
    '                      notNamespaces: [sandbox]',
    '                      ipBlocks: [10.0.0.0/8]',
    '                      notIpBlocks: [10.9.0.0/16]',
    '                      remoteIpBlocks: [203.0.113.0/24]',
    '                      notRemoteIpBlocks: [203.0.113.7]',
    '                  to:',
    '                    - hosts: [cart.example]',
    '                      notHosts: [admin.cart.example]',
    '                      ports: [8080]',
    '                      notPorts: [9090]',
    '                      methods: [GET, POST]',
    '                      notMethods: [DELETE]',
    '                      paths: ["/api/*"]',
    '                      notPaths: ["/api/admin/*"]',
    '                  when:',
    '                    - { key: "request.auth.claims[groups]", values: [shoppers], notValues: [banned] }',
    '            block-scrapers:',
    '              action: DENY',
    '              rules:',
    '                - when: [{ key: "request.headers[user-agent]", values: ["*bot*"] }]',
    '            audit-admin:',
    '              action: AUDIT',
    '              rules: [{ to: [{ paths: ["/admin/*"] }] }]',
    '            ext-authz:',
    '              action: CUSTOM',
    '              provider: oauth2-proxy',
    '              selector: { app: web }',
    '              rules: [{ to: [{ hosts: [shop.example] }] }]',
    '          requestAuthentications:',
    '            issuer:',
    '              selector: { app: cart }',
    '              jwtRules:',
    '                - issuer: https://issuer.example',
    '                  jwksUri: https://issuer.example/.well-known/jwks.json',
    '                  audiences: [shop]',
    '                  fromHeaders: [{ name: x-jwt, prefix: "Bearer " }]',
    '                  fromParams: [token]',
    '                  forwardOriginalToken: true',
    '                  outputClaimToHeaders: [{ header: x-user, claim: sub }]',
    '',
  ].join('\n'),
  '    trustDomain: corp.example\n    trustDomainAliases: [old.example]\n' +
    '    mesh:\n      extensionProviders:\n        - { name: oauth2-proxy, service: oauth2-proxy.auth.svc.cluster.local, port: 4180 }\n',
);

describe('policies against the real CRD schemas', () => {
  it('renders every construct as objects Istio 1.30.3 accepts', () => {
    const validator = loadCrdValidator('1.30.3');
    const objects = securityObjects(objectsOf(FULL));
    expect(objects.map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`).sort()).toEqual([
      'AuthorizationPolicy/shop/allow-ingress-gateway',
      'AuthorizationPolicy/shop/allow-nothing',
      'AuthorizationPolicy/shop/allow-same-namespace',
      'AuthorizationPolicy/shop/allow-service-accounts',
      'AuthorizationPolicy/shop/audit-admin',
      'AuthorizationPolicy/shop/block-scrapers',
      'AuthorizationPolicy/shop/cart',
      'AuthorizationPolicy/shop/ext-authz',
      'PeerAuthentication/istio-system/default',
      'PeerAuthentication/shop/default',
      'PeerAuthentication/shop/legacy',
      'RequestAuthentication/shop/issuer',
    ]);
    for (const o of objects) expect(validator.knows(o.apiVersion, o.kind)).toBe(true);
    expect(objects.flatMap((o) => validator.validate(o))).toEqual([]);
  });

  it('writes one file per object in the policies layer', () => {
    const { fleet } = loadFleetText('mesh.yaml', singleCluster(FULL));
    const paths = renderClusterObjects(fleet.clusters[0])
      .filter((o) => o.layer === 'policies')
      .map((o) => o.path);
    expect(paths).toContain('policies/shop/authorizationpolicy-cart.yaml');
    expect(paths).toContain('policies/shop/peerauthentication-legacy.yaml');
    expect(paths).toContain('policies/shop/requestauthentication-issuer.yaml');
    expect(new Set(paths).size).toBe(paths.length);
  });
});

describe('each construct maps to its Istio field', () => {
  const objects = objectsOf(FULL);
  const cart = policy(objects, 'cart').spec;
  const cases: { name: string; actual: () => unknown; expected: unknown }[] = [
    {
      name: 'namespace mTLS',
      actual: () => objects.find((o) => o.kind === 'PeerAuthentication' && o.metadata.namespace === 'shop' && o.metadata.name === 'default')?.spec,
      expected: { mtls: { mode: 'STRICT' } },
    },
    {
      name: 'workload mTLS with port-level override',
      actual: () => find(objects, 'PeerAuthentication', 'legacy').spec,
      expected: { selector: { matchLabels: { app: 'legacy' } }, mtls: { mode: 'PERMISSIVE' }, portLevelMtls: { '9090': { mode: 'DISABLE' } } },
    },
    { name: 'selector', actual: () => cart.selector, expected: { matchLabels: { app: 'cart' } } },
    { name: 'default action', actual: () => cart.action, expected: 'ALLOW' },
    {
      name: 'from: every source field, ns/sa expanded',
      actual: () => cart.rules[0].from,
      expected: [
        {
          source: {
            principals: ['corp.example/ns/web/sa/frontend'],
            notPrincipals: ['old.example/ns/web/sa/legacy'],
            requestPrincipals: ['https://issuer.example/*'],
            notRequestPrincipals: ['https://issuer.example/bot'],
            namespaces: ['web'],
            notNamespaces: ['sandbox'],
            ipBlocks: ['10.0.0.0/8'],
            notIpBlocks: ['10.9.0.0/16'],
            remoteIpBlocks: ['203.0.113.0/24'],
            notRemoteIpBlocks: ['203.0.113.7'],
          },
        },
      ],
    },
    {
      name: 'to: every operation field, ports as strings',
      actual: () => cart.rules[0].to,
      expected: [
        {
          operation: {
            hosts: ['cart.example'],
            notHosts: ['admin.cart.example'],
            ports: ['8080'],
            notPorts: ['9090'],
            methods: ['GET', 'POST'],
            notMethods: ['DELETE'],
            paths: ['/api/*'],
            notPaths: ['/api/admin/*'],
          },
        },
      ],
    },
    { name: 'when', actual: () => cart.rules[0].when, expected: [{ key: 'request.auth.claims[groups]', values: ['shoppers'], notValues: ['banned'] }] },
    { name: 'DENY', actual: () => policy(objects, 'block-scrapers').spec, expected: { action: 'DENY', rules: [{ when: [{ key: 'request.headers[user-agent]', values: ['*bot*'] }] }] } },
    { name: 'AUDIT', actual: () => policy(objects, 'audit-admin').spec, expected: { action: 'AUDIT', rules: [{ to: [{ operation: { paths: ['/admin/*'] } }] }] } },
    {
      name: 'CUSTOM with its provider',
      actual: () => policy(objects, 'ext-authz').spec,
      expected: { selector: { matchLabels: { app: 'web' } }, action: 'CUSTOM', provider: { name: 'oauth2-proxy' }, rules: [{ to: [{ operation: { hosts: ['shop.example'] } }] }] },
    },
    {
      name: 'request authentication',
      actual: () => find(objects, 'RequestAuthentication', 'issuer').spec,
      expected: {
        selector: { matchLabels: { app: 'cart' } },
        jwtRules: [
          {
            issuer: 'https://issuer.example',
            jwksUri: 'https://issuer.example/.well-known/jwks.json',
            audiences: ['shop'],
            fromHeaders: [{ name: 'x-jwt', prefix: 'Bearer ' }],
            fromParams: ['token'],
            forwardOriginalToken: true,
            outputClaimToHeaders: [{ header: 'x-user', claim: 'sub' }],
          },
        ],
      },
    },
    {
      name: 'trust domain aliases in MeshConfig',
      actual: () => parse(find(objects, 'ConfigMap', 'istio').data.mesh).trustDomainAliases,
      expected: ['old.example'],
    },
  ];
  it.each(cases)('$name', ({ actual, expected }) => expect(actual()).toEqual(expected));

  it('labels every policy as managed by meshc', () => {
    for (const o of securityObjects(objects)) expect(o.metadata.labels).toEqual({ 'app.kubernetes.io/managed-by': 'meshc' });
  });
});

describe('shorthands', () => {
  const objects = objectsOf(FULL);
  it.each([
    { name: 'defaultDeny: an ALLOW with no rules', policy: 'allow-nothing', spec: { action: 'ALLOW' } },
    { name: 'allowSameNamespace', policy: 'allow-same-namespace', spec: { action: 'ALLOW', rules: [{ from: [{ source: { namespaces: ['shop'] } }] }] } },
    {
      name: 'allowFromIngressGateway: the ingress gateway\'s service account',
      policy: 'allow-ingress-gateway',
      spec: { action: 'ALLOW', rules: [{ from: [{ source: { principals: ['corp.example/ns/istio-ingress/sa/istio-ingressgateway'] } }] }] },
    },
    {
      name: 'allowServiceAccounts: ns/sa expanded with the trust domain',
      policy: 'allow-service-accounts',
      spec: { action: 'ALLOW', rules: [{ from: [{ source: { principals: ['corp.example/ns/payments/sa/api', 'corp.example/ns/batch/sa/reports'] } }] }] },
    },
  ])('$name', ({ policy: name, spec }) => expect(policy(objects, name).spec).toEqual(spec));

  it('follows a renamed and moved ingress gateway', () => {
    const o = objectsOf(
      shop('          allowFromIngressGateway: true\n', '    gateways:\n      ingress: { name: edge, namespace: edge-system }\n'),
    );
    expect(policy(o, 'allow-ingress-gateway').spec.rules[0].from[0].source.principals).toEqual(['cluster.local/ns/edge-system/sa/edge']);
  });

  it('merges defaults and cluster namespace by namespace, policy by policy', () => {
    const text =
      HEADER +
      'defaults:\n  policies:\n    namespaces:\n      shop: { defaultDeny: true }\n      web: { allowSameNamespace: true }\n' +
      'clusters:\n  - name: one\n    kubernetesVersion: "1.33"\n    istio: { version: "1.30.3" }\n' +
      '    policies:\n      namespaces:\n        shop: { allowSameNamespace: true }\n';
    const names = securityObjects(manifests(loadCluster(text)))
      .filter((o) => o.kind === 'AuthorizationPolicy')
      .map((o) => `${o.metadata.namespace}/${o.metadata.name}`)
      .sort();
    expect(names).toEqual(['shop/allow-nothing', 'shop/allow-same-namespace', 'web/allow-same-namespace']);
  });

  it('renders nothing beyond the mesh default when no policies are set', () => {
    expect(securityObjects(objectsOf('')).map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['PeerAuthentication/default']);
  });
});
