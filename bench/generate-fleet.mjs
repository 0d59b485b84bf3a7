/**
 * Synthetic fleets for the benchmark, using every feature a fleet file has.
 *
 * Per cluster: the control plane, an ingress and an egress gateway, and 50 application
 * namespaces, each with a PeerAuthentication and three AuthorizationPolicies. Clusters are
 * paired into two-cluster multi-primary meshes on two networks (a pair shares a cluster domain
 * and trust domain; pairs differ). The first cluster of each of the first ten pairs joins one
 * federation and exports 20 services, so a member imports 20 × (members − 1) of them; federation
 * members need distinct domains, so a fleet with fewer than ten pairs federates one per pair.
 *
 * `generateFleet(n)` returns the fleet file's text and the files it names (root certificates,
 * public test certificates with no key anywhere).
 */

export const NAMESPACES_PER_CLUSTER = 50;
export const FEDERATION_MEMBERS = 10;
export const EXPORTS_PER_MEMBER = 20;

// A self-signed, public, throwaway root certificate: the benchmark needs the shape, not a real CA.
const ROOT_PEM = `-----BEGIN CERTIFICATE-----
MIIBhTCCASugAwIBAgIUKc1xQzM3b0Qe0cP3Y3o3yQ1m9x8wCgYIKoZIzj0EAwIw
GDEWMBQGA1UEAwwNYmVuY2ggcm9vdCBDQTAeFw0yNjAxMDEwMDAwMDBaFw0zNjAx
MDEwMDAwMDBaMBgxFjAUBgNVBAMMDWJlbmNoIHJvb3QgQ0EwWTATBgcqhkjOPQIB
BggqhkjOPQMBBwNCAAQ0bS5k7mVw2Xl0Yk0yq3mQ0zv3qE3s7nJd8wq2dJ6x3lq9
3pW7n5kQ1y0f8m7hJ2xX4pQ1n6T8b3aQ9d2e0pL7o1MwUTAdBgNVHQ4EFgQUbmVo
Y2ggcm9vdCBjYSBrZXkgaWQwHwYDVR0jBBgwFoAUbmVoY2ggcm9vdCBjYSBrZXkg
aWQwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNIADBFAiEA7Q==
-----END CERTIFICATE-----
`;

const pad = (i, width) => String(i).padStart(width, '0');

export function generateFleet(clusterCount) {
  if (clusterCount < 2 || clusterCount % 2 !== 0) throw new Error('the benchmark fleet pairs clusters: give an even count of at least 2');
  const width = String(clusterCount - 1).length;
  const name = (i) => `c${pad(i, width)}`;
  const pairs = clusterCount / 2;
  const members = Math.min(FEDERATION_MEMBERS, pairs);
  const lines = [];
  const push = (...l) => lines.push(...l);

  push('apiVersion: meshc.dev/v1alpha1', 'kind: Fleet', '');
  push('defaults:', '  kubernetesVersion: "1.33"', '  istio: { version: "1.30.3" }', '  mesh: { dnsProxying: true }');
  push('  gateways:', '    egress: { enabled: true }');
  push('  security:', '    ca:', '      externalSecret: { store: { name: vault }, key: istio/ca }');
  push('  policies:', '    namespaces:');
  for (let n = 0; n < NAMESPACES_PER_CLUSTER; n++) {
    push(`      app-${pad(n, 2)}: { mtls: STRICT, defaultDeny: true, allowFromIngressGateway: true, allowSameNamespace: true }`);
  }
  push('', 'clusters:');
  for (let i = 0; i < clusterCount; i++) {
    const pair = Math.floor(i / 2);
    // Disjoint ranges for every cluster: 10.<i>.0.0/16-ish blocks spread over 10.0.0.0/8 and 172.16.0.0/12.
    push(
      `  - name: ${name(i)}`,
      `    network: net-${name(i)}`,
      `    clusterDomain: p${pad(pair, width)}.local`,
      `    trustDomain: p${pad(pair, width)}.bench.example`,
      `    podCIDRs: [${cidr(i, 0)}]`,
      `    serviceCIDRs: [${cidr(i, 1)}]`,
    );
  }
  push('', 'meshes:');
  for (let p = 0; p < pairs; p++) {
    const a = name(2 * p);
    const b = name(2 * p + 1);
    push(
      `  pair-${pad(p, width)}:`,
      `    clusters: [${a}, ${b}]`,
      '    eastWestGateway:',
      '      addresses:',
      `        ${a}: [${address(2 * p)}]`,
      `        ${b}: [ew.${b}.bench.example]`,
      '    remoteSecrets:',
      '      externalSecret: { store: { name: vault }, keyPrefix: istio/remote/ }',
    );
  }
  // A federation needs two members: a two-cluster fleet has none.
  if (members >= 2) push('', 'federations:', '  bench:', '    members:');
  for (let m = 0; m < (members >= 2 ? members : 0); m++) {
    push(
      `      - cluster: ${name(2 * m)}`,
      `        gateway: { addresses: [fed.${name(2 * m)}.bench.example] }`,
      '        rootCertificate: { file: certs/root.pem }',
      '        exports:',
    );
    for (let s = 0; s < EXPORTS_PER_MEMBER; s++) {
      push(`          - { namespace: app-${pad(s, 2)}, name: svc-${pad(s, 2)}, ports: [{ name: http, port: 8080, protocol: HTTP }, { name: grpc, port: 9090, protocol: GRPC }] }`);
    }
  }
  return { text: lines.join('\n') + '\n', files: { 'certs/root.pem': ROOT_PEM } };
}

/** A /20 per cluster and kind: 4096 clusters fit in 10.0.0.0/8 for pods and services together. */
function cidr(i, kind) {
  const block = i * 2 + kind;
  return `10.${block >> 4}.${(block & 15) << 4}.0/20`;
}

function address(i) {
  return `198.18.${i >> 8}.${i & 255}`;
}
