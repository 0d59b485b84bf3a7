/**
 * The `istio` ConfigMap: MeshConfig and meshNetworks, which istiod watches and pushes to
 * every proxy.
 */
import { Construct } from 'constructs';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import type { IstioRelease } from '../catalog/versions';
import { toYaml } from '../render/yaml';
import { deepMerge } from '../util/deep-merge';
import { revisionLabels, revisioned } from './metadata';
import { IstiodPorts } from './ports';

export interface MeshConfigProps {
  readonly namespace: string;
  readonly revision: string;
  readonly release: IstioRelease;
  /** Service name of the istiod proxies dial. */
  readonly istiodService: string;
  readonly trustDomain: string;
  /** Unset: Istio falls back to the trust domain. */
  readonly meshId?: string;
  /**
   * Start application containers only once the proxy is ready.
   * @default false
   */
  readonly holdApplicationUntilProxyStarts?: boolean;
  /**
   * Inbound capture mode of every proxy.
   * @default REDIRECT
   */
  readonly interceptionMode?: 'REDIRECT' | 'TPROXY';
  /** Further `defaultConfig` (ProxyConfig) fields other features contribute, e.g. gateway topology. */
  readonly proxyDefaults?: Record<string, unknown>;
  /** Further top-level MeshConfig fields other features contribute; merged over meshc's own. */
  readonly extra?: Record<string, unknown>;
  /**
   * The `meshNetworks` key: networks of a multicluster mesh and their gateways.
   * @default { networks: {} }
   */
  readonly meshNetworks?: { readonly networks: Record<string, unknown> };
}

/** MeshConfig as istiod reads it (the `mesh` key). */
export function meshConfig(props: MeshConfigProps): Record<string, unknown> {
  return deepMerge({
    defaultConfig: {
      discoveryAddress: `${props.istiodService}.${props.namespace}.svc:${IstiodPorts.TLS_XDS}`,
      ...(props.meshId ? { meshId: props.meshId } : {}),
      ...(props.holdApplicationUntilProxyStarts ? { holdApplicationUntilProxyStarts: true } : {}),
      ...(props.interceptionMode && props.interceptionMode !== 'REDIRECT' ? { interceptionMode: props.interceptionMode } : {}),
    },
    defaultProviders: { metrics: ['prometheus'] },
    enablePrometheusMerge: true,
    rootNamespace: props.namespace,
    trustDomain: props.trustDomain,
  }, { defaultConfig: props.proxyDefaults ?? {} }, props.extra ?? {});
}

export class MeshConfig extends Construct {
  constructor(scope: Construct, id: string, props: MeshConfigProps) {
    super(scope, id);
    new k8s.KubeConfigMap(this, 'configmap', {
      metadata: {
        name: revisioned('istio', props.revision),
        namespace: props.namespace,
        labels: revisionLabels(props.revision, props.release),
      },
      data: {
        mesh: toYaml(meshConfig(props), { sortKeys: true }).trimEnd(),
        meshNetworks: toYaml(props.meshNetworks ?? { networks: {} }, { sortKeys: true }).trimEnd(),
      },
    });
  }
}
