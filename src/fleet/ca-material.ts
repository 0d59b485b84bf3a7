/**
 * The `cacerts` Secret istiod signs workload certificates with, referenced and never written:
 * filled by an ExternalSecret, issued by cert-manager as an intermediate CA, or left to whoever
 * creates it. Clusters of one mesh sign from one root, which is what lets them trust each other.
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { IstioRelease } from '../catalog/versions';
import { managedLabels } from '../control-plane/metadata';
import { CERTIFICATE_API } from '../gateways/gateway-resources';
import { ExternalSecret } from './external-secret';
import type { CaMaterial } from './wiring';

export interface CaMaterialResourcesProps {
  readonly material: CaMaterial;
  /** The control-plane namespace, where istiod reads `cacerts`. */
  readonly namespace: string;
  /** Cluster name, for the intermediate's subject: each cluster signs with its own intermediate. */
  readonly cluster: string;
  readonly release: IstioRelease;
}

/** Lifetime of a cert-manager intermediate, and how early it is renewed (istiod reloads it). */
const INTERMEDIATE_DURATION = '8760h';
const INTERMEDIATE_RENEW_BEFORE = '720h';

export class CaMaterialResources extends Construct {
  constructor(scope: Construct, id: string, props: CaMaterialResourcesProps) {
    super(scope, id);
    const { material: m, namespace } = props;
    const labels = managedLabels('istio-ca', props.release);
    if (m.kind === 'external-secret') {
      // The store key holds ca-cert.pem, ca-key.pem, root-cert.pem and cert-chain.pem as properties.
      new ExternalSecret(this, 'cacerts', { name: m.secretName, namespace, labels, store: m.store, extract: m.remoteKey });
    } else if (m.kind === 'cert-manager') {
      // istiod reads a kubernetes.io/tls secret (tls.crt, tls.key, ca.crt) in cacerts as well.
      new ApiObject(this, 'cacerts', {
        apiVersion: CERTIFICATE_API.apiVersion,
        kind: CERTIFICATE_API.kind,
        metadata: { name: m.secretName, namespace, labels },
        spec: {
          secretName: m.secretName,
          isCA: true,
          commonName: `${props.cluster} istio intermediate CA`,
          subject: { organizations: ['meshc'] },
          duration: INTERMEDIATE_DURATION,
          renewBefore: INTERMEDIATE_RENEW_BEFORE,
          privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' },
          usages: ['digital signature', 'cert sign', 'crl sign'],
          issuerRef: { name: m.issuer.name, kind: m.issuer.kind, group: CERTIFICATE_API.group },
        },
      });
    }
    // existing-secret: someone else creates the Secret; istiod waits for it (see Istiod's cacerts volume).
  }
}
