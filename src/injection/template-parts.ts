/**
 * Pieces the injection templates share (the proxy templates in sidecar-template.ts and the
 * gRPC ones in grpc-templates.ts): the pod annotations and labels they read, expression helpers,
 * and the entries every proxy container has alike.
 */
import { type Entry, type GoExpr, type Item, type Node, eachItem, entry, expr, item, lit, map, num, text, when } from './template-ast';
import { IstiodPorts } from '../control-plane/ports';
import { V } from './injection-values';
import { ProxyPorts } from './proxy-ports';

/** The cluster id istiod and its proxies assume when none is configured. */
export const DEFAULT_CLUSTER_ID = 'Kubernetes';

/** Pod annotations the templates read. */
export const PodAnnotations = {
  proxyCPU: 'sidecar.istio.io/proxyCPU',
  proxyMemory: 'sidecar.istio.io/proxyMemory',
  proxyCPULimit: 'sidecar.istio.io/proxyCPULimit',
  proxyMemoryLimit: 'sidecar.istio.io/proxyMemoryLimit',
  proxyImage: 'sidecar.istio.io/proxyImage',
  logLevel: 'sidecar.istio.io/logLevel',
  componentLogLevel: 'sidecar.istio.io/componentLogLevel',
  interceptionMode: 'sidecar.istio.io/interceptionMode',
  statusPort: 'status.sidecar.istio.io/port',
  includeOutboundIPRanges: 'traffic.sidecar.istio.io/includeOutboundIPRanges',
  excludeOutboundIPRanges: 'traffic.sidecar.istio.io/excludeOutboundIPRanges',
  includeInboundPorts: 'traffic.sidecar.istio.io/includeInboundPorts',
  excludeInboundPorts: 'traffic.sidecar.istio.io/excludeInboundPorts',
  includeOutboundPorts: 'traffic.sidecar.istio.io/includeOutboundPorts',
  excludeOutboundPorts: 'traffic.sidecar.istio.io/excludeOutboundPorts',
  kubevirtInterfaces: 'traffic.sidecar.istio.io/kubevirtInterfaces',
  excludeInterfaces: 'traffic.sidecar.istio.io/excludeInterfaces',
  readinessInitialDelaySeconds: 'readiness.status.sidecar.istio.io/initialDelaySeconds',
  readinessPeriodSeconds: 'readiness.status.sidecar.istio.io/periodSeconds',
  readinessFailureThreshold: 'readiness.status.sidecar.istio.io/failureThreshold',
  rerouteVirtualInterfaces: 'istio.io/reroute-virtual-interfaces',
  nativeSidecar: 'sidecar.istio.io/nativeSidecar',
  agentLogLevel: 'sidecar.istio.io/agentLogLevel',
  userVolume: 'sidecar.istio.io/userVolume',
  userVolumeMount: 'sidecar.istio.io/userVolumeMount',
  bootstrapOverride: 'sidecar.istio.io/bootstrapOverride',
  capNetBindService: 'sidecar.istio.io/capNetBindService',
  defaultContainer: 'kubectl.kubernetes.io/default-container',
  defaultLogsContainer: 'kubectl.kubernetes.io/default-logs-container',
} as const;

/** Labels the templates read or add. */
export const PodLabels = {
  tlsMode: 'security.istio.io/tlsMode',
  canonicalName: 'service.istio.io/canonical-name',
  canonicalRevision: 'service.istio.io/canonical-revision',
  appName: 'app.kubernetes.io/name',
  appVersion: 'app.kubernetes.io/version',
  network: 'topology.istio.io/network',
  workloadName: 'service.istio.io/workload-name',
  tunnel: 'networking.istio.io/tunnel',
} as const;

/** Proxy metadata the templates read: HBONE tunnelling, and iptables tracing (which needs a privileged proxy). */
export const ProxyMetadataKeys = { enableHbone: 'ISTIO_META_ENABLE_HBONE', iptablesTraceLogging: 'IPTABLES_TRACE_LOGGING' } as const;
export const proxyMetadata = (key: string) => `index $.ProxyConfig.ProxyMetadata ${q(key)}`;

export const PROXY = 'istio-proxy';
export const MULTUS_NETWORKS = 'k8s.v1.cni.cncf.io/networks';

// ---- expression helpers ---------------------------------------------------------------------

export const q = (s: string) => JSON.stringify(s);
/** The pod annotation, or `fallback` when the pod does not set it. */
export const annotation = (name: string, fallback: GoExpr) => `annotation $.ObjectMeta ${q(name)} ${fallback}`;
export const isSet = (name: string) => `isset $.ObjectMeta.Annotations ${q(name)}`;
export const podLabel = (name: string) => `index $.ObjectMeta.Labels ${q(name)}`;
/** First non-empty of the expressions. */
export const firstOf = (...exprs: GoExpr[]): GoExpr => exprs.reduceRight((acc, e) => `valueOrDefault (${e}) (${acc})`);

// The annotation names an image only when it looks like one (has a registry path); istiod's own
// choice (hub, tag, variant, proxyImageType) applies otherwise.
export const proxyImage = `ternary (index $.ObjectMeta.Annotations ${q(PodAnnotations.proxyImage)}) $.ProxyImage (contains "/" (index $.ObjectMeta.Annotations ${q(PodAnnotations.proxyImage)}))`;
export const interceptionMode = annotation(PodAnnotations.interceptionMode, '$.ProxyConfig.InterceptionMode');
export const statusPort = annotation(PodAnnotations.statusPort, V.proxy.statusPort);
export const agentLogLevel = annotation(PodAnnotations.agentLogLevel, V.logLevel);
export const excludedInbound = `excludeInboundPort (${statusPort}) (${annotation(PodAnnotations.excludeInboundPorts, V.proxy.excludeInboundPorts)})`;
/** The annotation when set, else the value when non-empty. */
export const annotatedOrValue = (name: string, value: GoExpr) => `or (${isSet(name)}) (ne (valueOrDefault ${value} "") "")`;

export function envValue(name: string, value: Node): Item {
  return item(map({ name: lit(name), value }));
}
export function envField(name: string, fieldPath: string): Item {
  return item(map({ name: lit(name), valueFrom: map({ fieldRef: map({ fieldPath: lit(fieldPath) }) }) }));
}
export function envResource(name: string, resource: string): Item {
  return item(map({ name: lit(name), valueFrom: map({ resourceFieldRef: map({ divisor: lit('1'), resource: lit(resource) }) }) }));
}
/** `proxy.istio.io/config` and mesh proxyMetadata, passed to the proxy and the iptables setup. */
export function proxyMetadataEnv(): Item {
  return eachItem('$.ProxyConfig.ProxyMetadata', '$k, $v', [item(map({ name: expr('$k'), value: expr('$v') }))]);
}

/** Proxy resources: the four annotations replace the fleet's sidecar resources as a whole. */
export function resources(): Entry {
  const anyAnnotation = `or (${isSet(PodAnnotations.proxyCPU)}) (${isSet(PodAnnotations.proxyMemory)}) (${isSet(PodAnnotations.proxyCPULimit)}) (${isSet(PodAnnotations.proxyMemoryLimit)})`;
  const fromAnnotations = (key: 'cpu' | 'memory', name: string): Entry =>
    when(isSet(name), [entry(key, expr(`index $.ObjectMeta.Annotations ${q(name)}`))]);
  return when(
    anyAnnotation,
    [
      entry(
        'resources',
        map([
          when(`or (${isSet(PodAnnotations.proxyCPU)}) (${isSet(PodAnnotations.proxyMemory)})`, [
            entry('requests', map([fromAnnotations('cpu', PodAnnotations.proxyCPU), fromAnnotations('memory', PodAnnotations.proxyMemory)])),
          ]),
          when(`or (${isSet(PodAnnotations.proxyCPULimit)}) (${isSet(PodAnnotations.proxyMemoryLimit)})`, [
            entry(
              'limits',
              map([fromAnnotations('cpu', PodAnnotations.proxyCPULimit), fromAnnotations('memory', PodAnnotations.proxyMemoryLimit)]),
            ),
          ]),
        ]),
      ),
    ],
    [when(V.proxy.resources, [entry('resources', expr(V.proxy.resources))])],
  );
}

export const imagePullPolicy = (): Entry => when(V.imagePullPolicy, [entry('imagePullPolicy', expr(V.imagePullPolicy))]);
export const seccomp = (): Entry => when(V.proxy.seccompProfile, [entry('seccompProfile', expr(V.proxy.seccompProfile))]);

/** Readiness probe timings: the pod's annotations, else the injector values. */
export const readinessEntries: Entry[] = [
  when(`ne (${annotation(PodAnnotations.readinessInitialDelaySeconds, V.proxy.readinessInitialDelaySeconds)}) "0"`, [
    entry('initialDelaySeconds', num(annotation(PodAnnotations.readinessInitialDelaySeconds, V.proxy.readinessInitialDelaySeconds))),
  ]),
  entry('periodSeconds', num(annotation(PodAnnotations.readinessPeriodSeconds, V.proxy.readinessPeriodSeconds))),
  entry('timeoutSeconds', 3),
  entry('failureThreshold', num(annotation(PodAnnotations.readinessFailureThreshold, V.proxy.readinessFailureThreshold))),
];

/** A readiness probe of the proxy's health endpoint (Envoy's; the agent's own without Envoy). */
export const healthProbe = (extra: Entry[], port: number = ProxyPorts.HEALTH): Node =>
  map([entry('httpGet', map({ path: '/healthz/ready', port })), ...extra]);

/**
 * The volumes or mounts a pod asks the proxy for with `sidecar.istio.io/userVolume` or
 * `userVolumeMount`: a JSON object of name → volume (or mount) without its name.
 */
export function userEntries(annotationName: string): Item {
  return when(isSet(annotationName), [
    eachItem(`fromJSON (index $.ObjectMeta.Annotations ${q(annotationName)})`, '$name, $spec', [item(expr('set $spec "name" $name'))]),
  ]);
}


/** The workload's canonical name and revision, as Istio's telemetry names it. */
export function canonicalLabels(): Entry[] {
  return [
    entry(
      PodLabels.canonicalName,
      // A label value: at most 63 characters, not ending in a dash.
      expr(`trimSuffix "-" (trunc 63 (${firstOf(podLabel(PodLabels.canonicalName), podLabel(PodLabels.appName), podLabel('app'), '$.DeploymentMeta.Name')}))`),
    ),
    entry(
      PodLabels.canonicalRevision,
      expr(firstOf(podLabel(PodLabels.canonicalRevision), podLabel(PodLabels.appVersion), podLabel('version'), '"latest"')),
    ),
  ];
}

/** kubectl's default container: the first application container, unless the pod names one. */
export const kubectlDefault = (name: string): Entry => when(`and $firstApp (not (${isSet(name)}))`, [entry(name, expr('$firstApp'))]);

const TRUST_DOMAIN = '$.MeshConfig.TrustDomain';

/** Under inbound traffic policy LOCALHOST, rewritten probes must still reach the application on localhost. */
export const localhostProbesEnv = (): Item =>
  when('eq $.InboundTrafficPolicyMode "localhost"', [envValue('REWRITE_PROBE_LEGACY_LOCALHOST_DESTINATION', lit('true'))]);

/** Where the proxy gets its certificate: istiod of its revision unless the fleet names a CA. */
export const caEnv = (): Item[] => [
  envValue('PILOT_CERT_PROVIDER', expr(V.pilotCertProvider)),
  envValue('CA_ADDR', expr(firstOf(V.caAddress, `print "istiod" $revisionSuffix "." ${V.istioNamespace} ".svc:${IstiodPorts.TLS_XDS}"`))),
];

/** The pod's identity and addresses, from the downward API. */
export const podEnv = (): Item[] => [
  envField('POD_NAME', 'metadata.name'),
  envField('POD_NAMESPACE', 'metadata.namespace'),
  envField('INSTANCE_IP', 'status.podIP'),
  envField('SERVICE_ACCOUNT', 'spec.serviceAccountName'),
  envField('HOST_IP', 'status.hostIP'),
];

/** The workload the pod belongs to: its label's name, else its owner's, and the owner itself. */
export const workloadEnv = (): Item[] => [
  when(firstOf(podLabel(PodLabels.workloadName), '$.DeploymentMeta.Name'), [
    envValue('ISTIO_META_WORKLOAD_NAME', expr(firstOf(podLabel(PodLabels.workloadName), '$.DeploymentMeta.Name'))),
  ]),
  when('and $.TypeMeta.APIVersion $.DeploymentMeta.Name', [
    envValue(
      'ISTIO_META_OWNER',
      text(
        'kubernetes://apis/{{ $.TypeMeta.APIVersion }}/namespaces/{{ valueOrDefault $.DeploymentMeta.Namespace "default" }}/' +
          '{{ toLower $.TypeMeta.Kind }}s/{{ $.DeploymentMeta.Name }}',
      ),
    ),
  ]),
];

/** The mesh the proxy is in: the mesh id (else the trust domain) and the trust domain. */
export const meshIdentityEnv = (): Item[] => [
  when(`or ${V.meshID} ${TRUST_DOMAIN}`, [envValue('ISTIO_META_MESH_ID', expr(firstOf(V.meshID, TRUST_DOMAIN)))]),
  when(TRUST_DOMAIN, [envValue('TRUST_DOMAIN', expr(TRUST_DOMAIN))]),
];
