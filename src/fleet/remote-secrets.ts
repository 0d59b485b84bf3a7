/**
 * Remote secrets: the peers' kubeconfigs istiod reads their API servers with, as ExternalSecrets
 * from a secret store. Istio finds them by label and names the cluster by annotation; the
 * kubeconfig itself never enters Git. Secrets created by other means get nothing rendered here.
 */
import { Construct } from 'constructs';
import type { IstioRelease } from '../catalog/versions';
import { managedLabels } from '../control-plane/metadata';
import { Annotations, Labels } from '../labels';
import { ExternalSecret } from './external-secret';
import type { RemoteSecret } from './wiring';

export interface RemoteSecretsProps {
  readonly secrets: readonly RemoteSecret[];
  /** The control-plane namespace, where istiod watches for them. */
  readonly namespace: string;
  readonly release: IstioRelease;
}

export class RemoteSecrets extends Construct {
  constructor(scope: Construct, id: string, props: RemoteSecretsProps) {
    super(scope, id);
    for (const s of props.secrets) {
      if (s.source.kind !== 'external-secret') continue;
      new ExternalSecret(this, s.cluster, {
        name: s.secretName,
        namespace: props.namespace,
        labels: managedLabels('istio-remote-secret', props.release),
        store: s.source.store,
        // istiod reads the data key as the cluster's name.
        data: [{ secretKey: s.cluster, remoteKey: s.source.remoteKey }],
        secretMetadata: { labels: { [Labels.MULTICLUSTER_SECRET]: 'true' }, annotations: { [Annotations.REMOTE_CLUSTER]: s.cluster } },
      });
    }
  }
}
