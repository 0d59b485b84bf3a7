/**
 * Parity with upstream Istio's `gateway` chart: meshc's default ingress gateway against the chart
 * rendered with default values as release `istio-ingressgateway` in `istio-ingress`.
 *
 * Every difference is either listed below, with its reason, or a failure; the "Gateways" section
 * of docs/upstream-differences.md is the user-facing copy of these lists.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { byId, getPath, idOf, withoutArgoCd } from './support/manifest-ids';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { gatewayConfigHash } from '../src/gateways/topology';
import { loadFleetText } from '../src/pipeline';
import { renderClusterObjects } from '../src/render/render';
import { SHARED_DIR, sharedAvailable } from './support/crd-validator';

const ISTIO_VERSION = '1.30.3';
const FLEET = `apiVersion: meshc.dev/v1alpha1
kind: Fleet
clusters:
  - name: one
    kubernetesVersion: "1.33"
    istio: { version: "${ISTIO_VERSION}" }
`;
const REFERENCE = path.join(SHARED_DIR, 'reference', ISTIO_VERSION, 'default', 'gateway.yaml');
const DOC = path.resolve(__dirname, '..', 'docs', 'upstream-differences.md');
const DEPLOYMENT = 'Deployment istio-ingress/istio-ingressgateway';

type Manifest = Record<string, any>;

// ---------------------------------------------------------------------------------------------
// Deliberate differences. Object ids are `<Kind> <namespace>/<name>`, or `<Kind> <name>`.
// ---------------------------------------------------------------------------------------------

const ONLY_IN_MESHC: Readonly<Record<string, string>> = {
  'Namespace istio-ingress':
    'In GitOps the gateway\'s namespace is part of the desired state; the chart expects it to exist. meshc labels it to enforce ' +
    'the restricted Pod Security Standard, which the gateway pods meet.',
  'PodDisruptionBudget istio-ingress/istio-ingressgateway':
    'The chart renders a budget only when given one. meshc always allows one unavailable pod: a node drain never empties a ' +
    'gateway of several replicas and never blocks on a single one; unhealthy pods never hold a drain up.',
};

const ONLY_IN_UPSTREAM: Readonly<Record<string, string>> = {};

interface ValueDifference {
  readonly object: string;
  readonly field: readonly string[];
  readonly upstream: unknown;
  readonly meshc: unknown;
  readonly why: string;
}

const RESTRICTED_WHY =
  'The gateway namespace enforces the restricted Pod Security Standard, which requires it; upstream leaves it to the node default, ' +
  'which is often Unconfined.';

const VALUE_DIFFERENCES: readonly ValueDifference[] = [
  {
    object: 'Service istio-ingress/istio-ingressgateway',
    field: ['ports', 'status-port', 'appProtocol'],
    upstream: undefined,
    meshc: 'tcp',
    why: 'The name `status-port` names no protocol, so Istio would guess it and `istioctl validate` rejects the Service. ' +
      '`tcp`, not `http`: some cloud load balancers probe `/` over HTTP for an HTTP port, a path the health endpoint does not serve.',
  },
  {
    object: DEPLOYMENT,
    field: ['strategy'],
    upstream: undefined,
    meshc: { rollingUpdate: { maxSurge: '100%', maxUnavailable: 0 } },
    why: 'A rollout starts every new pod before it stops an old one, so the gateway never serves with less capacity (`rollout`). ' +
      'Upstream leaves Kubernetes\' 25% / 25%, which takes a quarter of the pods away while they are replaced.',
  },
  {
    object: DEPLOYMENT,
    field: ['topologySpreadConstraints'],
    upstream: undefined,
    meshc: ['kubernetes.io/hostname', 'topology.kubernetes.io/zone'].map((topologyKey) => ({
      labelSelector: { matchLabels: { app: 'istio-ingressgateway', istio: 'ingressgateway' } },
      maxSkew: 1,
      topologyKey,
      whenUnsatisfiable: 'ScheduleAnyway',
    })),
    why: 'Replicas spread across nodes and zones, so one node or zone failing never takes the whole gateway down (`topologySpread`); ' +
      'ScheduleAnyway keeps small clusters working.',
  },
  {
    object: DEPLOYMENT,
    field: ['securityContext', 'runAsNonRoot'],
    upstream: undefined,
    meshc: true,
    why: 'Restricted at the pod level too, as the restricted Pod Security Standard expects; every container already runs as non-root upstream.',
  },
  { object: DEPLOYMENT, field: ['securityContext', 'seccompProfile'], upstream: undefined, meshc: { type: 'RuntimeDefault' }, why: RESTRICTED_WHY },
  {
    object: DEPLOYMENT,
    field: ['containers', 'istio-proxy', 'securityContext', 'seccompProfile'],
    upstream: undefined,
    meshc: { type: 'RuntimeDefault' },
    why: RESTRICTED_WHY,
  },
  {
    object: DEPLOYMENT,
    field: ['podAnnotations', 'meshc.dev/gateway-config-hash'],
    upstream: undefined,
    meshc: gatewayConfigHash({ numTrustedProxies: 0, proxyProtocol: false }),
    why: 'Hash of the settings Envoy reads only at start (`numTrustedProxies`, `forwardClientCertDetails`, `proxyProtocol`); ' +
      'changing them, even mesh-wide, rolls the gateway instead of leaving running pods on the old values.',
  },
];

interface LabelDifference {
  readonly label: string;
  readonly upstream: string | null;
  readonly meshc: string | undefined;
  readonly why: string;
}

const LABEL_DIFFERENCES: readonly LabelDifference[] = [
  { label: 'app.kubernetes.io/managed-by', upstream: 'Helm', meshc: 'meshc', why: 'Names the tool that owns the object.' },
  { label: 'app.kubernetes.io/version', upstream: '1.0.0', meshc: ISTIO_VERSION, why: 'The Istio release instead of the chart version.' },
  { label: 'app.kubernetes.io/instance', upstream: 'istio-ingressgateway', meshc: undefined, why: 'The Helm release; there is none.' },
  { label: 'helm.sh/chart', upstream: 'gateway-1.0.0', meshc: undefined, why: 'The Helm chart; there is none.' },
];

// ---------------------------------------------------------------------------------------------


let loaded: { upstream: Map<string, Manifest>; meshc: Map<string, Manifest> } | undefined;

/** Loaded on first use, so that a missing reference fails the tests rather than the file. */
function renders(): { upstream: Map<string, Manifest>; meshc: Map<string, Manifest> } {
  if (loaded) return loaded;
  const upstreamDocs: Manifest[] = [];
  for (const doc of parseAllDocuments(readFileSync(REFERENCE, 'utf8'))) {
    if (doc.errors.length > 0) throw new Error(`gateway.yaml: ${doc.errors[0].message}`);
    const m = doc.toJS() as Manifest | null;
    if (m) upstreamDocs.push(m);
  }
  const { fleet } = loadFleetText('mesh.yaml', FLEET);
  const gateways = renderClusterObjects(fleet.clusters[0]).filter((o) => o.layer === 'gateways');
  loaded = { upstream: byId(upstreamDocs, 'upstream'), meshc: byId(gateways.map((o) => o.manifest as Manifest), 'meshc') };
  return loaded;
}

// ---------------------------------------------------------------------------------------------
// Key fields: what makes each object behave.
// ---------------------------------------------------------------------------------------------

const ISTIO_LABELS = ['app', 'istio', 'istio.io/rev', 'istio.io/dataplane-mode'];
const ISTIO_POD_LABELS = [...ISTIO_LABELS, 'sidecar.istio.io/inject'];

function pick(map: Record<string, string> | undefined, keys: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of keys) if (map?.[key] !== undefined) out[key] = map[key];
  return out;
}

function byName<R>(items: readonly Manifest[] | null | undefined, fields: (item: Manifest) => R): Record<string, R> {
  const out: Record<string, R> = {};
  for (const item of items ?? []) {
    if (item.name in out) throw new Error(`"${item.name}" appears twice`);
    out[item.name] = fields(item);
  }
  return out;
}

function withoutName(item: Manifest): Manifest {
  const rest = { ...item };
  delete rest.name;
  return rest;
}

/** `annotations: {}` and no annotations mean the same. */
const nonEmpty = (map: Record<string, string> | undefined) => (map && Object.keys(map).length > 0 ? map : undefined);

function containerFields(c: Manifest): Manifest {
  return {
    image: c.image,
    imagePullPolicy: c.imagePullPolicy,
    command: c.command,
    args: c.args,
    ports: (c.ports ?? []).map((p: Manifest) => ({ name: p.name, containerPort: p.containerPort, protocol: p.protocol })),
    env: byName(c.env, withoutName),
    resources: c.resources,
    readinessProbe: c.readinessProbe,
    livenessProbe: c.livenessProbe,
    startupProbe: c.startupProbe,
    securityContext: c.securityContext,
    volumeMounts: byName(c.volumeMounts, withoutName),
  };
}

const KEY_FIELDS: Readonly<Record<string, (m: Manifest) => Manifest>> = {
  ServiceAccount: (m) => ({ automountServiceAccountToken: m.automountServiceAccountToken, imagePullSecrets: m.imagePullSecrets }),
  Role: (m) => ({ rules: m.rules }),
  RoleBinding: (m) => ({ roleRef: m.roleRef, subjects: m.subjects }),
  Service: (m) => ({
    type: m.spec.type,
    selector: m.spec.selector,
    externalTrafficPolicy: m.spec.externalTrafficPolicy,
    loadBalancerSourceRanges: m.spec.loadBalancerSourceRanges,
    ports: byName(m.spec.ports, (p) => ({ port: p.port, targetPort: p.targetPort, protocol: p.protocol, nodePort: p.nodePort, appProtocol: p.appProtocol })),
  }),
  Deployment: (m) => {
    const template = m.spec.template as Manifest;
    const spec = template.spec as Manifest;
    return {
      replicas: m.spec.replicas,
      selector: m.spec.selector,
      strategy: m.spec.strategy,
      podLabels: pick(template.metadata?.labels, ISTIO_POD_LABELS),
      podAnnotations: template.metadata?.annotations,
      serviceAccountName: spec.serviceAccountName,
      securityContext: spec.securityContext,
      tolerations: spec.tolerations,
      nodeSelector: spec.nodeSelector,
      affinity: spec.affinity,
      topologySpreadConstraints: spec.topologySpreadConstraints,
      priorityClassName: spec.priorityClassName,
      terminationGracePeriodSeconds: spec.terminationGracePeriodSeconds,
      volumes: byName(spec.volumes, withoutName),
      initContainers: byName(spec.initContainers, containerFields),
      containers: byName(spec.containers, containerFields),
    };
  },
  HorizontalPodAutoscaler: (m) => ({ spec: m.spec }),
};

function keyFields(m: Manifest): Manifest {
  const extract = KEY_FIELDS[m.kind as string];
  if (!extract) throw new Error(`${idOf(m)}: no key fields defined for kind ${m.kind}; add an extractor to compare it`);
  return { apiVersion: m.apiVersion, labels: pick(m.metadata.labels, ISTIO_LABELS), annotations: nonEmpty(withoutArgoCd(m.metadata.annotations)), ...extract(m) };
}

/** Puts upstream's value back in place of a listed difference; undefined removes the field. */
function restore(value: Manifest, field: readonly string[], to: unknown): void {
  let cur: Manifest = value;
  for (const key of field.slice(0, -1)) {
    if (cur[key] === undefined) cur[key] = {};
    cur = cur[key] as Manifest;
  }
  const last = field[field.length - 1];
  if (to === undefined) delete cur[last];
  else cur[last] = structuredClone(to);
}

/** Drops keys whose value is undefined, so that an absent field and an unset one compare equal. */
function defined(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(defined);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value as Manifest)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, defined(v)]),
  );
}

// ---------------------------------------------------------------------------------------------

describe(`parity with upstream Istio ${ISTIO_VERSION}'s gateway chart (default ingress gateway)`, () => {
  it('has the upstream reference render available', () => {
    expect(sharedAvailable()).toBe(true);
    expect(existsSync(REFERENCE), REFERENCE).toBe(true);
  });

  it('renders the same objects, apart from the listed ones', () => {
    const { upstream, meshc } = renders();
    expect([...meshc.keys()].filter((id) => !upstream.has(id)).sort()).toEqual(Object.keys(ONLY_IN_MESHC).sort());
    expect([...upstream.keys()].filter((id) => !meshc.has(id)).sort()).toEqual(Object.keys(ONLY_IN_UPSTREAM).sort());
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

  it('agrees on the key fields of every object both render', () => {
    const { upstream, meshc } = renders();
    const common = [...upstream.keys()].filter((id) => meshc.has(id)).sort();
    expect(common.length).toBeGreaterThan(0);
    for (const id of common) {
      const actual = keyFields(meshc.get(id)!);
      for (const d of VALUE_DIFFERENCES.filter((v) => v.object === id)) restore(actual, d.field, d.upstream);
      expect.soft(defined(actual), id).toEqual(defined(keyFields(upstream.get(id)!)));
    }
  });

  it('differs in labels only as listed', () => {
    const { upstream, meshc } = renders();
    const seen = new Set<string>();
    const expectedLabels = (where: string, labels: Record<string, string> | undefined): Record<string, string> => {
      const out = { ...labels };
      for (const d of LABEL_DIFFERENCES) {
        if (!(d.label in out)) continue;
        seen.add(d.label);
        if (d.upstream !== null) expect(out[d.label], `${where}: upstream ${d.label}`).toBe(d.upstream);
        if (d.meshc === undefined) delete out[d.label];
        else out[d.label] = d.meshc;
      }
      return out;
    };
    for (const id of [...upstream.keys()].filter((k) => meshc.has(k))) {
      const u = upstream.get(id)!;
      const m = meshc.get(id)!;
      expect.soft(m.metadata.labels, `${id} labels`).toEqual(expectedLabels(id, u.metadata.labels));
      if (u.spec?.template) {
        expect.soft(m.spec.template.metadata.labels, `${id} pod template labels`).toEqual(
          expectedLabels(`${id} pod template`, u.spec.template.metadata?.labels),
        );
      }
    }
    // Every listed label difference occurs, so the list never outlives the chart.
    expect([...seen].sort()).toEqual(LABEL_DIFFERENCES.map((d) => d.label).sort());
  });

  it('documents every deliberate difference in docs/upstream-differences.md', () => {
    const doc = readFileSync(DOC, 'utf8');
    const mentions = [
      ...Object.keys(ONLY_IN_MESHC),
      ...Object.keys(ONLY_IN_UPSTREAM),
      ...VALUE_DIFFERENCES.flatMap((d) => [d.object, d.field.join('.')]),
      ...LABEL_DIFFERENCES.map((d) => d.label),
    ];
    expect(mentions.filter((text) => !doc.includes(`\`${text}\``))).toEqual([]);
  });
});
