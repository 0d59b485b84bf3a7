/**
 * The injection templates for proxyless gRPC, which pods ask for with
 * `inject.istio.io/templates: grpc-agent` (or `grpc-simple`):
 *
 * - `grpc-agent`: the Istio agent without Envoy (`DISABLE_ENVOY`) beside the application; the
 *   agent serves the gRPC library its xDS bootstrap and certificates over a shared volume, so
 *   the application talks to istiod through it with mTLS.
 * - `grpc-simple`: no agent at all; an init container writes a bootstrap that points the gRPC
 *   library at istiod's plaintext xDS port. For trying proxyless gRPC out, not for production.
 *
 * They are what upstream's templates of the same names inject, with one difference: the
 * containers meshc adds run restricted (docs/injection.md), where upstream's set no security
 * context.
 */
import { type Entry, type Item, type Node, eachItem, emitTemplate, entry, expr, item, list, lit, map, text, when } from './template-ast';
import { V } from './injection-values';
import { IstiodPorts } from '../control-plane/ports';
import { ProxyPorts } from './proxy-ports';
import {
  DEFAULT_CLUSTER_ID,
  PROXY,
  PodAnnotations,
  agentLogLevel,
  canonicalLabels,
  envField,
  envValue,
  firstOf,
  healthProbe,
  imagePullPolicy,
  isSet,
  kubectlDefault,
  proxyImage,
  proxyMetadataEnv,
  annotation,
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
import { PREAMBLE } from './sidecar-template';

export const GRPC_TEMPLATES = ['grpc-agent', 'grpc-simple'] as const;
export type GrpcTemplate = (typeof GRPC_TEMPLATES)[number];

/** Where the agent puts the application's xDS bootstrap and certificates. */
const XDS_DIR = '/etc/istio/proxy';
const DATA_DIR = '/var/lib/istio/data';
const WORKLOAD_CERTS_DIR = '/var/run/secrets/workload-spiffe-credentials';
const SIMPLE_BOOTSTRAP_DIR = '/var/lib/grpc/data/';
/** A user with no rights anywhere: the grpc-simple init container only writes to an emptyDir. */
const NOBODY = 65534;
/** The image upstream's grpc-simple writes its bootstrap with. */
const BOOTSTRAP_IMAGE = 'busybox:1.28';

/** The application must not have its probes rewritten: no Envoy serves the status port's forwarding. */
const noProbeRewrite = (): Entry => entry('sidecar.istio.io/rewriteAppHTTPProbers', 'false');

const restricted = (user: Node, group: Node): Node =>
  map([
    entry('allowPrivilegeEscalation', false),
    entry('capabilities', map({ drop: list(['ALL']) })),
    entry('privileged', false),
    entry('readOnlyRootFilesystem', true),
    entry('runAsGroup', group),
    entry('runAsNonRoot', true),
    entry('runAsUser', user),
    seccomp(),
  ]);

/** Each application container (every container but a proxy) gets `env` and `volumeMounts`. */
function appContainers(env: Item[], mounts: [string, string][]): Item {
  return eachItem('$.Spec.Containers', '$i, $c', [
    when(`ne $c.Name ${JSON.stringify(PROXY)}`, [
      item(
        map([
          entry('name', expr('$c.Name')),
          entry('env', list(env)),
          entry('volumeMounts', list(mounts.map(([name, mountPath]) => item(map({ mountPath, name }))))),
        ]),
      ),
    ]),
  ]);
}

function agentEnv(): Item[] {
  return [
    envValue('ISTIO_META_GENERATOR', lit('grpc')),
    envValue('OUTPUT_CERTS', lit(DATA_DIR)),
    localhostProbesEnv(),
    ...caEnv(),
    ...podEnv(),
    envValue('PROXY_CONFIG', text('{{ protoToJSON $.ProxyConfig }}\n')),
    envValue('ISTIO_META_POD_PORTS', expr('$podPorts')),
    envValue('ISTIO_META_APP_CONTAINERS', expr('$appNames')),
    envValue('ISTIO_META_CLUSTER_ID', expr(firstOf(V.clusterName, JSON.stringify(DEFAULT_CLUSTER_ID)))),
    envField('ISTIO_META_NODE_NAME', 'spec.nodeName'),
    when(V.network, [envValue('ISTIO_META_NETWORK', expr(V.network))]),
    ...workloadEnv(),
    ...meshIdentityEnv(),
    when('$.ProxyConfig.ProxyMetadata', [proxyMetadataEnv()]),
    // gRPC resolves xds:/// names itself; the agent has no DNS to proxy.
    envValue('ISTIO_META_DNS_CAPTURE', lit('false')),
    envValue('DISABLE_ENVOY', lit('true')),
  ];
}

const AGENT_MOUNTS: [string, string][] = [
  ['workload-socket', '/var/run/secrets/workload-spiffe-uds'],
  ['workload-certs', WORKLOAD_CERTS_DIR],
  ['istiod-ca-cert', '/var/run/secrets/istio'],
  ['istio-data', DATA_DIR],
  ['istio-xds', XDS_DIR],
  ['istio-token', '/var/run/secrets/tokens'],
  ['istio-podinfo', '/etc/istio/pod'],
];

function agentContainer(): Item {
  const agentPort = ProxyPorts.STATUS;
  return item(
    map([
      entry('name', PROXY),
      entry('image', expr(proxyImage)),
      imagePullPolicy(),
      entry('ports', list([map({ containerPort: agentPort, protocol: 'TCP', name: 'mesh-metrics' })])),
      entry(
        'args',
        list([
          'proxy',
          'sidecar',
          '--domain',
          text(`$(POD_NAMESPACE).svc.{{ ${V.proxy.clusterDomain} }}`),
          text(`--proxyLogLevel={{ ${annotation(PodAnnotations.logLevel, V.proxy.logLevel)} }}`),
          text(`--proxyComponentLogLevel={{ ${annotation(PodAnnotations.componentLogLevel, V.proxy.componentLogLevel)} }}`),
          text(`--log_output_level={{ ${agentLogLevel} }}`),
          when(V.logAsJson, [item(lit('--log_as_json'))]),
        ]),
      ),
      // The application starts once the agent has its bootstrap and certificates ready.
      entry('lifecycle', map({ postStart: map({ exec: map({ command: list(['pilot-agent', 'wait', `--url=http://localhost:${agentPort}/healthz/ready`]) }) }) })),
      entry('env', list(agentEnv())),
      when(`ne (${statusPort}) "0"`, [entry('readinessProbe', healthProbe(readinessEntries, agentPort))]),
      resources(),
      entry(
        'volumeMounts',
        list([
          ...AGENT_MOUNTS.map(([name, mountPath]) => item(map({ mountPath, name }))),
          when(V.mountMtlsCerts, [item(map({ mountPath: '/etc/certs/', name: 'istio-certs', readOnly: true }))]),
          userEntries(PodAnnotations.userVolumeMount),
        ]),
      ),
      entry('securityContext', restricted(expr('$.ProxyUID'), expr('$.ProxyGID'))),
    ]),
  );
}

function agentVolumes(): Item[] {
  return [
    item(map({ name: 'workload-socket' })),
    item(map({ name: 'workload-certs' })),
    when(isSet(PodAnnotations.bootstrapOverride), [
      item(map({ name: 'custom-bootstrap-volume', configMap: map({ name: expr(`index $.ObjectMeta.Annotations ${JSON.stringify(PodAnnotations.bootstrapOverride)}`) }) })),
    ]),
    item(map({ name: 'istio-xds', emptyDir: map({ medium: 'Memory' }) })),
    item(map({ name: 'istio-data', emptyDir: map({}) })),
    item(
      map({
        name: 'istio-podinfo',
        downwardAPI: map({
          items: list([
            map({ path: 'labels', fieldRef: map({ fieldPath: 'metadata.labels' }) }),
            map({ path: 'annotations', fieldRef: map({ fieldPath: 'metadata.annotations' }) }),
          ]),
        }),
      }),
    ),
    item(
      map({
        name: 'istio-token',
        projected: map({
          sources: list([map({ serviceAccountToken: map({ path: 'istio-token', expirationSeconds: 43200, audience: expr(V.tokenAudience) }) })]),
        }),
      }),
    ),
    item(map({ name: 'istiod-ca-cert', configMap: map({ name: 'istio-ca-root-cert' }) })),
    when(V.mountMtlsCerts, [
      item(map({ name: 'istio-certs', secret: map({ optional: true, secretName: expr('print "istio." (valueOrDefault $.Spec.ServiceAccountName "default")') }) })),
    ]),
    userEntries(PodAnnotations.userVolume),
  ];
}

function grpcAgent(): Node {
  return map([
    entry(
      'metadata',
      map({
        // No tlsMode label: whether the application speaks mTLS is up to its gRPC code.
        labels: map(canonicalLabels()),
        annotations: map([
          entry('istio.io/rev', expr(firstOf('$.Revision', '"default"'))),
          kubectlDefault(PodAnnotations.defaultLogsContainer),
          kubectlDefault(PodAnnotations.defaultContainer),
          noProbeRewrite(),
        ]),
      }),
    ),
    entry(
      'spec',
      map([
        entry(
          'containers',
          list([
            agentContainer(),
            appContainers(
              [
                envValue('GRPC_XDS_EXPERIMENTAL_SECURITY_SUPPORT', lit('true')),
                envValue('GRPC_XDS_BOOTSTRAP', lit(`${XDS_DIR}/grpc-bootstrap.json`)),
              ],
              [
                ['istio-data', DATA_DIR],
                ['istio-xds', XDS_DIR],
                ['workload-certs', WORKLOAD_CERTS_DIR],
              ],
            ),
          ]),
        ),
        entry('volumes', list(agentVolumes())),
        imagePullSecrets(),
      ]),
    ),
  ]);
}

function imagePullSecrets(): Entry {
  return when(V.imagePullSecrets, [entry('imagePullSecrets', list([eachItem(V.imagePullSecrets, '$i, $s', [item(map({ name: expr('$s') }))])]))]);
}

/** The bootstrap grpc-simple writes: istiod's plaintext xDS port, the pod as a sidecar node. */
const SIMPLE_BOOTSTRAP_SCRIPT = [
  'NODE_ID="sidecar~${INSTANCE_IP}~${POD_NAME}.${POD_NAMESPACE}~cluster.local"',
  `SERVER_URI="dns:///istiod.\${ISTIO_NAMESPACE}.svc:${IstiodPorts.GRPC_XDS}"`,
  "echo '",
  '{',
  '  "xds_servers": [',
  '    {',
  '      "server_uri": "\'${SERVER_URI}\'",',
  '      "channel_creds": [{"type": "insecure"}],',
  '      "server_features" : ["xds_v3"]',
  '    }',
  '  ],',
  '  "node": {',
  '    "id": "\'${NODE_ID}\'",',
  '    "metadata": {',
  '      "GENERATOR": "grpc"',
  '    }',
  '  }',
  `}' > ${SIMPLE_BOOTSTRAP_DIR}bootstrap.json`,
].join('\n');

function grpcSimple(): Node {
  const mount = (): Node => list([map({ mountPath: SIMPLE_BOOTSTRAP_DIR, name: 'grpc-io-proxyless-bootstrap' })]);
  return map([
    entry('metadata', map({ annotations: map([noProbeRewrite()]) })),
    entry(
      'spec',
      map([
        entry(
          'initContainers',
          list([
            map([
              entry('name', 'grpc-bootstrap-init'),
              entry('image', BOOTSTRAP_IMAGE),
              entry('volumeMounts', mount()),
              entry(
                'env',
                list([
                  envField('INSTANCE_IP', 'status.podIP'),
                  envField('POD_NAME', 'metadata.name'),
                  envField('POD_NAMESPACE', 'metadata.namespace'),
                  envValue('ISTIO_NAMESPACE', text(`{{ ${V.istioNamespace} }}\n`)),
                ]),
              ),
              entry('command', list(['sh', '-c', SIMPLE_BOOTSTRAP_SCRIPT])),
              entry('securityContext', restricted(lit(NOBODY), lit(NOBODY))),
            ]),
          ]),
        ),
        entry(
          'containers',
          list([
            appContainers(
              [
                envValue('GRPC_XDS_BOOTSTRAP', lit(`${SIMPLE_BOOTSTRAP_DIR}bootstrap.json`)),
                envValue('GRPC_GO_LOG_VERBOSITY_LEVEL', lit('99')),
                envValue('GRPC_GO_LOG_SEVERITY_LEVEL', lit('info')),
              ],
              [['grpc-io-proxyless-bootstrap', SIMPLE_BOOTSTRAP_DIR]],
            ),
          ]),
        ),
        entry('volumes', list([map({ name: 'grpc-io-proxyless-bootstrap', emptyDir: map({}) })])),
      ]),
    ),
  ]);
}

/** Template text istiod evaluates for `inject.istio.io/templates: <name>`. */
export function grpcTemplate(name: GrpcTemplate): string {
  return emitTemplate(name === 'grpc-agent' ? grpcAgent() : grpcSimple(), PREAMBLE);
}
