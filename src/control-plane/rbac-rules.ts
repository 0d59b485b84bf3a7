/**
 * The API access istiod and the istio-reader identity need, as data. These are facts of
 * Istio's controllers (what they watch, write and create); each group of rules says why.
 */
import type * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import type { ReleaseFacts } from '../catalog/release-facts';

const rule = (apiGroups: string[], resources: string[], verbs: string[]): k8s.PolicyRule => ({ apiGroups, resources, verbs });

const READ = ['get', 'list', 'watch'];
const MANAGE = ['get', 'watch', 'list', 'update', 'patch', 'create', 'delete'];
const ISTIO_CONFIG_GROUPS = [
  'config.istio.io',
  'security.istio.io',
  'networking.istio.io',
  'authentication.istio.io',
  'rbac.istio.io',
  'telemetry.istio.io',
  'extensions.istio.io',
];

/** Cluster-wide rules of istiod itself, for the release `facts` describe. */
export const istiodClusterRules = (facts: ReleaseFacts): readonly k8s.PolicyRule[] => [
  // istiod patches the caBundle of its own webhooks.
  rule(['admissionregistration.k8s.io'], ['mutatingwebhookconfigurations'], ['get', 'list', 'watch', 'update', 'patch']),
  rule(['admissionregistration.k8s.io'], ['validatingwebhookconfigurations'], ['get', 'list', 'watch', 'update']),
  // Istio configuration is read everywhere; only status and auto-registration are written.
  rule(ISTIO_CONFIG_GROUPS, ['*'], ['get', 'watch', 'list']),
  rule(['networking.istio.io'], ['workloadentries'], MANAGE),
  rule(['networking.istio.io'], ['workloadentries/status', 'serviceentries/status'], MANAGE),
  rule(['security.istio.io'], ['authorizationpolicies/status'], MANAGE),
  rule([''], ['services/status'], MANAGE),
  rule(['apiextensions.k8s.io'], ['customresourcedefinitions'], READ),
  // Service discovery.
  rule([''], ['pods', 'nodes', 'services', 'namespaces', 'endpoints'], READ),
  rule(['discovery.k8s.io'], ['endpointslices'], READ),
  rule(['networking.k8s.io'], ['ingresses', 'ingressclasses'], READ),
  rule(['networking.k8s.io'], ['ingresses/status'], ['*']),
  // The istio-ca-root-cert ConfigMap is written into every namespace.
  rule([''], ['configmaps'], ['create', 'get', 'list', 'watch', 'update']),
  // Authenticating proxies' service-account tokens and checking debug-endpoint access.
  rule(['authentication.k8s.io'], ['tokenreviews'], ['create']),
  rule(['authorization.k8s.io'], ['subjectaccessreviews'], ['create']),
  // Gateway API and inference extension controllers.
  rule(['gateway.networking.k8s.io', 'gateway.networking.x-k8s.io'], ['*'], ['get', 'watch', 'list']),
  rule(['gateway.networking.x-k8s.io'], ['xbackendtrafficpolicies/status', ...listenerSets(facts, 'gateway.networking.x-k8s.io')], ['update', 'patch']),
  rule(
    ['gateway.networking.k8s.io'],
    [
      'backendtlspolicies/status',
      'gatewayclasses/status',
      'gateways/status',
      'grpcroutes/status',
      'httproutes/status',
      'referencegrants/status',
      'tcproutes/status',
      'tlsroutes/status',
      'udproutes/status',
      ...listenerSets(facts, 'gateway.networking.k8s.io'),
    ],
    ['update', 'patch'],
  ),
  rule(['gateway.networking.k8s.io'], ['gatewayclasses'], ['create', 'update', 'patch', 'delete']),
  rule(['inference.networking.k8s.io'], ['inferencepools'], ['get', 'watch', 'list']),
  rule(['inference.networking.k8s.io'], ['inferencepools/status'], ['update', 'patch']),
  // TLS credentials of gateways (credentialName) and remote-cluster secrets.
  rule([''], ['secrets'], ['get', 'watch', 'list']),
  // Kubernetes MCS API.
  rule(['multicluster.x-k8s.io'], ['serviceexports'], ['get', 'watch', 'list', 'create', 'delete']),
  rule(['multicluster.x-k8s.io'], ['serviceimports'], ['get', 'watch', 'list']),
];

/** The ListenerSet status resource of the release, if it lives in `apiGroup`. */
const listenerSets = (facts: ReleaseFacts, apiGroup: string): string[] => (facts.listenerSetStatus.apiGroup === apiGroup ? [facts.listenerSetStatus.resource] : []);

/** Namespace-scoped rules of istiod in its own namespace. */
export const ISTIOD_NAMESPACE_RULES: readonly k8s.PolicyRule[] = [
  // Ingress gateways are created on behalf of Kubernetes Ingress objects.
  rule(['networking.istio.io'], ['gateways'], ['create']),
  // The self-signed root CA (istio-ca-secret) and its rotation.
  rule([''], ['secrets'], ['create', 'get', 'watch', 'list', 'update', 'delete']),
  rule([''], ['configmaps'], ['delete']),
  // Leader election.
  rule(['coordination.k8s.io'], ['leases'], ['get', 'update', 'patch', 'create']),
];

/** Read access used by remote control planes and multicluster tooling (istio-reader), for the release `facts` describe. */
export const readerClusterRules = (facts: ReleaseFacts): readonly k8s.PolicyRule[] => [
  rule(ISTIO_CONFIG_GROUPS, ['*'], READ),
  rule([''], ['endpoints', 'pods', 'services', 'nodes', 'replicationcontrollers', 'namespaces', 'secrets', ...(facts.readerReadsConfigMaps ? ['configmaps'] : [])], READ),
  rule(['networking.istio.io'], ['workloadentries'], ['get', 'watch', 'list']),
  rule(['networking.x-k8s.io', 'gateway.networking.k8s.io'], ['gateways'], ['get', 'watch', 'list']),
  rule(['apiextensions.k8s.io'], ['customresourcedefinitions'], READ),
  rule(['discovery.k8s.io'], ['endpointslices'], READ),
  rule(['multicluster.x-k8s.io'], ['serviceexports'], ['get', 'list', 'watch', 'create', 'delete']),
  rule(['multicluster.x-k8s.io'], ['serviceimports'], READ),
  rule(['apps'], ['replicasets'], READ),
  rule(['authentication.k8s.io'], ['tokenreviews'], ['create']),
  rule(['authorization.k8s.io'], ['subjectaccessreviews'], ['create']),
];

/**
 * What a primary's istiod does in a remote cluster of a primary-remote mesh beyond reading
 * (EXTERNAL_ISTIOD), through the reader identity of the remote secret: it fills in the remote's
 * webhook CA bundles and writes the root certificate into every namespace.
 */
export const EXTERNAL_ISTIOD_CLUSTER_RULES: readonly k8s.PolicyRule[] = [
  rule(['admissionregistration.k8s.io'], ['mutatingwebhookconfigurations', 'validatingwebhookconfigurations'], ['get', 'list', 'watch', 'update', 'patch']),
  rule([''], ['configmaps'], ['create', 'update', 'patch']),
];
