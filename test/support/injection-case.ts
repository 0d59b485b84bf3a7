/** Runs meshc's injector, as rendered for a cluster, on a workload (through the Go harness). */
import { primaryRevision } from '../../src/config/resolve-istio';
import { stringify } from 'yaml';
import type { ClusterConfig } from '../../src/config/cluster-config';
import { meshConfig } from '../../src/control-plane/mesh-config';
import { injectorConfig, injectorValues, sidecarInjectorProps } from '../../src/control-plane/sidecar-injector-config';
import { inject } from './injection-harness';

export interface InjectOptions {
  /** Proxy image tag instead of the release's version. */
  readonly tag?: string;
  readonly cni?: boolean;
}

export function injectFor(cluster: ClusterConfig, workload: Record<string, unknown>, options: InjectOptions = {}): Record<string, any> {
  const props = { ...sidecarInjectorProps(cluster), tag: options.tag, ...(options.cni !== undefined ? { cni: options.cni } : {}) };
  return inject({
    config: stringify(injectorConfig(props.sidecar)),
    values: JSON.stringify(injectorValues(props)),
    meshConfig: stringify(
      meshConfig({
        namespace: cluster.controlPlane.namespace,
        revision: primaryRevision(cluster.istio).name,
        release: cluster.istio.release,
        istiodService: 'istiod',
        trustDomain: cluster.trustDomain,
        meshId: cluster.meshId,
        holdApplicationUntilProxyStarts: cluster.sidecar.holdApplicationUntilProxyStarts,
        interceptionMode: cluster.sidecar.interceptionMode,
      }),
    ),
    revision: primaryRevision(cluster.istio).name,
    nativeSidecars: cluster.sidecar.nativeSidecars,
    workload,
  });
}

export function podOf(workload: Record<string, any>): Record<string, any> {
  return workload.kind === 'Pod' ? workload : workload.spec.template;
}
