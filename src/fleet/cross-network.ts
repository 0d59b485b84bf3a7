/**
 * What the east-west gateway serves: other networks' calls into this cluster's services (mTLS
 * passed through, routed by SNI), and, on a primary with remotes, istiod itself.
 */
import { Construct } from 'constructs';
import type { IstioRelease } from '../catalog/versions';
import { managedLabels } from '../control-plane/metadata';
import { IstiodPorts } from '../control-plane/ports';
import { Gateway, GatewaySpecServersTlsMode, VirtualService } from '../../imports/networking.istio.io';
import { GatewayObjects, PASSTHROUGH_PORT } from './names';

export interface CrossNetworkProps {
  readonly namespace: string;
  /** Pod labels of the east-west gateway the Gateways bind to. */
  readonly selector: Readonly<Record<string, string>>;
  readonly clusterDomain: string;
  readonly release: IstioRelease;
  /** Route istiod's xDS and webhook ports to this Service (a primary whose remotes use its istiod). */
  readonly istiodService?: string;
}

/** Hosts the passthrough server accepts: every service of the cluster's domain. */
function passthroughHosts(clusterDomain: string): string[] {
  // Upstream's `*.local` covers cluster.local and any other *.local domain; other domains need their own.
  return [clusterDomain.endsWith('.local') ? '*.local' : `*.${clusterDomain}`];
}

export class CrossNetwork extends Construct {
  constructor(scope: Construct, id: string, props: CrossNetworkProps) {
    super(scope, id);
    const { namespace } = props;
    const labels = managedLabels('istio-eastwestgateway', props.release);
    new Gateway(this, 'cross-network', {
      metadata: { name: GatewayObjects.CROSS_NETWORK, namespace, labels },
      spec: {
        selector: { ...props.selector },
        servers: [
          {
            port: { number: PASSTHROUGH_PORT, name: 'tls', protocol: 'TLS' },
            tls: { mode: GatewaySpecServersTlsMode.AUTO_UNDERSCORE_PASSTHROUGH },
            hosts: passthroughHosts(props.clusterDomain),
          },
        ],
      },
    });
    if (!props.istiodService) return;

    const istiodHost = `${props.istiodService}.${namespace}.svc.${props.clusterDomain}`;
    const passthrough = (name: string, number: number) => ({ port: { number, name, protocol: 'TLS' }, tls: { mode: GatewaySpecServersTlsMode.PASSTHROUGH }, hosts: ['*'] });
    new Gateway(this, 'istiod', {
      metadata: { name: GatewayObjects.ISTIOD, namespace, labels },
      spec: { selector: { ...props.selector }, servers: [passthrough('tls-istiod', IstiodPorts.TLS_XDS), passthrough('tls-istiodwebhook', IstiodPorts.WEBHOOK)] },
    });
    const route = (port: number, to: number) => ({ match: [{ port, sniHosts: ['*'] }], route: [{ destination: { host: istiodHost, port: { number: to } } }] });
    new VirtualService(this, 'istiod-routes', {
      metadata: { name: GatewayObjects.ISTIOD_ROUTES, namespace, labels },
      spec: {
        hosts: ['*'],
        gateways: [GatewayObjects.ISTIOD],
        tls: [route(IstiodPorts.TLS_XDS, IstiodPorts.TLS_XDS), route(IstiodPorts.WEBHOOK, IstiodPorts.WEBHOOK_SERVICE)],
      },
    });
  }
}
