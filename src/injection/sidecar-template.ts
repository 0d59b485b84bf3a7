/**
 * What sidecar injection adds to a pod, as a typed model, and the `sidecar` and `gateway`
 * injection templates generated from it.
 *
 * The templates are evaluated by istiod with the pod (`.ObjectMeta`, `.Spec`), its owner
 * (`.TypeMeta`, `.DeploymentMeta`), the proxy configuration (`.ProxyConfig`, `.MeshConfig`),
 * the injector values (`.Values`, paths in injection-values.ts) and what istiod computes
 * (`.ProxyImage`, `.Revision`, `.NativeSidecars`). The per-pod annotations users rely on are
 * read here; docs/injection.md lists them.
 */
import {
  type Entry,
  type GoExpr,
  type Item,
  type Node,
  eachItem,
  emitTemplate,
  entry,
  expr,
  item,
  list,
  lit,
  map,
  text,
  when,
} from './template-ast';
import { V } from './injection-values';
import { PROXY_UID, ProxyPorts } from './proxy-ports';
import {
  DEFAULT_CLUSTER_ID,
  MULTUS_NETWORKS,
  PROXY,
  PodAnnotations,
  PodLabels,
  ProxyMetadataKeys,
  agentLogLevel,
  annotatedOrValue,
  annotation,
  envField,
  envResource,
  envValue,
  excludedInbound,
  firstOf,
  healthProbe,
  imagePullPolicy,
  interceptionMode,
  isSet,
  podLabel,
  proxyImage,
  proxyMetadata,
  proxyMetadataEnv,
  q,
  canonicalLabels,
  kubectlDefault,
  readinessEntries,
  resources,
  seccomp,
  statusPort,
  userEntries,
  caEnv,
  localhostProbesEnv,
  meshIdentityEnv,
  podEnv,
  workloadEnv,
} from './template-parts';

export { DEFAULT_CLUSTER_ID, PodAnnotations } from './template-parts';

/**
 * Variables computed once per pod: whether the proxy is a native sidecar, whether it intercepts
 * with TPROXY, the app containers (every container but the proxy), the first of them (kubectl's
 * default), and their ports as the proxy's ISTIO_META_POD_PORTS.
 */
export const PREAMBLE = [
  // The pod's annotation decides over the mesh default, in either direction.
  `$native := ne (valueOrDefault (index $.ObjectMeta.Annotations ${q(PodAnnotations.nativeSidecar)}) (printf "%t" $.NativeSidecars)) "false"`,
  `$tproxy := eq (${interceptionMode}) "TPROXY"`,
  // Binding ports below 1024 needs the capability, which only root keeps; only a pod asks for it.
  `$capNetBindService := eq (${annotation(PodAnnotations.capNetBindService, '"false"')}) "true"`,
  '$appNames := ""',
  '$firstApp := ""',
  '$podPorts := "["',
  '$portCount := 0',
  '$revisionSuffix := ""',
  `if ${V.revision} }}{{- $revisionSuffix = print "-" ${V.revision} }}{{- end`,
  `range $c := $.Spec.Containers }}{{- if ne $c.Name ${q(PROXY)} }}` +
    '{{- if $appNames }}{{- $appNames = print $appNames "," $c.Name }}{{- else }}{{- $appNames = $c.Name }}{{- $firstApp = $c.Name }}{{- end }}' +
    '{{- range $p := $c.Ports }}{{- if $portCount }}{{- $podPorts = print $podPorts "\\n    ," (structToJSON $p) }}' +
    '{{- else }}{{- $podPorts = print $podPorts "\\n    " (structToJSON $p) }}{{- end }}{{- $portCount = 1 }}{{- end }}' +
    '{{- end }}{{- end',
  '$podPorts = print $podPorts "\\n]"',
];

// ---- model ----------------------------------------------------------------------------------

export type ProxyKind = 'sidecar' | 'gateway';

const OTEL_RESOURCE_ATTRIBUTES = 'otelResourceAttributes $.MeshConfig $.ObjectMeta.Annotations $.ObjectMeta.Labels $.DeploymentMeta.Namespace $.Spec.Containers';
const CUSTOM_BOOTSTRAP_DIR = '/etc/istio/custom-bootstrap';

/** The proxy's environment: identity, discovery, resource limits and workload metadata. */
function proxyEnv(kind: ProxyKind): Item[] {
  const appContainers = envValue('ISTIO_META_APP_CONTAINERS', expr('$appNames'));
  return [
    ...(kind === 'sidecar' ? [localhostProbesEnv()] : []),
    ...caEnv(),
    ...podEnv(),
    envResource('ISTIO_CPU_LIMIT', 'limits.cpu'),
    envValue('PROXY_CONFIG', text('{{ protoToJSON $.ProxyConfig }}\n')),
    envValue('ISTIO_META_POD_PORTS', expr('$podPorts')),
    ...(kind === 'sidecar' ? [appContainers] : []),
    envResource('GOMEMLIMIT', 'limits.memory'),
    envResource('GOMAXPROCS', 'limits.cpu'),
    ...(kind === 'gateway' ? [appContainers] : []),
    envValue('ISTIO_META_CLUSTER_ID', expr(firstOf(V.clusterName, JSON.stringify(DEFAULT_CLUSTER_ID)))),
    envField('ISTIO_META_NODE_NAME', 'spec.nodeName'),
    envValue('ISTIO_META_INTERCEPTION_MODE', expr(interceptionMode)),
    ...workloadEnv(),
    when(isSet(PodAnnotations.bootstrapOverride), [envValue('ISTIO_BOOTSTRAP_OVERRIDE', lit(`${CUSTOM_BOOTSTRAP_DIR}/custom_bootstrap.json`))]),
    ...meshIdentityEnv(),
    // istiod's own function: resource attributes for OpenTelemetry providers that ask for semantic conventions.
    ...(kind === 'sidecar' ? [when(OTEL_RESOURCE_ATTRIBUTES, [envValue('OTEL_RESOURCE_ATTRIBUTES', expr(OTEL_RESOURCE_ATTRIBUTES))])] : []),
    when(V.network, [envValue('ISTIO_META_NETWORK', expr(V.network))]),
    when('$.ProxyConfig.ProxyMetadata', [proxyMetadataEnv()]),
  ];
}

/**
 * Names of the variables the template itself sets on the proxy of `kind`, whatever the pod; the
 * proxy metadata's names come from the mesh configuration instead.
 */
export function proxyEnvNames(kind: ProxyKind): string[] {
  const names: string[] = [];
  const visit = (items: readonly Item[]): void => {
    for (const i of items) {
      if (i.kind === 'if') visit([...i.then, ...(i.else ?? [])]);
      else if (i.kind === 'item' && i.value.kind === 'map') {
        const name = i.value.entries.find((e) => e.kind === 'entry' && e.key === 'name');
        if (name?.kind === 'entry' && name.value.kind === 'lit') names.push(String(name.value.value));
      }
    }
  };
  visit(proxyEnv(kind));
  return names;
}

/** The container that sets up traffic redirection (iptables), or only validates it under Istio CNI. */
function trafficInitContainer(): Item {
  const portsFlag = (flag: string, annotationName: string, value: GoExpr): Item =>
    when(annotatedOrValue(annotationName, value), [item(lit(flag)), item(expr(annotation(annotationName, value)))]);
  const flagFromAnnotation = (flag: string, annotationName: string): Item =>
    when(isSet(annotationName), [item(lit(flag)), item(expr(`index $.ObjectMeta.Annotations ${q(annotationName)}`))]);
  const args = list([
    'istio-iptables',
    '-p',
    String(ProxyPorts.OUTBOUND),
    '-z',
    String(ProxyPorts.INBOUND),
    '-u',
    // Under TPROXY the proxy runs as root and is told apart by its group; else by its user (OpenShift: the namespace's).
    when('$tproxy', [item(lit(String(PROXY_UID)))], [item(expr('printf "%d" $.ProxyUID'))]),
    '-m',
    expr(interceptionMode),
    '-i',
    expr(annotation(PodAnnotations.includeOutboundIPRanges, V.proxy.includeIPRanges)),
    '-x',
    expr(annotation(PodAnnotations.excludeOutboundIPRanges, V.proxy.excludeIPRanges)),
    '-b',
    expr(annotation(PodAnnotations.includeInboundPorts, V.proxy.includeInboundPorts)),
    '-d',
    when(excludedInbound, [item(text(`${ProxyPorts.ENVOY_PROMETHEUS},${ProxyPorts.HEALTH},{{ ${excludedInbound} }}`))], [
      item(lit(`${ProxyPorts.ENVOY_PROMETHEUS},${ProxyPorts.HEALTH}`)),
    ]),
    portsFlag('-q', PodAnnotations.includeOutboundPorts, V.proxy.includeOutboundPorts),
    portsFlag('-o', PodAnnotations.excludeOutboundPorts, V.proxy.excludeOutboundPorts),
    when(isSet(PodAnnotations.rerouteVirtualInterfaces), [flagFromAnnotation('-k', PodAnnotations.rerouteVirtualInterfaces)], [
      flagFromAnnotation('-k', PodAnnotations.kubevirtInterfaces),
    ]),
    flagFromAnnotation('-c', PodAnnotations.excludeInterfaces),
    text(`--log_output_level={{ ${agentLogLevel} }}`),
    when(V.forceApplyIptables, [item(lit('--force-apply'))]),
    when(V.nativeNftables, [item(lit('--native-nftables'))]),
    when(V.cniEnabled, [item(lit('--run-validation')), item(lit('--skip-rule-apply'))]),
  ]);
  // Under CNI the node agent programs the rules; this container only checks them, unprivileged.
  const securityContext = (cni: boolean) =>
    map([
      entry('allowPrivilegeEscalation', cni ? lit(false) : expr(V.proxy.privileged)),
      entry('capabilities', cni ? map({ drop: list(['ALL']) }) : map({ add: list(['NET_ADMIN', 'NET_RAW']), drop: list(['ALL']) })),
      entry('privileged', cni ? lit(false) : expr(V.proxy.privileged)),
      entry('readOnlyRootFilesystem', lit(cni)),
      ...(cni
        ? [when('$tproxy', [entry('runAsGroup', PROXY_UID)], [entry('runAsGroup', expr('$.ProxyGID'))])]
        : [entry('runAsGroup', 0)]),
      entry('runAsNonRoot', lit(cni)),
      ...(cni
        ? [when('$tproxy', [entry('runAsUser', PROXY_UID)], [entry('runAsUser', expr('$.ProxyUID'))])]
        : [entry('runAsUser', 0)]),
      seccomp(),
    ]);
  return item(
    map([
      when(V.cniEnabled, [entry('name', 'istio-validation')], [entry('name', 'istio-init')]),
      entry('image', expr(proxyImage)),
      imagePullPolicy(),
      entry('args', args),
      when('$.ProxyConfig.ProxyMetadata', [entry('env', list([proxyMetadataEnv()]))]),
      resources(),
      when(V.cniEnabled, [entry('securityContext', securityContext(true))], [entry('securityContext', securityContext(false))]),
    ]),
  );
}

/** The proxy container itself. */
function proxyContainer(kind: ProxyKind): Node {
  const volumeMounts = (kind === 'sidecar' ? SIDECAR_MOUNTS : GATEWAY_MOUNTS).flatMap(([name, mountPath]) => [
    item(map({ name, mountPath })),
    ...(name === 'istio-data' ? [when(isSet(PodAnnotations.bootstrapOverride), [item(map({ name: CUSTOM_BOOTSTRAP, mountPath: CUSTOM_BOOTSTRAP_DIR }))])] : []),
    ...(name === 'istio-token' ? [when(V.mountMtlsCerts, [item(map({ name: MTLS_CERTS, mountPath: '/etc/certs/', readOnly: true }))])] : []),
  ]);
  const hold = '$.ProxyConfig.HoldApplicationUntilProxyStarts.GetValue';
  return map([
    entry('name', PROXY),
    entry('image', expr(proxyImage)),
    imagePullPolicy(),
    entry(
      'args',
      list([
        'proxy',
        kind === 'sidecar' ? 'sidecar' : 'router',
        '--domain',
        text(`$(POD_NAMESPACE).svc.{{ ${V.proxy.clusterDomain} }}`),
        text(`--proxyLogLevel={{ ${annotation(PodAnnotations.logLevel, V.proxy.logLevel)} }}`),
        text(`--proxyComponentLogLevel={{ ${annotation(PodAnnotations.componentLogLevel, V.proxy.componentLogLevel)} }}`),
        text(`--log_output_level={{ ${agentLogLevel} }}`),
        when(V.logAsJson, [item(lit('--log_as_json'))]),
      ]),
    ),
    entry('env', list(proxyEnv(kind))),
    ...(kind === 'sidecar'
      ? [
          // Native sidecars drain on preStop; classic ones hold the app until the proxy is ready.
          when(`or $native (${hold})`, [
            entry(
              'lifecycle',
              map([
                when(`and (not $native) (${hold})`, [
                  entry('postStart', map({ exec: map({ command: list(['pilot-agent', 'wait']) }) })),
                ]),
                when('$native', [
                  entry(
                    'preStop',
                    map({
                      exec: map({
                        command: list(['pilot-agent', 'request', text(`--debug-port={{ ${statusPort} }}`), 'POST', 'drain']),
                      }),
                    }),
                  ),
                ]),
              ]),
            ),
          ]),
        ]
      : []),
    entry('ports', list([map({ containerPort: ProxyPorts.ENVOY_PROMETHEUS, protocol: 'TCP', name: 'http-envoy-prom' })])),
    // Status port 0 turns the agent's status server off, and with it the proxy's probes.
    when(`ne (${statusPort}) "0"`, [
      entry('readinessProbe', healthProbe(readinessEntries)),
      ...(kind === 'sidecar'
        ? [
            when(V.proxy.startupProbeEnabled, [
              entry(
                'startupProbe',
                healthProbe([
                  entry('periodSeconds', 1),
                  entry('timeoutSeconds', 3),
                  entry('failureThreshold', expr(V.proxy.startupProbeFailureThreshold)),
                ]),
              ),
            ]),
          ]
        : []),
    ]),
    // A gateway's resources are its Deployment's business: the template leaves them alone.
    ...(kind === 'sidecar' ? [resources(), when('$native', [entry('restartPolicy', 'Always')])] : []),
    entry(
      'securityContext',
      kind === 'sidecar' ? sidecarSecurityContext() : map({ runAsGroup: expr('$.ProxyGID'), runAsUser: expr('$.ProxyUID') }),
    ),
    entry('volumeMounts', list([...volumeMounts, ...(kind === 'sidecar' ? [userEntries(PodAnnotations.userVolumeMount)] : [])])),
  ]);
}

/**
 * The proxy's security context: restricted, as the namespace's UID (OpenShift) or 1337, except
 * where the proxy itself needs root: TPROXY interception (NET_ADMIN) and ports below 1024
 * (NET_BIND_SERVICE), the documented exceptions (docs/injection.md), and iptables trace logging.
 */
function sidecarSecurityContext(): Node {
  const rootCapabilities = `or $tproxy $capNetBindService`;
  return map([
    when(
      `eq (${proxyMetadata(ProxyMetadataKeys.iptablesTraceLogging)}) "true"`,
      [
        entry('allowPrivilegeEscalation', true),
        entry('capabilities', map({ add: list(['NET_ADMIN']), drop: list(['ALL']) })),
        entry('privileged', true),
        entry('readOnlyRootFilesystem', true),
        entry('runAsGroup', expr('$.ProxyGID')),
        entry('runAsNonRoot', false),
        entry('runAsUser', 0),
      ],
      [
        entry('allowPrivilegeEscalation', expr(V.proxy.privileged)),
        when(
          rootCapabilities,
          [
            entry(
              'capabilities',
              map({
                add: list([when('$tproxy', [item(lit('NET_ADMIN'))]), when('$capNetBindService', [item(lit('NET_BIND_SERVICE'))])]),
                drop: list(['ALL']),
              }),
            ),
          ],
          [entry('capabilities', map({ drop: list(['ALL']) }))],
        ),
        entry('privileged', expr(V.proxy.privileged)),
        entry('readOnlyRootFilesystem', true),
        when(
          rootCapabilities,
          [entry('runAsGroup', PROXY_UID), entry('runAsNonRoot', false), entry('runAsUser', 0)],
          [entry('runAsGroup', expr('$.ProxyGID')), entry('runAsNonRoot', true), entry('runAsUser', expr('$.ProxyUID'))],
        ),
      ],
    ),
    seccomp(),
  ]);
}

const SIDECAR_MOUNTS: [string, string][] = [
  ['workload-socket', '/var/run/secrets/workload-spiffe-uds'],
  ['credential-socket', '/var/run/secrets/credential-uds'],
  ['workload-certs', '/var/run/secrets/workload-spiffe-credentials'],
  ['istiod-ca-cert', '/var/run/secrets/istio'],
  ['istio-ca-crl', '/var/run/secrets/istio/crl'],
  ['istio-data', '/var/lib/istio/data'],
  ['istio-envoy', '/etc/istio/proxy'],
  ['istio-token', '/var/run/secrets/tokens'],
  ['istio-podinfo', '/etc/istio/pod'],
];
const GATEWAY_MOUNTS = SIDECAR_MOUNTS.filter(([name]) => name !== 'istio-ca-crl');
const CUSTOM_BOOTSTRAP = 'custom-bootstrap-volume';
/** Istio's legacy per-account certificate Secret (`global.mountMtlsCerts`), for applications that read certificates from files. */
const MTLS_CERTS = 'istio-certs';

function volumes(kind: ProxyKind): Node {
  const emptyDir = (name: string, withSource: boolean) => (withSource ? map({ name, emptyDir: map({}) }) : map({ name }));
  return list([
    map({ name: 'workload-socket' }),
    emptyDir('credential-socket', kind === 'gateway'),
    emptyDir('workload-certs', kind === 'gateway'),
    when(isSet(PodAnnotations.bootstrapOverride), [
      item(map({ name: CUSTOM_BOOTSTRAP, configMap: map({ name: expr(`index $.ObjectMeta.Annotations ${q(PodAnnotations.bootstrapOverride)}`) }) })),
    ]),
    map({ name: 'istio-envoy', emptyDir: map({ medium: 'Memory' }) }),
    map({ name: 'istio-data', emptyDir: map({}) }),
    map({
      name: 'istio-podinfo',
      downwardAPI: map({
        items: list([
          map({ path: 'labels', fieldRef: map({ fieldPath: 'metadata.labels' }) }),
          map({ path: 'annotations', fieldRef: map({ fieldPath: 'metadata.annotations' }) }),
        ]),
      }),
    }),
    map({
      name: 'istio-token',
      projected: map({
        sources: list([
          map({ serviceAccountToken: map({ path: 'istio-token', expirationSeconds: 43200, audience: expr(V.tokenAudience) }) }),
        ]),
      }),
    }),
    map({ name: 'istiod-ca-cert', configMap: map({ name: 'istio-ca-root-cert' }) }),
    ...(kind === 'sidecar' ? [map({ name: 'istio-ca-crl', configMap: map({ name: 'istio-ca-crl', optional: true }) })] : []),
    when(V.mountMtlsCerts, [
      item(map({ name: MTLS_CERTS, secret: map({ optional: true, secretName: expr('print "istio." (valueOrDefault $.Spec.ServiceAccountName "default")') }) })),
    ]),
    ...(kind === 'sidecar' ? [userEntries(PodAnnotations.userVolume)] : []),
  ]);
}

function labels(kind: ProxyKind): Node {
  return map([
    ...(kind === 'sidecar'
      ? [
          entry(PodLabels.tlsMode, expr(firstOf(podLabel(PodLabels.tlsMode), '"istio"'))),
          when(`eq (${proxyMetadata(ProxyMetadataKeys.enableHbone)}) "true"`, [entry(PodLabels.tunnel, expr(firstOf(podLabel(PodLabels.tunnel), '"http"')))]),
        ]
      : []),
    ...canonicalLabels(),
    when(V.network, [entry(PodLabels.network, expr(firstOf(podLabel(PodLabels.network), V.network)))]),
  ]);
}

function annotations(kind: ProxyKind): Node {
  if (kind === 'gateway') return map([entry('istio.io/rev', expr(firstOf('$.Revision', '"default"')))]);
  const nonEmpty = (name: string, value: GoExpr): Entry =>
    when(`ne (${annotation(name, value)}) ""`, [entry(name, expr(annotation(name, value)))]);
  // The CNI node agent reads the redirection settings from these annotations.
  const cni: Entry[] = [
    // With Multus (OpenShift) the plugin is not chained: each pod asks for the istio-cni network.
    when(`eq ${V.cniProvider} "multus"`, [
      entry(MULTUS_NETWORKS, expr(`appendMultusNetwork (index $.ObjectMeta.Annotations ${q(MULTUS_NETWORKS)}) "default/istio-cni"`)),
    ]),
    entry(PodAnnotations.interceptionMode, expr(interceptionMode)),
    nonEmpty(PodAnnotations.includeOutboundIPRanges, V.proxy.includeIPRanges),
    nonEmpty(PodAnnotations.excludeOutboundIPRanges, V.proxy.excludeIPRanges),
    nonEmpty(PodAnnotations.includeInboundPorts, V.proxy.includeInboundPorts),
    entry(PodAnnotations.excludeInboundPorts, expr(excludedInbound)),
    when(annotatedOrValue(PodAnnotations.includeOutboundPorts, V.proxy.includeOutboundPorts), [
      entry(PodAnnotations.includeOutboundPorts, expr(annotation(PodAnnotations.includeOutboundPorts, V.proxy.includeOutboundPorts))),
    ]),
    when(annotatedOrValue(PodAnnotations.excludeOutboundPorts, V.proxy.excludeOutboundPorts), [
      entry(PodAnnotations.excludeOutboundPorts, expr(annotation(PodAnnotations.excludeOutboundPorts, V.proxy.excludeOutboundPorts))),
    ]),
    when(isSet(PodAnnotations.kubevirtInterfaces), [
      entry(PodAnnotations.kubevirtInterfaces, expr(`index $.ObjectMeta.Annotations ${q(PodAnnotations.kubevirtInterfaces)}`)),
    ]),
    when(isSet(PodAnnotations.rerouteVirtualInterfaces), [
      entry(PodAnnotations.rerouteVirtualInterfaces, expr(`index $.ObjectMeta.Annotations ${q(PodAnnotations.rerouteVirtualInterfaces)}`)),
    ]),
    when(isSet(PodAnnotations.excludeInterfaces), [
      entry(PodAnnotations.excludeInterfaces, expr(`index $.ObjectMeta.Annotations ${q(PodAnnotations.excludeInterfaces)}`)),
    ]),
  ];
  return map([
    entry('istio.io/rev', expr(firstOf('$.Revision', '"default"'))),
    kubectlDefault(PodAnnotations.defaultLogsContainer),
    kubectlDefault(PodAnnotations.defaultContainer),
    when(V.cniEnabled, cni),
  ]);
}

/** The template document for one kind of proxy. */
export function proxyTemplateModel(kind: ProxyKind): Node {
  const withTrafficInit = `ne (${interceptionMode}) "NONE"`;
  const spec: Entry[] =
    kind === 'sidecar'
      ? [
          // Emitted only when non-empty: a null list in the patch would delete the pod's own init containers.
          when(`or (${withTrafficInit}) $native`, [
            entry(
              'initContainers',
              list([when(withTrafficInit, [trafficInitContainer()]), when('$native', [item(proxyContainer('sidecar'))])]),
            ),
          ]),
          when('not $native', [entry('containers', list([proxyContainer('sidecar')]))]),
        ]
      : [
          entry('containers', list([proxyContainer('gateway')])),
          // Gateways listen on 80 and 443 without any capability.
          entry(
            'securityContext',
            map({ sysctls: list([map({ name: 'net.ipv4.ip_unprivileged_port_start', value: '0' })]) }),
          ),
        ];
  return map([
    entry('metadata', map({ labels: labels(kind), annotations: annotations(kind) })),
    entry(
      'spec',
      map([
        ...spec,
        entry('volumes', volumes(kind)),
        when(V.imagePullSecrets, [
          entry('imagePullSecrets', list([eachItem(V.imagePullSecrets, '$i, $s', [item(map({ name: expr('$s') }))])])),
        ]),
      ]),
    ),
  ]);
}

/** Template text istiod evaluates for `inject.istio.io/templates: <kind>`. */
export function proxyTemplate(kind: ProxyKind): string {
  return emitTemplate(proxyTemplateModel(kind), PREAMBLE);
}
