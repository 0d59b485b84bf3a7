/**
 * A gateway's Istio Gateway resource (its servers: ports, hosts, TLS) and the cert-manager
 * Certificates that fill the Secrets its HTTPS servers name.
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { IstioRelease } from '../catalog/versions';
import { managedLabels } from '../control-plane/metadata';
import { Gateway, GatewaySpecServersTlsMode, type GatewaySpecServers } from '../../imports/networking.istio.io';
import { hostName, type GatewayServer, type GatewaySettings } from './resolve-gateways';

export interface GatewayResourcesProps {
  readonly settings: GatewaySettings;
  readonly release: IstioRelease;
}

/** cert-manager's API; cert-manager itself is installed outside meshc. */
export const CERTIFICATE_API = { apiVersion: 'cert-manager.io/v1', kind: 'Certificate', group: 'cert-manager.io' } as const;

function server(s: GatewayServer): GatewaySpecServers {
  const port = { number: s.port, name: s.name, protocol: s.protocol };
  if (s.protocol === 'HTTP') {
    return { port, hosts: [...s.hosts], ...(s.httpsRedirect ? { tls: { httpsRedirect: true } } : {}) };
  }
  return {
    port,
    hosts: [...s.hosts],
    tls: { mode: GatewaySpecServersTlsMode[s.tls!.mode], credentialName: s.tls!.credentialName },
  };
}

export class GatewayResources extends Construct {
  constructor(scope: Construct, id: string, props: GatewayResourcesProps) {
    super(scope, id);
    const { settings: g, release } = props;
    if (g.servers.length === 0) return;
    const labels = managedLabels(g.name, release);

    new Gateway(this, 'gateway', {
      metadata: { name: g.name, namespace: g.namespace, labels },
      spec: { selector: { ...g.selector }, servers: g.servers.map(server) },
    });

    for (const s of g.servers) {
      if (!s.certificate || !s.tls) continue;
      new ApiObject(this, `certificate-${s.name}`, {
        apiVersion: CERTIFICATE_API.apiVersion,
        kind: CERTIFICATE_API.kind,
        metadata: { name: s.tls.credentialName, namespace: g.namespace, labels },
        spec: {
          secretName: s.tls.credentialName,
          issuerRef: { name: s.certificate.issuer, kind: s.certificate.kind, group: CERTIFICATE_API.group },
          dnsNames: [...new Set(s.hosts.map(hostName))],
        },
      });
    }
  }
}
