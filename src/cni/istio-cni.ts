/** The Istio CNI node agent of one cluster. */
import { Construct } from 'constructs';
import type { ClusterConfig } from '../config/cluster-config';

export interface IstioCniProps {
  readonly cluster: ClusterConfig;
}

export class IstioCni extends Construct {
  constructor(scope: Construct, id: string, props: IstioCniProps) {
    super(scope, id);
    void props;
  }
}
