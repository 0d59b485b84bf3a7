/**
 * Parity with upstream Istio: meshc's render of a default single-cluster fleet against the
 * upstream `base` and `istiod` charts rendered with default values.
 *
 * Every difference is either listed in one of the tables below, with its reason, or a failure.
 * docs/upstream-differences.md is the user-facing copy of these tables; the last test keeps the
 * two in step.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { byId, getPath, idOf, withoutArgoCd } from './support/manifest-ids';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { loadFleetText } from '../src/pipeline';
import { renderClusterObjects } from '../src/render/render';
import { SHARED_DIR, sharedAvailable } from './support/crd-validator';

const ISTIO_VERSION = '1.30.3';
const CLUSTER = 'one';
const FLEET = `apiVersion: meshc.dev/v1alpha1
kind: Fleet
clusters:
  - name: ${CLUSTER}
    kubernetesVersion: "1.33"
    istio: { version: "${ISTIO_VERSION}" }
`;
const REFERENCE_DIR = path.join(SHARED_DIR, 'reference', ISTIO_VERSION, 'default');
const REFERENCE_FILES = ['base.yaml', 'istiod.yaml'];
const DOC = path.resolve(__dirname, '..', 'docs', 'upstream-differences.md');
const INJECTOR_CONFIGMAP = 'ConfigMap istio-system/istio-sidecar-injector';

// ---------------------------------------------------------------------------------------------
// Deliberate differences. Object ids are `<Kind> <namespace>/<name>`, or `<Kind> <name>` for
// cluster-scoped objects.
// ---------------------------------------------------------------------------------------------

/** Objects meshc renders that upstream's default install does not. */
const ONLY_IN_MESHC: Readonly<Record<string, string>> = {
  'Namespace istio-system':
    'In GitOps the control-plane namespace is part of the desired state; the Helm charts expect it to exist already. ' +
    'meshc labels it to enforce the restricted Pod Security Standard.',
  'PeerAuthentication istio-system/default':
    'Secure by default: mesh-wide STRICT mTLS (`security.meshMtls`, default `STRICT`; `off` renders none).',
};

const GATEWAY_CONTROLLER_OFF =
  'The rights of istiod\'s Gateway API deployment controller (Deployments, Services, ServiceAccounts, HPAs, PDBs in every namespace), ' +
  'which meshc turns off: it deploys a gateway per Gateway API Gateway with a `kube-gateway` injection template meshc does not have. ' +
  'Upstream omits them too when the controller is off.';

/** Objects upstream's default install renders that meshc does not. */
const ONLY_IN_UPSTREAM: Readonly<Record<string, string>> = {
  'ConfigMap istio-system/values':
    'A Helm debugging artefact: a copy of the chart values used for the render. Nothing reads it, and without Helm it describes nothing.',
  'ClusterRole istiod-gateway-controller-istio-system': GATEWAY_CONTROLLER_OFF,
  'ClusterRoleBinding istiod-gateway-controller-istio-system': GATEWAY_CONTROLLER_OFF,
};

interface ValueDifference {
  readonly object: string;
  /** Path into the object's key fields (see keyFields()). */
  readonly field: readonly string[];
  /** undefined: not set. */
  readonly upstream: unknown;
  readonly meshc: unknown;
  readonly why: string;
}

const FAIL_POLICY_WHY =
  'Upstream renders `Ignore` and istiod patches it to `Fail` once it serves the webhook; a GitOps agent would revert that ' +
  'patch on every sync, forever. meshc renders the final state.';
const RESTRICTED_WHY =
  'The control-plane namespace enforces the restricted Pod Security Standard, which requires a seccomp profile; ' +
  'upstream leaves it to the node default, which is often Unconfined.';

/** Key-field values that deliberately differ; the test asserts each difference is exactly this. */
const VALUE_DIFFERENCES: readonly ValueDifference[] = [
  {
    object: 'ValidatingWebhookConfiguration istio-validator-istio-system',
    field: ['webhooks', 'rev.validation.istio.io', 'failurePolicy'],
    upstream: 'Ignore',
    meshc: 'Fail',
    why: FAIL_POLICY_WHY,
  },
  {
    object: 'ValidatingWebhookConfiguration istiod-default-validator',
    field: ['webhooks', 'validation.istio.io', 'failurePolicy'],
    upstream: 'Ignore',
    meshc: 'Fail',
    why: FAIL_POLICY_WHY,
  },
  {
    object: 'Deployment istio-system/istiod',
    field: ['containers', 'discovery', 'env', 'CLUSTER_ID'],
    upstream: { value: 'Kubernetes' },
    meshc: { value: CLUSTER },
    why: 'Clusters of one fleet need distinct cluster ids to share a mesh; meshc uses the cluster name. Upstream defaults every cluster to `Kubernetes`.',
  },
  {
    object: INJECTOR_CONFIGMAP,
    field: ['data', 'values', 'global', 'multiCluster', 'clusterName'],
    upstream: '',
    meshc: CLUSTER,
    why: 'The same cluster id, for the proxies (`ISTIO_META_CLUSTER_ID`); upstream leaves it empty and the templates fall back to `Kubernetes`.',
  },
  {
    object: INJECTOR_CONFIGMAP,
    field: ['data', 'values', 'global', 'proxy', 'seccompProfile'],
    upstream: {},
    meshc: { type: 'RuntimeDefault' },
    why: 'Injected proxies get the RuntimeDefault seccomp profile, as the restricted Pod Security Standard requires (`sidecar.seccompProfile`, set `unset` for upstream\'s behaviour).',
  },
  {
    object: 'Deployment istio-system/istiod',
    field: ['containers', 'discovery', 'env', 'BLOCKED_CIDRS_IN_JWKS_URIS'],
    upstream: undefined,
    meshc: { value: '0.0.0.0/8,127.0.0.0/8,169.254.0.0/16,::/128,::1/128,fe80::/10' },
    why:
      'istiod fetches the signing keys of every RequestAuthentication issuer from wherever its URL resolves; unrestricted, a ' +
      'policy author can make istiod request its own host or the cloud metadata endpoint. meshc blocks the ranges a key URL ' +
      'never legitimately points at (`controlPlane.istiod.jwksBlockedCIDRs`; empty for upstream\'s behaviour).',
  },
  {
    object: 'Deployment istio-system/istiod',
    field: ['containers', 'discovery', 'env', 'PILOT_ENABLE_GATEWAY_API_DEPLOYMENT_CONTROLLER'],
    upstream: undefined,
    meshc: { value: 'false' },
    why: GATEWAY_CONTROLLER_OFF,
  },
  {
    object: 'Deployment istio-system/istiod',
    field: ['securityContext'],
    upstream: undefined,
    meshc: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
    why: RESTRICTED_WHY,
  },
  {
    object: 'Deployment istio-system/istiod',
    field: ['containers', 'discovery', 'securityContext', 'seccompProfile'],
    upstream: undefined,
    meshc: { type: 'RuntimeDefault' },
    why: RESTRICTED_WHY,
  },
];

/** ConfigMap data keys present on both sides that cannot be compared, and why. */
const DATA_NOT_COMPARED: Readonly<Record<string, string>> = {
  config:
    'The injection policy and templates. The reference has upstream\'s templates removed; meshc writes its own, and ' +
    'test/injection-golden.test.ts proves they inject what upstream injects.',
};

/**
 * The injector `values` are compared on the keys meshc renders: meshc carries exactly the keys
 * its own templates (and istiod's image selection) read, which test/injection-golden.test.ts
 * enforces; upstream copies every global value of its chart, including switches that only steer
 * the chart. Every key meshc renders must exist upstream with the same value.
 */
function projectOnto(upstreamValue: unknown, meshcValue: unknown): unknown {
  const isObject = (v: unknown): v is Manifest => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(meshcValue) || Object.keys(meshcValue).length === 0 || !isObject(upstreamValue)) return upstreamValue;
  return Object.fromEntries(Object.keys(meshcValue).map((k) => [k, projectOnto(upstreamValue[k], meshcValue[k])]));
}

interface LabelDifference {
  readonly label: string;
  /** Upstream's value; null: varies by object. */
  readonly upstream: string | null;
  /** meshc's value; undefined: not set. */
  readonly meshc: string | undefined;
  readonly why: string;
}

/**
 * Labels that differ wherever upstream sets them (object and pod template labels). Every other
 * label, Istio's own included, must be equal.
 */
const LABEL_DIFFERENCES: readonly LabelDifference[] = [
  {
    label: 'app.kubernetes.io/managed-by',
    upstream: 'Helm',
    meshc: 'meshc',
    why: 'Names the tool that owns the object, so nobody edits it by hand or with Helm.',
  },
  {
    label: 'app.kubernetes.io/version',
    upstream: null,
    meshc: ISTIO_VERSION,
    why: 'The Istio release the object belongs to; upstream puts the chart version there.',
  },
  { label: 'app.kubernetes.io/instance', upstream: null, meshc: undefined, why: 'The Helm release name; there is no Helm release.' },
  { label: 'release', upstream: null, meshc: undefined, why: 'The Helm release name again.' },
  { label: 'helm.sh/chart', upstream: null, meshc: undefined, why: 'The Helm chart and its version; there is no chart.' },
  {
    label: 'install.operator.istio.io/owning-resource',
    upstream: 'unknown',
    meshc: undefined,
    why: 'Bookkeeping of `istioctl install`: the IstioOperator resource owning the object. meshc objects are owned by the fleet file.',
  },
];

// ---------------------------------------------------------------------------------------------
// Loading both renders.
// ---------------------------------------------------------------------------------------------

// Manifests are walked field by field; a loose type keeps the extractors short.
type Manifest = Record<string, any>;


let loaded: { upstream: Map<string, Manifest>; meshc: Map<string, Manifest> } | undefined;

/** Both renders, loaded on first use so that a missing reference fails a test instead of the whole file. */
function renders(): { upstream: Map<string, Manifest>; meshc: Map<string, Manifest> } {
  if (loaded) return loaded;
  const upstreamDocs: Manifest[] = [];
  for (const file of REFERENCE_FILES) {
    for (const doc of parseAllDocuments(readFileSync(path.join(REFERENCE_DIR, file), 'utf8'))) {
      if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0].message}`);
      const m = doc.toJS() as Manifest | null;
      if (m) upstreamDocs.push(m);
    }
  }
  const { fleet } = loadFleetText('mesh.yaml', FLEET);
  // The gateways are upstream's `gateway` chart, compared with its render in gateways-upstream.test.ts.
  // The post-sync Job is meshc's own, with no upstream counterpart (docs/lifecycle.md).
  const meshcDocs = renderClusterObjects(fleet.clusters[0])
    .filter((o) => o.layer !== 'gateways' && o.layer !== 'post-sync')
    .map((o) => o.manifest as Manifest);
  loaded = { upstream: byId(upstreamDocs, 'upstream'), meshc: byId(meshcDocs, 'meshc') };
  return loaded;
}

function commonIds(): string[] {
  const { upstream, meshc } = renders();
  return [...upstream.keys()].filter((id) => meshc.has(id)).sort();
}

// ---------------------------------------------------------------------------------------------
// Key fields: what makes an object behave, extracted per kind so that a failure shows the field.
// ---------------------------------------------------------------------------------------------

/** Labels and annotations Istio itself reads; other metadata is bookkeeping (see LABEL_DIFFERENCES). */
const ISTIO_LABELS = ['app', 'istio', 'istio.io/rev', 'operator.istio.io/component'];
const ISTIO_POD_LABELS = [...ISTIO_LABELS, 'sidecar.istio.io/inject', 'istio.io/dataplane-mode'];

function pick(map: Record<string, string> | undefined, keys: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of keys) if (map?.[key] !== undefined) out[key] = map[key];
  return out;
}

/** A list of named entries as a map by name, so that failures name the entry, not its index. */
function byName<R>(items: readonly Manifest[] | undefined, fields: (item: Manifest) => R): Record<string, R> {
  const out: Record<string, R> = {};
  for (const item of items ?? []) {
    const name = item.name as string;
    if (name in out) throw new Error(`"${name}" appears twice`);
    out[name] = fields(item);
  }
  return out;
}

function withoutName(item: Manifest): Manifest {
  const rest = { ...item };
  delete rest.name;
  return rest;
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * RBAC rules compared as sets: inside each rule every list (apiGroups, resources, verbs,
 * resourceNames, nonResourceURLs) is sorted, then the rules are sorted by their JSON. The API
 * server grants the union of the rules, so neither order carries meaning. Rules are not merged
 * or split: a grant spread over different rules is still a difference.
 */
function normalizedRules(rules: readonly Manifest[] | undefined): Manifest[] {
  return (rules ?? [])
    .map((rule) =>
      Object.fromEntries(
        Object.entries(rule)
          .map(([key, value]): [string, unknown] => [key, Array.isArray(value) ? [...(value as string[])].sort(compare) : value])
          .sort(([a], [b]) => compare(a, b)),
      ),
    )
    .sort((a, b) => compare(JSON.stringify(a), JSON.stringify(b)));
}

function containerFields(c: Manifest): Manifest {
  return {
    image: c.image,
    imagePullPolicy: c.imagePullPolicy,
    command: c.command,
    args: c.args,
    ports: (c.ports ?? []).map((p: Manifest) => ({ name: p.name, containerPort: p.containerPort, protocol: p.protocol })),
    env: byName(c.env, withoutName),
    envFrom: c.envFrom,
    resources: c.resources,
    readinessProbe: c.readinessProbe,
    livenessProbe: c.livenessProbe,
    startupProbe: c.startupProbe,
    securityContext: c.securityContext,
    volumeMounts: byName(c.volumeMounts, withoutName),
  };
}

function podFields(template: Manifest): Manifest {
  const spec = template.spec as Manifest;
  return {
    podLabels: pick(template.metadata?.labels, ISTIO_POD_LABELS),
    podAnnotations: template.metadata?.annotations,
    serviceAccountName: spec.serviceAccountName,
    securityContext: spec.securityContext,
    tolerations: spec.tolerations,
    nodeSelector: spec.nodeSelector,
    affinity: spec.affinity,
    topologySpreadConstraints: spec.topologySpreadConstraints,
    priorityClassName: spec.priorityClassName,
    volumes: byName(spec.volumes, withoutName),
    initContainers: byName(spec.initContainers, containerFields),
    containers: byName(spec.containers, containerFields),
  };
}

function webhookFields(m: Manifest): Manifest {
  const webhooks = (m.webhooks ?? []) as Manifest[];
  return {
    webhookNames: webhooks.map((w) => w.name as string).sort(compare),
    webhooks: byName(webhooks, (w) => ({
      clientConfig: w.clientConfig,
      rules: w.rules,
      namespaceSelector: w.namespaceSelector,
      objectSelector: w.objectSelector,
      matchConditions: w.matchConditions,
      matchPolicy: w.matchPolicy,
      sideEffects: w.sideEffects,
      timeoutSeconds: w.timeoutSeconds,
      admissionReviewVersions: w.admissionReviewVersions,
      reinvocationPolicy: w.reinvocationPolicy,
      failurePolicy: w.failurePolicy,
    })),
  };
}

/** How each ConfigMap key is read: as the structure istiod parses it, not as text. */
const DATA_FORMATS: Readonly<Record<string, (text: string) => unknown>> = {
  mesh: (text) => parse(text),
  meshNetworks: (text) => parse(text),
  values: (text) => JSON.parse(text),
};

function configMapFields(m: Manifest): Manifest {
  const data = (m.data ?? {}) as Record<string, string>;
  const parsed: Record<string, unknown> = {};
  for (const [key, text] of Object.entries(data)) {
    if (key in DATA_NOT_COMPARED) continue;
    const format = DATA_FORMATS[key];
    if (!format) throw new Error(`${idOf(m)}: no format known for data key "${key}"`);
    parsed[key] = format(text);
  }
  return { dataKeys: Object.keys(data).sort(compare), data: parsed };
}

const bindingFields = (m: Manifest): Manifest => ({ roleRef: m.roleRef, subjects: m.subjects });
const roleFields = (m: Manifest): Manifest => ({ rules: normalizedRules(m.rules), aggregationRule: m.aggregationRule });

const KEY_FIELDS: Readonly<Record<string, (m: Manifest) => Manifest>> = {
  ServiceAccount: (m) => ({ automountServiceAccountToken: m.automountServiceAccountToken, imagePullSecrets: m.imagePullSecrets }),
  ConfigMap: configMapFields,
  ClusterRole: roleFields,
  Role: roleFields,
  ClusterRoleBinding: bindingFields,
  RoleBinding: bindingFields,
  Service: (m) => ({
    type: m.spec.type,
    selector: m.spec.selector,
    ports: (m.spec.ports ?? []).map((p: Manifest) => ({
      name: p.name,
      port: p.port,
      targetPort: p.targetPort,
      protocol: p.protocol,
      appProtocol: p.appProtocol,
    })),
  }),
  Deployment: (m) => ({
    replicas: m.spec.replicas,
    selector: m.spec.selector,
    strategy: m.spec.strategy,
    ...podFields(m.spec.template),
  }),
  HorizontalPodAutoscaler: (m) => ({ spec: m.spec }),
  PodDisruptionBudget: (m) => ({ spec: m.spec }),
  MutatingWebhookConfiguration: webhookFields,
  ValidatingWebhookConfiguration: webhookFields,
};

function keyFields(m: Manifest): Manifest {
  const extract = KEY_FIELDS[m.kind as string];
  if (!extract) throw new Error(`${idOf(m)}: no key fields defined for kind ${m.kind}; add an extractor to compare it`);
  return {
    apiVersion: m.apiVersion,
    labels: pick(m.metadata.labels, ISTIO_LABELS),
    annotations: withoutArgoCd(m.metadata.annotations),
    ...extract(m),
  };
}

function setPath(value: Manifest, field: readonly string[], to: unknown): void {
  let cur: Manifest = value;
  for (const key of field.slice(0, -1)) {
    if (cur[key] === undefined) cur[key] = {};
    cur = cur[key] as Manifest;
  }
  cur[field[field.length - 1]] = to;
}

const clone = <T>(value: T): T => structuredClone(value);

// ---------------------------------------------------------------------------------------------

describe('parity with upstream Istio ' + ISTIO_VERSION + ' (default install)', () => {
  it('has the upstream reference render available', () => {
    expect(sharedAvailable()).toBe(true);
    for (const file of REFERENCE_FILES) expect(existsSync(path.join(REFERENCE_DIR, file)), file).toBe(true);
  });

  it('renders the same objects, apart from the listed ones', () => {
    const { upstream, meshc } = renders();
    const onlyMeshc = [...meshc.keys()].filter((id) => !upstream.has(id)).sort();
    const onlyUpstream = [...upstream.keys()].filter((id) => !meshc.has(id)).sort();
    expect(onlyMeshc).toEqual(Object.keys(ONLY_IN_MESHC).sort());
    expect(onlyUpstream).toEqual(Object.keys(ONLY_IN_UPSTREAM).sort());
  });

  it('lists each deliberate value difference exactly as it is', () => {
    const { upstream, meshc } = renders();
    for (const d of VALUE_DIFFERENCES) {
      const where = `${d.object}: ${d.field.join('.')}`;
      expect(upstream.has(d.object) && meshc.has(d.object), `${where}: object missing on one side`).toBe(true);
      expect(getPath(keyFields(upstream.get(d.object)!), d.field), `${where} (upstream)`).toEqual(d.upstream);
      expect(getPath(keyFields(meshc.get(d.object)!), d.field), `${where} (meshc)`).toEqual(d.meshc);
    }
  });

  it('renders only injector values upstream renders too, with upstream\'s values', () => {
    const { upstream, meshc } = renders();
    const upstreamValues = keyFields(upstream.get(INJECTOR_CONFIGMAP)!).data.values as Manifest;
    const meshcFields = keyFields(meshc.get(INJECTOR_CONFIGMAP)!);
    for (const d of VALUE_DIFFERENCES.filter((v) => v.object === INJECTOR_CONFIGMAP)) setPath(meshcFields, d.field, clone(d.upstream));
    const meshcValues = meshcFields.data.values as Manifest;
    const missing: string[] = [];
    const walk = (u: unknown, m: unknown, path: string) => {
      if (u === undefined) missing.push(path);
      else if (m && typeof m === 'object' && !Array.isArray(m)) {
        for (const [k, v] of Object.entries(m)) walk((u as Manifest)[k], v, path ? `${path}.${k}` : k);
      }
    };
    walk(upstreamValues, meshcValues, '');
    expect(Object.keys(meshcValues).length).toBeGreaterThan(0);
    expect(missing).toEqual([]);
  });

  it('agrees on the key fields of every object both render', () => {
    const { upstream, meshc } = renders();
    for (const id of commonIds()) {
      const expected = keyFields(upstream.get(id)!);
      const actual = keyFields(meshc.get(id)!);
      for (const d of VALUE_DIFFERENCES.filter((v) => v.object === id)) setPath(actual, d.field, clone(d.upstream));
      if (id === INJECTOR_CONFIGMAP) expected.data.values = projectOnto(expected.data.values, actual.data.values);
      expect.soft(actual, id).toEqual(expected);
    }
  });

  it('differs in labels only as listed', () => {
    const { upstream, meshc } = renders();
    const expectedLabels = (where: string, labels: Record<string, string> | undefined): Record<string, string> => {
      const out = { ...labels };
      for (const d of LABEL_DIFFERENCES) {
        if (!(d.label in out)) continue;
        if (d.upstream !== null) expect(out[d.label], `${where}: upstream ${d.label}`).toBe(d.upstream);
        if (d.meshc === undefined) delete out[d.label];
        else out[d.label] = d.meshc;
      }
      return out;
    };
    for (const id of commonIds()) {
      const u = upstream.get(id)!;
      const m = meshc.get(id)!;
      expect.soft(m.metadata.labels, `${id} labels`).toEqual(expectedLabels(id, u.metadata.labels));
      const template = u.spec?.template as Manifest | undefined;
      if (template) {
        expect.soft(m.spec.template.metadata.labels, `${id} pod template labels`).toEqual(
          expectedLabels(`${id} pod template`, template.metadata?.labels),
        );
      }
    }
  });

  it('documents every deliberate difference in docs/upstream-differences.md', () => {
    const doc = readFileSync(DOC, 'utf8');
    const mentions = [
      ...Object.keys(ONLY_IN_MESHC),
      ...Object.keys(ONLY_IN_UPSTREAM),
      ...VALUE_DIFFERENCES.flatMap((d) => [d.object, d.field.join('.')]),
      ...Object.keys(DATA_NOT_COMPARED),
      ...LABEL_DIFFERENCES.map((d) => d.label),
    ];
    expect(mentions.filter((text) => !doc.includes(`\`${text}\``))).toEqual([]);
  });
});
