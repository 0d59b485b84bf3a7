/**
 * istiod's environment: which variables meshc sets, and from what. Kept apart from the
 * Deployment so that resolution can refuse user env that would silently fight these.
 */
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { releaseFacts } from '../catalog/release-facts';
import type { ClusterConfig } from '../config/cluster-config';
import { primaryRevision, type RevisionConfig } from '../config/resolve-istio';
import { meshSettingsIstiodEnv } from './mesh-settings';
import { WIRING_ISTIOD_ENV, wiringIstiodEnv } from '../fleet/mesh-wiring';

// Typed as the API's own EnvVarSource: cdk8s serialises only the fields it knows, in the
// forms it knows, so a loosely typed valueFrom loses fields (a plain-string divisor) silently.
export type EnvVar =
  | { readonly name: string; readonly value: string }
  | { readonly name: string; readonly valueFrom: k8s.EnvVarSource };

/** Names meshc derives from the fleet file; user `env` may not override them. */
export const ISTIOD_MANAGED_ENV = [
  'REVISION',
  'PILOT_CERT_PROVIDER',
  'POD_NAME',
  'POD_NAMESPACE',
  'SERVICE_ACCOUNT',
  'KUBECONFIG',
  'CA_TRUSTED_NODE_ACCOUNTS',
  'PILOT_TRACE_SAMPLING',
  'PILOT_ENABLE_ANALYSIS',
  'CLUSTER_ID',
  'GOMEMLIMIT',
  'GOMAXPROCS',
  'PLATFORM',
  'ENABLE_NATIVE_SIDECARS',
  'PILOT_HTTP10',
  'BLOCKED_CIDRS_IN_JWKS_URIS',
  'PILOT_ENABLE_GATEWAY_API_DEPLOYMENT_CONTROLLER',
  ...WIRING_ISTIOD_ENV,
] as const;

const fieldRef = (fieldPath: string): k8s.EnvVarSource => ({ fieldRef: { apiVersion: 'v1', fieldPath } });

export function istiodEnv(cluster: ClusterConfig, revision: RevisionConfig = primaryRevision(cluster.istio)): EnvVar[] {
  const cp = cluster.controlPlane;
  const managed: EnvVar[] = [
    { name: 'REVISION', value: revision.name },
    { name: 'PILOT_CERT_PROVIDER', value: 'istiod' },
    { name: 'POD_NAME', valueFrom: fieldRef('metadata.name') },
    { name: 'POD_NAMESPACE', valueFrom: fieldRef('metadata.namespace') },
    { name: 'SERVICE_ACCOUNT', valueFrom: fieldRef('spec.serviceAccountName') },
    // istiod reads a remote cluster's kubeconfig here when it runs as an external control plane.
    { name: 'KUBECONFIG', value: '/var/run/secrets/remote/config' },
    // ztunnel (ambient) may request certificates on behalf of its node's workloads.
    { name: 'CA_TRUSTED_NODE_ACCOUNTS', value: `${cp.namespace}/ztunnel` },
    { name: 'PILOT_TRACE_SAMPLING', value: String(cp.istiod.traceSampling) },
    { name: 'PILOT_ENABLE_ANALYSIS', value: String(cp.istiod.enableAnalysis) },
    { name: 'CLUSTER_ID', value: cluster.clusterId },
    // Until 1.28 the chart, not istiod, bounds Go's heap by the container's memory limit.
    ...(releaseFacts(revision.release).istiodGoMemLimit
      ? [{ name: 'GOMEMLIMIT', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: k8s.Quantity.fromString('1') } } }]
      : []),
    // Go would otherwise size its scheduler to the node's cores, not the container's limit.
    { name: 'GOMAXPROCS', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', divisor: k8s.Quantity.fromString('1') } } },
    { name: 'PLATFORM', value: cluster.cni.istiodPlatform ?? '' },
    // istiod injects native sidecars by default on the Kubernetes versions meshc supports.
    ...(cluster.sidecar.nativeSidecars ? [] : [{ name: 'ENABLE_NATIVE_SIDECARS', value: 'false' }]),
    // istiod would deploy a gateway for each Gateway API Gateway with its `kube-gateway` injection
    // template, which meshc's injector does not have; meshc renders gateways itself instead.
    { name: 'PILOT_ENABLE_GATEWAY_API_DEPLOYMENT_CONTROLLER', value: 'false' },
    // Unset, istiod fetches an issuer's keys from wherever its URL resolves, its own host and the
    // cloud metadata endpoint included.
    ...(cp.istiod.jwksBlockedCIDRs.length > 0 ? [{ name: 'BLOCKED_CIDRS_IN_JWKS_URIS', value: cp.istiod.jwksBlockedCIDRs.join(',') }] : []),
    ...meshSettingsIstiodEnv(cluster.mesh),
    ...wiringIstiodEnv(cluster.wiring),
  ];
  // Resolution has checked that a compatibility flag meshc also sets agrees with meshc's value.
  const compatibility = Object.keys(revision.compatibilityEnv)
    .sort()
    .filter((name) => !managed.some((e) => e.name === name))
    .map((name) => ({ name, value: revision.compatibilityEnv[name] }));
  const extra = Object.keys(cp.istiod.env)
    .sort()
    .map((name) => ({ name, value: cp.istiod.env[name] }));
  return [...managed, ...compatibility, ...extra];
}
