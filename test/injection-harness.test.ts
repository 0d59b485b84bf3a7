/**
 * The injection harness behaves like istiod: Istio's template functions, its template data,
 * template selection, the strategic merge into the pod, the typed round trip (quantities,
 * dropped empty fields) and the post-template steps. Templates here are minimal and written
 * for these checks; the golden comparison with upstream lives in injection-golden.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { harnessAvailable, inject, type InjectionCase } from './support/injection-harness';

type Obj = Record<string, any>;

const MESH = 'defaultConfig:\n  discoveryAddress: istiod.istio-system.svc:15012\n  proxyMetadata:\n    FROM_MESH: mesh\n';
const VALUES = { global: { hub: 'hub.example.test/istio', tag: '1.30.3', proxy: { image: 'proxyv2' } } };

function deployment(pod: Obj, name = 'app'): Obj {
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name }, spec: { selector: { matchLabels: { app: name } }, template: pod } };
}

const APP_POD = {
  metadata: {
    labels: { app: 'app', version: 'v1' },
    annotations: { 'example.test/set': 'value', 'example.test/empty': '' },
  },
  spec: {
    containers: [
      {
        name: 'app',
        image: 'app:1',
        args: ['--old'],
        env: [{ name: 'ORIGINAL', value: 'kept' }],
        ports: [
          { name: 'http', containerPort: 8080 },
          { name: 'dns', containerPort: 53, protocol: 'UDP' },
        ],
      },
      { name: 'istio-proxy', image: 'auto', ports: [{ containerPort: 15090 }] },
    ],
    volumes: [
      { name: 'keep', emptyDir: {} },
      { name: 'doomed', emptyDir: {} },
    ],
  },
};

function run(templates: Record<string, string>, workload: Obj, extra: Partial<InjectionCase> & { defaultTemplates?: string[] } = {}): Obj {
  const { defaultTemplates, ...rest } = extra;
  return inject({
    config: stringify({ policy: 'enabled', defaultTemplates: defaultTemplates ?? Object.keys(templates).slice(0, 1), templates }),
    values: JSON.stringify(VALUES),
    meshConfig: MESH,
    revision: 'default',
    nativeSidecars: false,
    workload,
    ...rest,
  });
}

const podOf = (w: Obj): Obj => (w.kind === 'Pod' ? w : w.kind === 'CronJob' ? w.spec.jobTemplate.spec.template : w.spec.template);
const annotationsOf = (w: Obj): Record<string, string> => podOf(w).metadata.annotations ?? {};
const container = (w: Obj, name: string): Obj => [...(podOf(w).spec.containers ?? []), ...(podOf(w).spec.initContainers ?? [])].find((c: Obj) => c.name === name);

/** A template that reports each expression as a pod annotation (JSON-quoted so any text is valid YAML). */
function reporting(exprs: Record<string, string>): string {
  return 'metadata:\n  annotations:\n' + Object.entries(exprs).map(([k, e]) => `    r/${k}: {{ ${e} | toJson }}\n`).join('');
}

function report(exprs: Record<string, string>, workload: Obj = deployment(APP_POD), extra: Parameters<typeof run>[2] = {}): Record<string, string> {
  const out = annotationsOf(run({ report: reporting(exprs) }, workload, extra));
  return Object.fromEntries(Object.entries(out).filter(([k]) => k.startsWith('r/')).map(([k, v]) => [k.slice(2), v]));
}

describe('injection harness', () => {
  it('has Go and sprig to build with', () => {
    expect(harnessAvailable()).toBe(true);
  });

  it("implements istiod's template functions", () => {
    expect(
      report({
        annotationSet: 'annotation .ObjectMeta "example.test/set" "fallback"',
        annotationEmpty: 'annotation .ObjectMeta "example.test/empty" "fallback"',
        annotationMissing: 'annotation .ObjectMeta "example.test/missing" "fallback"',
        annotationMissingNumber: 'annotation .ObjectMeta "example.test/missing" 15020',
        valueOrDefaultEmpty: 'valueOrDefault "" "d"',
        valueOrDefaultMissingKey: 'valueOrDefault .Values.nothing "d"',
        valueOrDefaultSet: 'valueOrDefault .Values.global.tag "d"',
        valueOrDefaultZero: 'printf "%v" (valueOrDefault 0 "d")',
        issetEmpty: 'isset .ObjectMeta.Annotations "example.test/empty" | toString',
        issetAbsent: 'isset .ObjectMeta.Annotations "example.test/missing" | toString',
        includeInboundPorts: 'includeInboundPorts .Spec.Containers',
        applicationPorts: 'applicationPorts .Spec.Containers',
        excludeInboundPort: 'excludeInboundPort 15020 "15090, 15021,"',
        excludeInboundPortPresent: 'excludeInboundPort "15021" "15090,15021"',
        excludeInboundPortZero: 'excludeInboundPort 0 "15090"',
        toJSON: 'toJSON .ObjectMeta.Labels',
        toJSONNil: 'toJSON .Spec.NodeSelector',
        structToJSON: 'structToJSON (index (index .Spec.Containers 0).Ports 0)',
        structToJSONContainerResources: 'structToJSON (index .Spec.Containers 0).Resources',
        protoToJSON: 'protoToJSON .ProxyConfig',
        strdictOmit: 'omit (strdict "a" "1" "b" "2" "c") "b" | toJSON',
        toJsonMap: 'toJsonMap (strdict "a" "1") (strdict "a" "2" "b" "3")',
        mergeMaps: 'mergeMaps (strdict "a" "1") (strdict "b" "2") | toJSON',
        indent: 'indent 2 "a\\nb\\nc"',
        contains: 'contains "needle" "a haystack with a needle" | toString',
        containsFlipped: 'contains "a haystack with a needle" "needle" | toString',
        directory: 'directory "/etc/istio/proxy/envoy.yaml"',
        formatDuration: 'formatDuration .MeshConfig.DefaultConfig.DrainDuration',
        interceptionMode: 'annotation .ObjectMeta "example.test/missing" .ProxyConfig.InterceptionMode',
        interceptionModeString: '.ProxyConfig.InterceptionMode.String',
        toLower: 'toLower "StatefulSet"',
        multus: 'appendMultusNetwork "a, b" "istio-cni"',
        multusJSON: `appendMultusNetwork "[{\\"name\\": \\"a\\"}]" "kube-system/istio-cni"`,
        kubevirt: 'kubevirtInterfaces "net1"',
        toYaml: 'toYaml (index (index .Spec.Containers 0).Ports 0)',
        fromJSON: 'fromJSON "{\\"k\\": [1]}" | toJson',
        env: 'env "MESHC_HARNESS_UNSET_VARIABLE" "fallback"',
        omitNil: 'omitNil (dict "a" nil "b" (dict "c" nil)) | toJson',
      }),
    ).toEqual({
      annotationSet: 'value',
      annotationEmpty: '',
      annotationMissing: 'fallback',
      annotationMissingNumber: '15020',
      valueOrDefaultEmpty: 'd',
      valueOrDefaultMissingKey: 'd',
      valueOrDefaultSet: '1.30.3',
      valueOrDefaultZero: '0',
      issetEmpty: 'true',
      issetAbsent: 'false',
      includeInboundPorts: '8080,15090',
      applicationPorts: '8080',
      excludeInboundPort: '15090,15021,15020',
      excludeInboundPortPresent: '15090,15021',
      excludeInboundPortZero: '15090',
      toJSON: '{"app":"app","version":"v1"}',
      toJSONNil: '{}',
      structToJSON: '{"name":"http","containerPort":8080}',
      structToJSONContainerResources: '{}',
      protoToJSON: '{"proxyMetadata":{"FROM_MESH":"mesh"}}',
      strdictOmit: '{"a":"1","c":""}',
      toJsonMap: '{"a":"2","b":"3"}',
      mergeMaps: '{"a":"1","b":"2"}',
      indent: 'a\n  b\n  c',
      contains: 'true',
      containsFlipped: 'false',
      directory: '/etc/istio/proxy/',
      formatDuration: '45s',
      interceptionMode: 'REDIRECT',
      interceptionModeString: 'REDIRECT',
      toLower: 'statefulset',
      multus: 'a, b, istio-cni',
      multusJSON: '[{"name": "a"}, {"name": "istio-cni", "namespace": "kube-system"}]',
      kubevirt: 'net1',
      toYaml: 'containerPort: 8080\nname: http\n',
      fromJSON: '{"k":[1]}',
      env: 'fallback',
      omitNil: 'null',
    });
  });

  it('prints "<no value>" for missing keys and fails on a field of a null value, as istiod does', () => {
    const t = 'metadata:\n  annotations:\n    missing: "{{ .Values.nothing }}"\n    chained: "{{ .Values.nothing.deeper }}"\n';
    expect(annotationsOf(run({ t }, deployment(APP_POD)))).toMatchObject({ missing: '<no value>', chained: '<no value>' });
    const values = JSON.stringify({ ...VALUES, present: null });
    expect(() => run({ t: '{{ .Values.present.deeper }}' }, deployment(APP_POD), { values })).toThrow(/nil pointer evaluating interface \{\}\.deeper/);
    expect(() => run({ t: '{{ .NoSuchField }}' }, deployment(APP_POD))).toThrow(/can't evaluate field NoSuchField/);
    expect(() => run({ t: 'spec:\n  containers:\n  - image: no-name\n' }, deployment(APP_POD))).toThrow(/merge key/);
    expect(() => run({ t: 'just text' }, deployment(APP_POD))).toThrow(/invalid JSON document/);
  });

  it('selects templates by inject.istio.io/templates, else the defaults, expanding aliases', () => {
    const templates = {
      a: 'metadata:\n  labels:\n    ran-a: "true"\n',
      b: 'metadata:\n  labels:\n    ran-b: "true"\n',
      c: 'metadata:\n  labels:\n    ran-c: "true"\n',
    };
    const ran = (w: Obj) => Object.keys(podOf(w).metadata.labels).filter((l) => l.startsWith('ran-')).sort();
    expect(ran(run(templates, deployment(APP_POD), { defaultTemplates: ['a'] }))).toEqual(['ran-a']);
    const annotated = { ...APP_POD, metadata: { ...APP_POD.metadata, annotations: { 'inject.istio.io/templates': 'b, c' } } };
    expect(ran(run(templates, deployment(annotated), { defaultTemplates: ['a'] }))).toEqual(['ran-b', 'ran-c']);
    const aliased = inject({
      config: stringify({ policy: 'enabled', defaultTemplates: ['both'], aliases: { both: ['a', 'c'] }, templates }),
      values: '{}',
      meshConfig: '',
      revision: '',
      nativeSidecars: false,
      workload: deployment(APP_POD),
    });
    expect(ran(aliased)).toEqual(['ran-a', 'ran-c']);
    expect(() => run(templates, deployment({ ...APP_POD, metadata: { annotations: { 'inject.istio.io/templates': 'nope' } } }))).toThrow(
      /requested template "nope" not found; have a, b, c/,
    );
  });

  it('merges template output like a strategic merge patch on corev1.Pod', () => {
    const out = run(
      {
        t: [
          'spec:',
          '  containers:',
          '  - name: app',
          '    env:',
          '    - name: ADDED',
          '      value: added',
          '    ports:',
          '    - containerPort: 9090',
          '  - name: sidecar',
          '    image: sidecar:1',
          '    args: ["--template"]',
          '  volumes:',
          '  - name: added',
          '    emptyDir: {}',
          '  - name: doomed',
          '    $patch: delete',
          '  tolerations:',
          '  - key: from-template',
          '    operator: Exists',
          '  nodeSelector:',
          '    disk: ssd',
        ].join('\n'),
      },
      deployment({ ...APP_POD, spec: { ...APP_POD.spec, tolerations: [{ key: 'from-user', operator: 'Exists' }] } }),
    );
    const pod = podOf(out);
    const app = container(out, 'app');
    // Lists merged by key keep the original items; items the patch names come first.
    expect(app.env).toEqual([
      { name: 'ADDED', value: 'added' },
      { name: 'ORIGINAL', value: 'kept' },
    ]);
    expect(app.ports.map((p: Obj) => p.containerPort)).toEqual([9090, 8080, 53]);
    expect(pod.spec.containers.map((c: Obj) => c.name)).toEqual(['app', 'sidecar', 'istio-proxy']);
    expect(container(out, 'sidecar').args).toEqual(['--template']);
    expect(pod.spec.volumes.map((v: Obj) => v.name)).toEqual(['added', 'keep']);
    // Lists without a merge strategy are replaced.
    expect(pod.spec.tolerations).toEqual([{ key: 'from-template', operator: 'Exists' }]);
    expect(pod.spec.nodeSelector).toEqual({ disk: 'ssd' });
    // The typed round trip adds what corev1 always serializes and drops empty values.
    expect(app.resources).toEqual({});
  });

  it("keeps a user's container fields over a template's, as reapplyOverwrittenContainers does", () => {
    const out = run({ t: 'spec:\n  containers:\n  - name: app\n    image: template:1\n    args: ["--template"]\n    workingDir: /template\n' }, deployment(APP_POD));
    const app = container(out, 'app');
    expect(app).toMatchObject({ image: 'app:1', args: ['--old'], workingDir: '/template' });
    expect(JSON.parse(annotationsOf(out)['proxy.istio.io/overrides']).containers.map((c: Obj) => c.name)).toEqual(['app']);
  });

  it('replaces a whole list or map on $patch: replace, and deletes keys set to null', () => {
    const out = run(
      {
        t: [
          'metadata:',
          '  annotations:',
          '    example.test/set: null',
          'spec:',
          '  containers:',
          '  - name: only',
          '    image: only:1',
          '  - $patch: replace',
        ].join('\n'),
      },
      deployment(APP_POD),
    );
    expect(podOf(out).spec.containers.map((c: Obj) => c.name)).toEqual(['only']);
    expect(annotationsOf(out)['example.test/set']).toBeUndefined();
  });

  it('canonicalizes resource quantities as the typed pod does', () => {
    const out = run(
      {
        t: [
          'spec:',
          '  containers:',
          '  - name: app',
          '    resources:',
          '      limits: {cpu: 2000m, memory: 1024Mi, ephemeral-storage: 2000000}',
          '      requests: {cpu: 0.5, memory: 1536Mi, example.test/gpu: 1, example.test/tiny: 1.5Gi}',
          '    env:',
          '    - name: LIMIT',
          '      valueFrom: {resourceFieldRef: {resource: limits.cpu}}',
          '    - name: EMPTY',
          '      value: ""',
        ].join('\n'),
      },
      deployment(APP_POD),
    );
    const app = container(out, 'app');
    expect(app.resources).toEqual({
      limits: { cpu: '2', memory: '1Gi', 'ephemeral-storage': '2M' },
      requests: { cpu: '500m', memory: '1536Mi', 'example.test/gpu': '1', 'example.test/tiny': '1536Mi' },
    });
    // An unset divisor is a zero Quantity, which corev1 prints as "0"; an empty env value is dropped.
    expect(app.env.find((e: Obj) => e.name === 'LIMIT')).toEqual({ name: 'LIMIT', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', divisor: '0' } } });
    expect(app.env.find((e: Obj) => e.name === 'EMPTY')).toEqual({ name: 'EMPTY' });
  });

  it('builds .ProxyConfig from the mesh defaultConfig and the proxy.istio.io/config annotation', () => {
    const annotated = {
      ...APP_POD,
      metadata: {
        ...APP_POD.metadata,
        annotations: {
          'proxy.istio.io/config': 'concurrency: 0\nholdApplicationUntilProxyStarts: true\nproxyMetadata:\n  FROM_POD: pod\nterminationDrainDuration: 1.5s\nstatusPort: 15020\n',
        },
      },
    };
    const r = report(
      {
        json: 'protoToJSON .ProxyConfig',
        hold: '.ProxyConfig.HoldApplicationUntilProxyStarts.GetValue | toString',
        concurrency: '.ProxyConfig.Concurrency.GetValue | toString',
        drain: 'formatDuration .ProxyConfig.TerminationDrainDuration',
        meshHold: '.MeshConfig.DefaultConfig.GetHoldApplicationUntilProxyStarts.GetValue | toString',
      },
      deployment(annotated),
    );
    // Fields equal to the code defaults (statusPort 15020) are dropped; the rest print in
    // proto declaration order.
    expect(r.json).toBe('{"concurrency":0,"proxyMetadata":{"FROM_MESH":"mesh","FROM_POD":"pod"},"terminationDrainDuration":"1.500s","holdApplicationUntilProxyStarts":true}');
    expect(r).toMatchObject({ hold: 'true', concurrency: '0', drain: '1.5s', meshHold: 'false' });
    // Without the annotation, nothing but the defaults remains: upstream's PROXY_CONFIG `{}`.
    expect(report({ json: 'protoToJSON .ProxyConfig' }, deployment(APP_POD), { meshConfig: '' }).json).toBe('{}');
  });

  it.each([
    ['Deployment', deployment(APP_POD, 'web'), 'apps/v1|Deployment|default|web'],
    [
      'StatefulSet',
      { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db', namespace: 'data' }, spec: { template: APP_POD } },
      'apps/v1|StatefulSet|data|db',
    ],
    ['Job', { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'pi' }, spec: { template: APP_POD } }, 'batch/v1|Job|default|pi'],
    ['DaemonSet', { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent' }, spec: { template: APP_POD } }, 'apps/v1|DaemonSet|default|agent'],
    [
      'CronJob',
      { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'nightly' }, spec: { jobTemplate: { spec: { template: APP_POD } } } },
      'batch/v1|CronJob|default|nightly',
    ],
    ['bare Pod', { apiVersion: 'v1', kind: 'Pod', metadata: { ...APP_POD.metadata, name: 'solo' }, spec: APP_POD.spec }, 'v1|Pod|default|solo'],
    [
      'Pod of a ReplicaSet of a Deployment',
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          generateName: 'web-5d8f7c9b4-',
          namespace: 'shop',
          labels: { 'pod-template-hash': '5d8f7c9b4' },
          ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-5d8f7c9b4', uid: 'u1', controller: true }],
        },
        spec: APP_POD.spec,
      },
      'apps/v1|Deployment|shop|web',
    ],
  ])('derives .TypeMeta and .DeploymentMeta for a %s', (_, workload, expected) => {
    const r = report(
      {
        owner: 'printf "%s|%s|%s|%s" .TypeMeta.APIVersion .TypeMeta.Kind .DeploymentMeta.Namespace .DeploymentMeta.Name',
        podNamespace: '.ObjectMeta.Namespace',
      },
      workload,
    );
    expect(r.owner).toBe(expected);
    expect(r.podNamespace).toBe(expected.split('|')[2]);
  });

  it('exposes the rest of the template data', () => {
    const r = report(
      {
        revision: '.Revision',
        native: '.NativeSidecars | toString',
        uid: 'printf "%d:%d" .ProxyUID .ProxyGID',
        inbound: '.InboundTrafficPolicyMode',
        trustDomain: '.MeshConfig.TrustDomain',
        compliance: 'printf "%q" .CompliancePolicy',
        podName: '.ObjectMeta.Labels.app',
        firstContainer: '(index .Spec.Containers 0).Name',
      },
      deployment(APP_POD),
      { revision: 'canary', nativeSidecars: true },
    );
    expect(r).toEqual({
      revision: 'canary',
      native: 'true',
      uid: '1337:1337',
      inbound: 'passthrough',
      trustDomain: 'cluster.local',
      compliance: '""',
      podName: 'app',
      firstContainer: 'app',
    });
  });

  it.each([
    ['values only', {}, '', 'hub.example.test/istio/proxyv2:1.30.3'],
    ['global.variant', { variant: 'distroless' }, '', 'hub.example.test/istio/proxyv2:1.30.3-distroless'],
    ['the proxyImageType annotation', { variant: 'distroless' }, 'debug', 'hub.example.test/istio/proxyv2:1.30.3-debug'],
    ['proxyImageType default', { tag: '1.30.3-distroless' }, 'default', 'hub.example.test/istio/proxyv2:1.30.3'],
    ['a numeric tag and custom image name', { tag: 1.3, proxy: { image: 'custom-proxy' } }, '', 'hub.example.test/istio/custom-proxy:1.3'],
  ])('computes .ProxyImage from %s', (_, global, imageType, expected) => {
    const pod = imageType ? { ...APP_POD, metadata: { ...APP_POD.metadata, annotations: { 'sidecar.istio.io/proxyImageType': imageType } } } : APP_POD;
    const values = JSON.stringify({ global: { ...VALUES.global, ...global } });
    expect(report({ image: '.ProxyImage' }, deployment(pod), { values }).image).toBe(expected);
  });

  it("lets the mesh config's proxy image type override global.variant", () => {
    const values = JSON.stringify({ global: { ...VALUES.global, variant: 'debug' } });
    const meshConfig = 'defaultConfig:\n  image:\n    imageType: distroless\n';
    expect(report({ image: '.ProxyImage' }, deployment(APP_POD), { values, meshConfig }).image).toBe('hub.example.test/istio/proxyv2:1.30.3-distroless');
  });

  const SIDECAR = [
    'spec:',
    '  {{- if .NativeSidecars }}',
    '  initContainers:',
    '  {{- else }}',
    '  containers:',
    '  {{- end }}',
    '  - name: istio-proxy',
    '    image: {{ .ProxyImage }}',
    '    imagePullPolicy: Always',
    '    env:',
    '    - name: ISTIO_META_CLUSTER_ID',
    '      value: {{ valueOrDefault .Values.global.multiCluster.clusterName "Kubernetes" }}',
    '    - name: LAST_FROM_TEMPLATE',
    '      value: x',
  ].join('\n');

  it('re-applies a user-declared istio-proxy over the template and records it in proxy.istio.io/overrides', () => {
    const out = run({ sidecar: SIDECAR }, deployment({ metadata: {}, spec: { containers: [{ name: 'istio-proxy', image: 'auto', imagePullPolicy: 'IfNotPresent' }] } }));
    const proxy = container(out, 'istio-proxy');
    expect(proxy.image).toBe('hub.example.test/istio/proxyv2:1.30.3');
    expect(proxy.imagePullPolicy).toBe('IfNotPresent');
    expect(annotationsOf(out)['proxy.istio.io/overrides']).toBe('{"containers":[{"name":"istio-proxy","resources":{},"imagePullPolicy":"IfNotPresent"}]}');
  });

  it('applies the post-template steps: cluster and network env, metrics merging, status, ordering', () => {
    const pod = {
      metadata: { annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9102', 'prometheus.io/path': '/metrics' } },
      spec: { containers: [{ name: 'app', image: 'app:1' }] },
    };
    const values = JSON.stringify({ global: { ...VALUES.global, network: 'net1', multiCluster: { clusterName: 'c1' } } });
    const out = run({ sidecar: SIDECAR }, deployment(pod), { values });
    const p = podOf(out);
    // The proxy goes last among containers. The cluster and network istiod resolved replace the
    // template's env and are appended, then metrics merging appends the app's scrape settings.
    expect(p.spec.containers.map((c: Obj) => c.name)).toEqual(['app', 'istio-proxy']);
    expect(container(out, 'istio-proxy').env).toEqual([
      { name: 'LAST_FROM_TEMPLATE', value: 'x' },
      { name: 'ISTIO_META_CLUSTER_ID', value: 'c1' },
      { name: 'ISTIO_META_NETWORK', value: 'net1' },
      { name: 'ISTIO_PROMETHEUS_ANNOTATIONS', value: '{"scrape":"true","path":"/metrics","port":"9102"}' },
    ]);
    expect(p.metadata.labels).toEqual({ 'topology.istio.io/network': 'net1' });
    expect(annotationsOf(out)).toEqual({
      'prometheus.io/port': '15020',
      'prometheus.io/path': '/stats/prometheus',
      'prometheus.io/scrape': 'true',
      'sidecar.istio.io/status': '{"initContainers":null,"containers":["istio-proxy"],"volumes":null,"imagePullSecrets":null,"revision":"default"}',
    });
  });

  it('puts a native sidecar first among init containers and honours holdApplicationUntilProxyStarts', () => {
    const pod = { metadata: {}, spec: { initContainers: [{ name: 'setup', image: 'setup:1' }], containers: [{ name: 'app', image: 'app:1' }] } };
    const native = podOf(run({ sidecar: SIDECAR }, deployment(pod), { nativeSidecars: true }));
    expect(native.spec.initContainers.map((c: Obj) => c.name)).toEqual(['istio-proxy', 'setup']);
    const hold = 'defaultConfig:\n  holdApplicationUntilProxyStarts: true\n';
    const held = podOf(run({ sidecar: SIDECAR }, deployment(pod), { meshConfig: hold }));
    expect(held.spec.containers.map((c: Obj) => c.name)).toEqual(['istio-proxy', 'app']);
  });

  it('leaves a pod alone when injection is not required', () => {
    const pod = { metadata: { labels: { 'sidecar.istio.io/inject': 'false' } }, spec: { containers: [{ name: 'app', image: 'app:1' }] } };
    const out = run({ sidecar: SIDECAR }, deployment(pod));
    expect(podOf(out)).toEqual(pod);
  });

  it('rejects invalid injection annotations as istiod does', () => {
    const pod = { metadata: { annotations: { 'traffic.sidecar.istio.io/excludeInboundPorts': 'http' } }, spec: { containers: [{ name: 'app', image: 'app:1' }] } };
    expect(() => run({ sidecar: SIDECAR }, deployment(pod))).toThrow(/excludeInboundPorts invalid/);
  });
});
