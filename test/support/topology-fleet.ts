/**
 * A 3-cluster fleet for the topology tests: a two-cluster multi-primary mesh (east, west on
 * two networks), and east federated with a third cluster (lab) that has its own domains.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClusterConfig } from '../../src/config/cluster-config';
import { loadFleetText } from '../../src/pipeline';
import { HEADER } from './fleet';

export const CORP_ROOT = readFileSync(join(__dirname, '..', 'fixtures', 'corp-root.pem'), 'utf8');
export const LAB_ROOT = readFileSync(join(__dirname, '..', 'fixtures', 'lab-root.pem'), 'utf8');
const FILES: Record<string, string> = { 'certs/lab-root.pem': LAB_ROOT, 'certs/key.pem': `${LAB_ROOT}-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n`, 'certs/empty.pem': 'nothing here\n' };
export const readFile = (p: string) => {
  if (!(p in FILES)) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
  return FILES[p];
};
export const indent = (text: string, n: number) => text.trimEnd().split('\n').map((l) => ' '.repeat(n) + l).join('\n');

export const CLUSTERS = `clusters:
  - name: east
    network: net-east
    podCIDRs: [10.0.0.0/16]
    serviceCIDRs: [10.100.0.0/16]
  - name: west
    network: net-west
    podCIDRs: [10.1.0.0/16]
    serviceCIDRs: [10.101.0.0/16]
  - name: lab
    clusterDomain: lab.local
    trustDomain: lab.example
`;
export const DEFAULTS = `defaults:
  kubernetesVersion: "1.33"
  istio: { version: "1.30.3" }
  mesh: { dnsProxying: true }
  security:
    ca:
      externalSecret: { store: { name: vault }, key: istio/ca }
`;
export const MESHES = `meshes:
  corp:
    clusters: [east, west]
    eastWestGateway:
      addresses:
        east: [203.0.113.1]
        west: [ew.west.example]
    remoteSecrets:
      externalSecret: { store: { name: vault }, keyPrefix: istio/remote/ }
`;
/** The mesh `corp` of east alone, as a cluster starts a mesh that others join later. */
export const ONE_MEMBER_MESH = `meshes:
  corp:
    clusters: [east]
    eastWestGateway:
      addresses:
        east: [203.0.113.1]
    remoteSecrets:
      externalSecret: { store: { name: vault }, keyPrefix: istio/remote/ }
`;
export const FEDERATIONS = `federations:
  partners:
    members:
      - cluster: east
        gateway: { addresses: [203.0.113.10] }
        rootCertificate:
          pem: |
${indent(CORP_ROOT, 12)}
        exports:
          - namespace: shop
            name: cart
            ports: [{ name: http, port: 8080, protocol: HTTP }]
      - cluster: lab
        gateway: { addresses: [fed.lab.example], serviceType: NodePort }
        rootCertificate: { file: certs/lab-root.pem }
        exports:
          - namespace: reports
            name: api
            ports: [{ name: grpc, port: 9000, protocol: GRPC }, { name: http-metrics, port: 9090 }]
`;
export const fleet = (parts: { defaults?: string; clusters?: string; meshes?: string; federations?: string } = {}) =>
  HEADER + (parts.defaults ?? DEFAULTS) + (parts.clusters ?? CLUSTERS) + (parts.meshes ?? MESHES) + (parts.federations ?? FEDERATIONS);

export function load(text: string): ClusterConfig[] {
  return [...loadFleetText('fleet.yaml', text, { readFile }).fleet.clusters];
}
