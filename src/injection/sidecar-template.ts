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
  num,
  text,
  when,
} from './template-ast';
import { V } from './injection-values';
import { IstiodPorts } from '../control-plane/ports';
import { PROXY_UID, ProxyPorts } from './proxy-ports';

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
  defaultContainer: 'kubectl.kubernetes.io/default-container',
  defaultLogsContainer: 'kubectl.kubernetes.io/default-logs-container',
} as const;

/** Labels the templates read or add. */
const PodLabels = {
  tlsMode: 'security.istio.io/tlsMode',
  canonicalName: 'service.istio.io/canonical-name',
  canonicalRevision: 'service.istio.io/canonical-revision',
  appName: 'app.kubernetes.io/name',
  appVersion: 'app.kubernetes.io/version',
  network: 'topology.istio.io/network',
} as const;

const PROXY = 'istio-proxy';
const MULTUS_NETWORKS = 'k8s.v1.cni.cncf.io/networks';

// ---- expression helpers ---------------------------------------------------------------------

const q = (s: string) => JSON.stringify(s);
/** The pod annotation, or `fallback` when the pod does not set it. */
const annotation = (name: string, fallback: GoExpr) => `annotation $.ObjectMeta ${q(name)} ${fallback}`;
const isSet = (name: string) => `isset $.ObjectMeta.Annotations ${q(name)}`;
const podLabel = (name: string) => `index $.ObjectMeta.Labels ${q(name)}`;
/** First non-empty of the expressions. */
const firstOf = (...exprs: GoExpr[]): GoExpr => exprs.reduceRight((acc, e) => `valueOrDefault (${e}) (${acc})`);

const proxyImage = annotation(PodAnnotations.proxyImage, '$.ProxyImage');
const interceptionMode = annotation(PodAnnotations.interceptionMode, '$.ProxyConfig.InterceptionMode');
const statusPort = annotation(PodAnnotations.statusPort, V.proxy.statusPort);
const excludedInbound = `excludeInboundPort (${statusPort}) (${annotation(PodAnnotations.excludeInboundPorts, V.proxy.excludeInboundPorts)})`;
/** The annotation when set, else the value when non-empty. */
const annotatedOrValue = (name: string, value: GoExpr) => `or (${isSet(name)}) (ne (valueOrDefault ${value} "") "")`;

/**
 * Variables computed once per pod: the app containers (every container but the proxy), the
 * first of them (kubectl's default), and their ports as the proxy's ISTIO_META_POD_PORTS.
 */
const PREAMBLE = [
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

function envValue(name: string, value: Node): Item {
  return item(map({ name: lit(name), value }));
}
function envField(name: string, fieldPath: string): Item {
  return item(map({ name: lit(name), valueFrom: map({ fieldRef: map({ fieldPath: lit(fieldPath) }) }) }));
}
function envResource(name: string, resource: string): Item {
  return item(map({ name: lit(name), valueFrom: map({ resourceFieldRef: map({ divisor: lit('1'), resource: lit(resource) }) }) }));
}
/** `proxy.istio.io/config` and mesh proxyMetadata, passed to the proxy and the iptables setup. */
function proxyMetadataEnv(): Item {
  return eachItem('$.ProxyConfig.ProxyMetadata', '$k, $v', [item(map({ name: expr('$k'), value: expr('$v') }))]);
}

/** The proxy's environment: identity, discovery, resource limits and workload metadata. */
function proxyEnv(kind: ProxyKind): Item[] {
  const appContainers = envValue('ISTIO_META_APP_CONTAINERS', expr('$appNames'));
  const trustDomain = '$.MeshConfig.TrustDomain';
  return [
    envValue('PILOT_CERT_PROVIDER', expr(V.pilotCertProvider)),
    envValue(
      'CA_ADDR',
      expr(firstOf(V.caAddress, `print "istiod" $revisionSuffix "." ${V.istioNamespace} ".svc:${IstiodPorts.TLS_XDS}"`)),
    ),
    envField('POD_NAME', 'metadata.name'),
    envField('POD_NAMESPACE', 'metadata.namespace'),
    envField('INSTANCE_IP', 'status.podIP'),
    envField('SERVICE_ACCOUNT', 'spec.serviceAccountName'),
    envField('HOST_IP', 'status.hostIP'),
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
    when('$.DeploymentMeta.Name', [envValue('ISTIO_META_WORKLOAD_NAME', expr('$.DeploymentMeta.Name'))]),
    when('and $.TypeMeta.APIVersion $.DeploymentMeta.Name', [
      envValue(
        'ISTIO_META_OWNER',
        text(
          'kubernetes://apis/{{ $.TypeMeta.APIVersion }}/namespaces/{{ valueOrDefault $.DeploymentMeta.Namespace "default" }}/' +
            '{{ toLower $.TypeMeta.Kind }}s/{{ $.DeploymentMeta.Name }}',
        ),
      ),
    ]),
    when(`or ${V.meshID} ${trustDomain}`, [envValue('ISTIO_META_MESH_ID', expr(firstOf(V.meshID, trustDomain)))]),
    when(trustDomain, [envValue('TRUST_DOMAIN', expr(trustDomain))]),
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

/** Proxy resources: the four annotations replace the fleet's sidecar resources as a whole. */
function resources(): Entry {
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

const imagePullPolicy = (): Entry => when(V.imagePullPolicy, [entry('imagePullPolicy', expr(V.imagePullPolicy))]);
const seccomp = (): Entry => when(V.proxy.seccompProfile, [entry('seccompProfile', expr(V.proxy.seccompProfile))]);

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
    String(PROXY_UID),
    '-m',
    expr(interceptionMode),
    '-i',
    expr(annotation(PodAnnotations.includeOutboundIPRanges, V.proxy.includeIPRanges)),
    '-x',
    expr(annotation(PodAnnotations.excludeOutboundIPRanges, V.proxy.excludeIPRanges)),
    '-b',
    expr(annotation(PodAnnotations.includeInboundPorts, V.proxy.includeInboundPorts)),
    '-d',
    text(`${ProxyPorts.ENVOY_PROMETHEUS},${ProxyPorts.HEALTH},{{ ${excludedInbound} }}`),
    portsFlag('-q', PodAnnotations.includeOutboundPorts, V.proxy.includeOutboundPorts),
    portsFlag('-o', PodAnnotations.excludeOutboundPorts, V.proxy.excludeOutboundPorts),
    flagFromAnnotation('-k', PodAnnotations.kubevirtInterfaces),
    flagFromAnnotation('-c', PodAnnotations.excludeInterfaces),
    text(`--log_output_level={{ ${V.logLevel} }}`),
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
      entry('runAsGroup', lit(cni ? PROXY_UID : 0)),
      entry('runAsNonRoot', lit(cni)),
      entry('runAsUser', lit(cni ? PROXY_UID : 0)),
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

const healthProbe = (extra: Entry[]): Node =>
  map([entry('httpGet', map({ path: '/healthz/ready', port: ProxyPorts.HEALTH })), ...extra]);

/** The proxy container itself. */
function proxyContainer(kind: ProxyKind): Node {
  const readinessExtra: Entry[] = [
    when(`ne (${annotation(PodAnnotations.readinessInitialDelaySeconds, V.proxy.readinessInitialDelaySeconds)}) "0"`, [
      entry('initialDelaySeconds', num(annotation(PodAnnotations.readinessInitialDelaySeconds, V.proxy.readinessInitialDelaySeconds))),
    ]),
    entry('periodSeconds', num(annotation(PodAnnotations.readinessPeriodSeconds, V.proxy.readinessPeriodSeconds))),
    entry('timeoutSeconds', 3),
    entry('failureThreshold', num(annotation(PodAnnotations.readinessFailureThreshold, V.proxy.readinessFailureThreshold))),
  ];
  const volumeMounts = (kind === 'sidecar' ? SIDECAR_MOUNTS : GATEWAY_MOUNTS).map(([name, mountPath]) => item(map({ name, mountPath })));
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
        text(`--log_output_level={{ ${V.logLevel} }}`),
        when(V.logAsJson, [item(lit('--log_as_json'))]),
      ]),
    ),
    entry('env', list(proxyEnv(kind))),
    ...(kind === 'sidecar'
      ? [
          // Native sidecars drain on preStop; classic ones hold the app until the proxy is ready.
          when(`or $.NativeSidecars (${hold})`, [
            entry(
              'lifecycle',
              map([
                when(`and (not $.NativeSidecars) (${hold})`, [
                  entry('postStart', map({ exec: map({ command: list(['pilot-agent', 'wait']) }) })),
                ]),
                when('$.NativeSidecars', [
                  entry(
                    'preStop',
                    map({
                      exec: map({
                        command: list(['pilot-agent', 'request', `--debug-port=${ProxyPorts.STATUS}`, 'POST', 'drain']),
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
    entry('readinessProbe', healthProbe(readinessExtra)),
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
    // A gateway's resources are its Deployment's business: the template leaves them alone.
    ...(kind === 'sidecar' ? [resources(), when('$.NativeSidecars', [entry('restartPolicy', 'Always')])] : []),
    entry(
      'securityContext',
      kind === 'sidecar'
        ? map([
            entry('allowPrivilegeEscalation', expr(V.proxy.privileged)),
            when(`eq (${interceptionMode}) "TPROXY"`, [entry('capabilities', map({ add: list(['NET_ADMIN']), drop: list(['ALL']) }))], [
              entry('capabilities', map({ drop: list(['ALL']) })),
            ]),
            entry('privileged', expr(V.proxy.privileged)),
            entry('readOnlyRootFilesystem', true),
            entry('runAsGroup', PROXY_UID),
            entry('runAsNonRoot', true),
            entry('runAsUser', PROXY_UID),
            seccomp(),
          ])
        : map({ runAsGroup: PROXY_UID, runAsUser: PROXY_UID }),
    ),
    entry('volumeMounts', list(volumeMounts)),
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

function volumes(kind: ProxyKind): Node {
  const emptyDir = (name: string, withSource: boolean) => (withSource ? map({ name, emptyDir: map({}) }) : map({ name }));
  return list([
    map({ name: 'workload-socket' }),
    emptyDir('credential-socket', kind === 'gateway'),
    emptyDir('workload-certs', kind === 'gateway'),
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
  ]);
}

function labels(kind: ProxyKind): Node {
  return map([
    ...(kind === 'sidecar' ? [entry(PodLabels.tlsMode, expr(firstOf(podLabel(PodLabels.tlsMode), '"istio"')))] : []),
    entry(
      PodLabels.canonicalName,
      expr(firstOf(podLabel(PodLabels.canonicalName), podLabel(PodLabels.appName), podLabel('app'), '$.DeploymentMeta.Name')),
    ),
    entry(
      PodLabels.canonicalRevision,
      expr(firstOf(podLabel(PodLabels.canonicalRevision), podLabel(PodLabels.appVersion), podLabel('version'), '"latest"')),
    ),
    when(V.network, [entry(PodLabels.network, expr(firstOf(podLabel(PodLabels.network), V.network)))]),
  ]);
}

function annotations(kind: ProxyKind): Node {
  if (kind === 'gateway') return map([entry('istio.io/rev', expr(firstOf('$.Revision', '"default"')))]);
  const kubectlDefault = (name: string) => when(`and $firstApp (not (${isSet(name)}))`, [entry(name, expr('$firstApp'))]);
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
          when(`or (${withTrafficInit}) $.NativeSidecars`, [
            entry(
              'initContainers',
              list([when(withTrafficInit, [trafficInitContainer()]), when('$.NativeSidecars', [item(proxyContainer('sidecar'))])]),
            ),
          ]),
          when('not $.NativeSidecars', [entry('containers', list([proxyContainer('sidecar')]))]),
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
