/**
 * Envoy reads a gateway's topology (trusted proxies, client certificate handling, PROXY
 * protocol) only at start, and mesh-wide values reach it only through MeshConfig, which does not
 * touch the Deployment. The config hash on the pod template rolls a gateway exactly when its
 * effective topology changes.
 */
import { describe, expect, it } from 'vitest';
import { canonicalJson, gatewayConfigHash } from '../src/gateways/topology';
import { loadCluster, singleCluster } from './support/fleet';
import { find, manifests, type Manifest } from './support/objects';

const HASH = 'meshc.dev/gateway-config-hash';

interface Variant {
  /** Lines under `gateways:` (fleet-wide gateway settings). */
  readonly fleet?: string;
  /** Lines under `ingress:` and `internal:`. */
  readonly ingress?: string;
  readonly internal?: string;
  /** Other cluster settings. */
  readonly cluster?: string;
}

function render(v: Variant): Manifest[] {
  const yaml =
    (v.cluster ?? '') +
    '    gateways:\n' +
    (v.fleet ?? '') +
    `      ingress:\n        enabled: true\n${v.ingress ?? ''}` +
    `      named:\n        internal:\n          enabled: true\n${v.internal ?? ''}`;
  return manifests(loadCluster(singleCluster(yaml)));
}

const template = (objects: Manifest[], name: string) => find(objects, 'Deployment', name).spec.template;
const hashes = (objects: Manifest[]) => ({
  ingress: template(objects, 'istio-ingressgateway').metadata.annotations[HASH] as string,
  internal: template(objects, 'internal').metadata.annotations[HASH] as string,
});

const BASE = hashes(render({}));

const CHANGES: { name: string; variant: Variant; rolls: ('ingress' | 'internal')[] }[] = [
  { name: 'mesh-wide trusted proxies', variant: { fleet: '      numTrustedProxies: 1\n' }, rolls: ['ingress', 'internal'] },
  { name: 'mesh-wide client certificate handling', variant: { fleet: '      forwardClientCertDetails: SANITIZE\n' }, rolls: ['ingress', 'internal'] },
  { name: 'PROXY protocol on one gateway', variant: { ingress: '        proxyProtocol: true\n' }, rolls: ['ingress'] },
  { name: 'trusted proxies of one gateway', variant: { internal: '          numTrustedProxies: 3\n' }, rolls: ['internal'] },
  { name: 'client certificate handling of one gateway', variant: { ingress: '        forwardClientCertDetails: FORWARD_ONLY\n' }, rolls: ['ingress'] },
  {
    name: 'mesh-wide trusted proxies, with one gateway pinned to the old value',
    variant: { fleet: '      numTrustedProxies: 2\n', internal: '          numTrustedProxies: 0\n' },
    rolls: ['ingress'],
  },
  { name: 'an override equal to the mesh-wide value', variant: { ingress: '        numTrustedProxies: 0\n' }, rolls: [] },
  { name: 'resources', variant: { ingress: '        resources: { requests: { cpu: "1" } }\n' }, rolls: [] },
  { name: 'autoscaling', variant: { ingress: '        autoscale: { min: 2, max: 9 }\n' }, rolls: [] },
  { name: 'rollout and spreading', variant: { ingress: '        rollout: { maxSurge: 25% }\n        topologySpread: hosts\n' }, rolls: [] },
  { name: 'pod labels and annotations', variant: { ingress: '        podLabels: { a: b }\n        podAnnotations: { c: d }\n' }, rolls: [] },
  {
    name: 'the Service',
    variant: { ingress: '        service: { type: NodePort, externalTrafficPolicy: Local, annotations: { x: y } }\n' },
    rolls: [],
  },
  {
    name: 'Gateway servers',
    variant: { ingress: '        servers: [{ name: https, protocol: HTTPS, hosts: [a.example], tls: { credentialName: a } }]\n' },
    rolls: [],
  },
  {
    name: 'control plane, sidecars and mTLS',
    variant: { cluster: '    controlPlane: { istiod: { logLevel: default:debug } }\n    sidecar: { logLevel: debug }\n    security: { meshMtls: PERMISSIVE }\n' },
    rolls: [],
  },
];

describe('gateway config hash', () => {
  it('is a short hex digest on every gateway pod', () => {
    expect(BASE.ingress).toMatch(/^[0-9a-f]{16}$/);
    expect(BASE.internal).toBe(BASE.ingress);
  });

  it.each(CHANGES.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const after = hashes(render(c.variant));
    expect({ ingress: after.ingress !== BASE.ingress, internal: after.internal !== BASE.internal }).toEqual({
      ingress: c.rolls.includes('ingress'),
      internal: c.rolls.includes('internal'),
    });
  });

  it('is all that changes in the pod template when a mesh-wide value changes', () => {
    const before = template(render({}), 'internal');
    const after = template(render({ fleet: '      numTrustedProxies: 1\n' }), 'internal');
    expect(after.metadata.annotations[HASH]).not.toBe(before.metadata.annotations[HASH]);
    const withoutHash = (t: Manifest) => ({ ...t, metadata: { ...t.metadata, annotations: { ...t.metadata.annotations, [HASH]: undefined } } });
    expect(withoutHash(after)).toEqual(withoutHash(before));
  });

  it('hashes the effective topology, whatever order its fields come in', () => {
    const t = { numTrustedProxies: 2, forwardClientCertDetails: 'SANITIZE' as const, proxyProtocol: true };
    expect(gatewayConfigHash(t)).toBe(gatewayConfigHash({ proxyProtocol: true, forwardClientCertDetails: 'SANITIZE', numTrustedProxies: 2 }));
    expect(canonicalJson({ b: [{ d: 1, c: 2 }], a: null })).toBe('{"a":null,"b":[{"c":2,"d":1}]}');
    expect(gatewayConfigHash(t)).not.toBe(gatewayConfigHash({ ...t, proxyProtocol: false }));
  });
});
