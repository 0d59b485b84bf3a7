/**
 * A federation member's side of the federation: the Gateway through which the other members
 * reach its exported services, and, for every service the others export, a ServiceEntry that
 * sends calls to the exporter's federation gateway and a DestinationRule that makes them mTLS.
 */
import { Construct } from 'constructs';
import type { IstioRelease } from '../catalog/versions';
import { managedLabels } from '../control-plane/metadata';
import { Labels } from '../labels';
import {
  DestinationRule,
  DestinationRuleSpecTrafficPolicyTlsMode,
  Gateway,
  GatewaySpecServersTlsMode,
  ServiceEntry,
  ServiceEntrySpecLocation,
  ServiceEntrySpecResolution,
} from '../../imports/networking.istio.io';
import { GatewayObjects, PASSTHROUGH_PORT } from './names';
import type { FederationWiring, ImportedService } from './wiring';

export interface FederationProps {
  readonly wiring: FederationWiring;
  /** Pod labels of the federation gateway the Gateway binds to. */
  readonly selector: Readonly<Record<string, string>>;
  /** Where imported services are declared: the root namespace, so that the whole mesh sees them. */
  readonly rootNamespace: string;
  readonly release: IstioRelease;
}

export class Federation extends Construct {
  constructor(scope: Construct, id: string, props: FederationProps) {
    super(scope, id);
    const { wiring: w } = props;
    new Gateway(this, 'gateway', {
      metadata: { name: GatewayObjects.FEDERATION, namespace: w.gateway.namespace, labels: managedLabels(w.gateway.name, props.release) },
      spec: {
        selector: { ...props.selector },
        servers: [
          {
            port: { number: PASSTHROUGH_PORT, name: 'tls', protocol: 'TLS' },
            // The callers' own mTLS goes through to the workload; the SNI names the service.
            tls: { mode: GatewaySpecServersTlsMode.AUTO_UNDERSCORE_PASSTHROUGH },
            hosts: [...w.gateway.hosts],
          },
        ],
      },
    });
    for (const s of w.imported) new ImportedServiceEntry(this, s.objectName, { service: s, namespace: props.rootNamespace, release: props.release });
  }
}

export interface ImportedServiceEntryProps {
  readonly service: ImportedService;
  readonly namespace: string;
  readonly release: IstioRelease;
}

export class ImportedServiceEntry extends Construct {
  constructor(scope: Construct, id: string, props: ImportedServiceEntryProps) {
    super(scope, id);
    const { service: s, namespace } = props;
    const labels = {
      ...managedLabels('federation', props.release),
      [Labels.FEDERATION_CLUSTER]: s.fromCluster,
      [Labels.FEDERATION_NAMESPACE]: s.namespace,
      [Labels.FEDERATION_SERVICE]: s.name,
    };
    // Endpoints are IPs (STATIC) only when every address is one; a name is resolved by DNS.
    const resolution = s.endpoints.every((e) => e.kind === 'ip') ? ServiceEntrySpecResolution.STATIC : ServiceEntrySpecResolution.DNS;
    const toGateway = Object.fromEntries(s.ports.map((p) => [p.name, PASSTHROUGH_PORT]));
    new ServiceEntry(this, 'service-entry', {
      metadata: { name: s.objectName, namespace, labels },
      spec: {
        hosts: [s.host],
        location: ServiceEntrySpecLocation.MESH_UNDERSCORE_INTERNAL,
        ports: s.ports.map((p) => ({ number: p.number, name: p.name, protocol: p.protocol })),
        resolution,
        endpoints: s.endpoints.map((e) => ({ address: e.address, ports: { ...toGateway } })),
      },
    });
    new DestinationRule(this, 'destination-rule', {
      metadata: { name: s.objectName, namespace, labels },
      spec: {
        host: s.host,
        // ISTIO_MUTUAL also sets the SNI the peer's AUTO_PASSTHROUGH gateway routes by.
        trafficPolicy: { tls: { mode: DestinationRuleSpecTrafficPolicyTlsMode.ISTIO_UNDERSCORE_MUTUAL } },
      },
    });
  }
}
