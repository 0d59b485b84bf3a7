/**
 * An ExternalSecret (external-secrets.io): a Secret filled in the cluster from a secret store,
 * so that what is in Git names the secret material but never holds it. The operator itself is
 * installed outside meshc.
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';

const EXTERNAL_SECRET_API = { apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret' } as const;

/** How often the operator re-reads the store: rotated material reaches the cluster within this. */
const REFRESH_INTERVAL = '1h';

export interface ExternalSecretProps {
  /** Name of the ExternalSecret and of the Secret it owns. */
  readonly name: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly store: { readonly kind: 'SecretStore' | 'ClusterSecretStore'; readonly name: string };
  /** One Secret key per store key; or, with `extract`, every property of one store key. */
  readonly data?: readonly { readonly secretKey: string; readonly remoteKey: string }[];
  readonly extract?: string;
  /** Labels and annotations of the Secret itself (what its consumer finds it by). */
  readonly secretMetadata?: { readonly labels?: Record<string, string>; readonly annotations?: Record<string, string> };
}

export class ExternalSecret extends Construct {
  constructor(scope: Construct, id: string, props: ExternalSecretProps) {
    super(scope, id);
    if (!props.data?.length && props.extract === undefined) throw new Error(`ExternalSecret ${props.name}: give data or extract`);
    new ApiObject(this, 'external-secret', {
      ...EXTERNAL_SECRET_API,
      metadata: { name: props.name, namespace: props.namespace, labels: { ...props.labels } },
      spec: {
        refreshInterval: REFRESH_INTERVAL,
        secretStoreRef: { kind: props.store.kind, name: props.store.name },
        target: {
          name: props.name,
          // The Secret lives and dies with its ExternalSecret: pruning one prunes the other.
          creationPolicy: 'Owner',
          ...(props.secretMetadata ? { template: { metadata: { ...props.secretMetadata } } } : {}),
        },
        ...(props.data?.length ? { data: props.data.map((d) => ({ secretKey: d.secretKey, remoteRef: { key: d.remoteKey } })) } : {}),
        ...(props.extract !== undefined ? { dataFrom: [{ extract: { key: props.extract } }] } : {}),
      },
    });
  }
}
