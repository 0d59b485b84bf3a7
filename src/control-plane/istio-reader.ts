/**
 * The istio-reader identity: read-only access to service discovery, used by remote control
 * planes and multicluster secrets. Rendered once per control-plane namespace.
 */
import { Construct } from 'constructs';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import type { IstioRelease } from '../catalog/versions';
import { Labels } from '../labels';
import { Grant } from '../security/rbac';
import { managedLabels } from './metadata';
import { releaseFacts } from '../catalog/release-facts';
import { readerClusterRules } from './rbac-rules';

export interface IstioReaderProps {
  readonly namespace: string;
  readonly release: IstioRelease;
}

export const READER_SERVICE_ACCOUNT = 'istio-reader-service-account';

export class IstioReader extends Construct {
  constructor(scope: Construct, id: string, props: IstioReaderProps) {
    super(scope, id);
    const labels = { [Labels.APP]: 'istio-reader', ...managedLabels('istio-reader', props.release) };
    new k8s.KubeServiceAccount(this, 'sa', { metadata: { name: READER_SERVICE_ACCOUNT, namespace: props.namespace, labels } });
    new Grant(this, 'cluster', {
      name: `istio-reader-clusterrole-${props.namespace}`,
      rules: readerClusterRules(releaseFacts(props.release)),
      serviceAccount: { name: READER_SERVICE_ACCOUNT, namespace: props.namespace },
      labels,
    });
  }
}
