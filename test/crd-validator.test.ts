import { describe, expect, it } from 'vitest';
import { loadCrdValidator, sharedAvailable } from './support/crd-validator';

// CI always provides the upstream data; a missing folder must fail loudly rather
// than silently skip the checks that guard every rendered Istio object.
const VERSION = '1.30.3';

function peerAuthentication(spec: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return {
    apiVersion: 'security.istio.io/v1',
    kind: 'PeerAuthentication',
    metadata: { name: 'default', namespace: 'istio-system', labels: { app: 'mesh' } },
    spec,
    ...extra,
  };
}

describe('crd-validator', () => {
  it('has the upstream Istio CRDs available', () => {
    expect(sharedAvailable()).toBe(true);
  });

  it('accepts a minimal valid PeerAuthentication', () => {
    const v = loadCrdValidator(VERSION);
    expect(v.validate(peerAuthentication({ mtls: { mode: 'STRICT' } }))).toEqual([]);
  });

  it('rejects an unknown spec field and names it', () => {
    const errors = loadCrdValidator(VERSION).validate(
      peerAuthentication({ mtls: { mode: 'STRICT' }, mtlsMode: 'STRICT' }),
    );
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^PeerAuthentication\/default: \/spec /);
    expect(errors[0]).toContain('"mtlsMode"');
  });

  it('rejects an unknown field nested inside spec.mtls', () => {
    const errors = loadCrdValidator(VERSION).validate(
      peerAuthentication({ mtls: { mode: 'STRICT', strict: true } }),
    );
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('/spec/mtls');
    expect(errors[0]).toContain('"strict"');
  });

  it('rejects unknown top-level fields but accepts status', () => {
    const v = loadCrdValidator(VERSION);
    const errors = v.validate(peerAuthentication({ mtls: { mode: 'STRICT' } }, { data: {} }));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('"data"');
    expect(v.validate(peerAuthentication({}, { status: { observedGeneration: 1 } }))).toEqual([]);
  });

  it('requires metadata.name', () => {
    const v = loadCrdValidator(VERSION);
    const obj = { ...peerAuthentication({}), metadata: { namespace: 'istio-system' } };
    expect(v.validate(obj).join('\n')).toContain("'name'");
    expect(v.validate({ ...peerAuthentication({}), metadata: { name: 7 } })).not.toEqual([]);
  });

  it('rejects a value outside the enum', () => {
    const errors = loadCrdValidator(VERSION).validate(peerAuthentication({ mtls: { mode: 'STRCT' } }));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('/spec/mtls/mode');
    expect(errors[0]).toContain('"STRICT"');
    expect(errors[0]).toContain('"STRCT"');
  });

  it('rejects wrong scalar types, including null on a non-nullable field', () => {
    const v = loadCrdValidator(VERSION);
    expect(v.validate(peerAuthentication({ mtls: { mode: 1 } }))).not.toEqual([]);
    expect(v.validate(peerAuthentication({ mtls: { mode: null } }))).not.toEqual([]);
  });

  it('accepts null where the schema marks a field nullable', () => {
    const v = loadCrdValidator(VERSION);
    const dr = (tls: Record<string, unknown>) => ({
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: { name: 'reviews' },
      spec: { host: 'reviews', trafficPolicy: { tls } },
    });
    expect(v.validate(dr({ mode: 'SIMPLE', insecureSkipVerify: null }))).toEqual([]);
    expect(v.validate(dr({ mode: 'SIMPLE', insecureSkipVerify: 'yes' }))).not.toEqual([]);
  });

  it('accepts both integers and strings for an int-or-string field', () => {
    const v = loadCrdValidator(VERSION);
    const withGeneration = (g: unknown) =>
      peerAuthentication({ mtls: { mode: 'STRICT' } }, { status: { observedGeneration: g } });
    expect(v.validate(withGeneration(3))).toEqual([]);
    expect(v.validate(withGeneration('3'))).toEqual([]);
    expect(v.validate(withGeneration(true))).not.toEqual([]);
    expect(v.validate(withGeneration(1.5))).not.toEqual([]);
  });

  it('rejects a kind or version an istio.io group does not serve', () => {
    const v = loadCrdValidator(VERSION);
    const unknownKind = v.validate({
      apiVersion: 'security.istio.io/v1',
      kind: 'PeerAuthenticaton',
      metadata: { name: 'x' },
      spec: {},
    });
    expect(unknownKind).toHaveLength(1);
    expect(unknownKind[0]).toContain('PeerAuthenticaton');
    expect(v.validate({ ...peerAuthentication({}), apiVersion: 'security.istio.io/v2' })).toHaveLength(1);
  });

  it('accepts a valid AuthorizationPolicy with rules', () => {
    const v = loadCrdValidator(VERSION);
    const policy = {
      apiVersion: 'security.istio.io/v1',
      kind: 'AuthorizationPolicy',
      metadata: { name: 'allow-frontend', namespace: 'shop' },
      spec: {
        selector: { matchLabels: { app: 'cart' } },
        action: 'ALLOW',
        rules: [
          {
            from: [{ source: { principals: ['cluster.local/ns/shop/sa/frontend'], namespaces: ['shop'] } }],
            to: [{ operation: { methods: ['GET', 'POST'], paths: ['/api/*'], ports: ['8080'] } }],
            when: [{ key: 'request.auth.claims[iss]', values: ['https://issuer.example'] }],
          },
        ],
      },
    };
    expect(v.validate(policy)).toEqual([]);

    const broken = structuredClone(policy);
    (broken.spec.rules[0].to[0].operation as Record<string, unknown>).verbs = ['GET'];
    const errors = v.validate(broken);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('/spec/rules/0/to/0/operation');
    expect(errors[0]).toContain('"verbs"');
  });

  it('enforces oneOf constraints between mutually exclusive fields', () => {
    const v = loadCrdValidator(VERSION);
    const vs = (uri: Record<string, unknown>) => ({
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'web' },
      spec: {
        hosts: ['web'],
        http: [{ match: [{ uri }], route: [{ destination: { host: 'web', port: { number: 80 } } }] }],
      },
    });
    expect(v.validate(vs({ prefix: '/a' }))).toEqual([]);
    const errors = v.validate(vs({ exact: '/a', prefix: '/b' }));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('/spec/http/0/match/0/uri');
    expect(errors[0]).toMatch(/exact.*prefix/);
  });

  it('rejects duplicate keys in a map-typed list', () => {
    const v = loadCrdValidator(VERSION);
    const se = (ports: unknown[]) => ({
      apiVersion: 'networking.istio.io/v1',
      kind: 'ServiceEntry',
      metadata: { name: 'external' },
      spec: { hosts: ['api.example.com'], resolution: 'DNS', ports },
    });
    expect(
      v.validate(se([{ number: 443, name: 'https', protocol: 'TLS' }, { number: 80, name: 'http', protocol: 'HTTP' }])),
    ).toEqual([]);
    const errors = v.validate(se([{ number: 443, name: 'https' }, { number: 8443, name: 'https' }]));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('/spec/ports');
  });

  it('keeps fields under x-kubernetes-preserve-unknown-fields', () => {
    const v = loadCrdValidator(VERSION);
    const filter = {
      apiVersion: 'networking.istio.io/v1alpha3',
      kind: 'EnvoyFilter',
      metadata: { name: 'lua' },
      spec: {
        configPatches: [
          {
            applyTo: 'HTTP_FILTER',
            patch: { operation: 'INSERT_BEFORE', value: { name: 'envoy.lua', typed_config: { anything: [1, 'two'] } } },
          },
        ],
      },
    };
    expect(v.validate(filter)).toEqual([]);
  });

  it('only claims Istio CRD types', () => {
    const v = loadCrdValidator(VERSION);
    expect(v.knows('v1', 'ConfigMap')).toBe(false);
    expect(v.knows('security.istio.io/v1', 'PeerAuthentication')).toBe(true);
    expect(v.knows('networking.istio.io/v1alpha3', 'EnvoyFilter')).toBe(true);
    expect(v.validate({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: {} })).toEqual([]);
  });

  it('caches validators per version', () => {
    expect(loadCrdValidator(VERSION)).toBe(loadCrdValidator(VERSION));
  });

  it.each(['1.28.10', '1.29.6', '1.30.3'])('loads and compiles every served type of %s', (version) => {
    const v = loadCrdValidator(version);
    v.compileAll();
    expect(v.validate(peerAuthentication({ mtls: { mode: 'PERMISSIVE' } }))).toEqual([]);
    expect(v.validate(peerAuthentication({ mtls: { mode: 'STRCT' } }))).toHaveLength(1);
  }, 20_000);
});
