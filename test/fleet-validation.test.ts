/**
 * Broken fleet files: every error names file, line, column and field, all errors come at once,
 * and unknown names get a suggestion.
 */
import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../src/config/diagnostic';
import { loadFleetText } from '../src/pipeline';
import { HEADER, rejectionOf } from './support/fleet';

const errorsOf = (text: string) => rejectionOf(text);

const cases: { name: string; text: string; errors: string[] }[] = [
  {
    name: 'unknown top-level key with a suggestion',
    text: `${HEADER}defualts: {}\nclusters:\n  - name: a\n`,
    errors: ['fleet.yaml:3:1: error: defualts: unknown field "defualts"; did you mean "defaults"?'],
  },
  {
    name: 'unknown nested key in defaults',
    text: `${HEADER}defaults:\n  istoi:\n    version: "1.30.3"\nclusters:\n  - name: a\n`,
    errors: ['fleet.yaml:4:3: error: defaults.istoi: unknown field "istoi"; did you mean "istio"?'],
  },
  {
    name: 'enum value with a suggestion',
    text: `${HEADER}clusters:\n  - name: a\n    security:\n      meshMtls: STRCT\n`,
    errors: ['fleet.yaml:6:17: error: clusters[0].security.meshMtls: "STRCT" is not one of STRICT, PERMISSIVE, off; did you mean "STRICT"?'],
  },
  {
    name: 'Istio version outside the catalog',
    text: `${HEADER}clusters:\n  - name: a\n    kubernetesVersion: "1.33"\n    istio:\n      version: "1.31.0"\n`,
    errors: ['fleet.yaml:7:16: error: clusters[0].istio.version: "1.31.0" is not one of 1.28.10, 1.29.6, 1.30.3; did you mean "1.30.3"?'],
  },
  {
    name: 'unquoted Kubernetes version read as a number',
    text: `${HEADER}clusters:\n  - name: a\n    kubernetesVersion: 1.30\n`,
    errors: ['fleet.yaml:5:24: error: clusters[0].kubernetesVersion: expected a string, got the number 1.3; quote it: "1.30" (YAML reads 1.30 as 1.3)'],
  },
  {
    name: 'cluster name that is not a DNS label',
    text: `${HEADER}clusters:\n  - name: Prod_EU\n`,
    errors: ['fleet.yaml:4:11: error: clusters[0].name: must be a DNS label (lower case letters, digits and -, at most 63 characters), got "Prod_EU"'],
  },
  {
    name: 'missing cluster name and wrong kind',
    text: 'apiVersion: meshc.dev/v1alpha1\nkind: Fleets\nclusters:\n  - network: a\n',
    errors: [
      'fleet.yaml:2:7: error: kind: must be "Fleet", got "Fleets"',
      'fleet.yaml:4:5: error: clusters[0].name: missing required field "name"',
    ],
  },
  {
    name: 'empty cluster list',
    text: `${HEADER}clusters: []\n`,
    errors: ['fleet.yaml:3:11: error: clusters: must not be an empty list'],
  },
  {
    name: 'quantities and bounds',
    text: `${HEADER}clusters:\n  - name: a\n    controlPlane:\n      istiod:\n        autoscale: { min: 0 }\n        resources: { requests: { cpu: lots, memory: 2GB } }\n`,
    errors: [
      'fleet.yaml:7:27: error: clusters[0].controlPlane.istiod.autoscale.min: must be >= 1, got 0',
      'fleet.yaml:8:39: error: clusters[0].controlPlane.istiod.resources.requests.cpu: must be a CPU quantity such as 500m or 2, got "lots"',
      'fleet.yaml:8:53: error: clusters[0].controlPlane.istiod.resources.requests.memory: must be a memory quantity such as 512Mi or 2Gi, got "2GB"',
    ],
  },
  {
    name: 'Kubernetes version outside the Istio release range, supplied by defaults',
    text: `${HEADER}defaults:\n  kubernetesVersion: "1.29"\n  istio:\n    version: "1.30.3"\nclusters:\n  - name: a\n  - name: b\n    kubernetesVersion: "1.36"\n`,
    errors: [
      'fleet.yaml:4:22: error: defaults.kubernetesVersion: cluster "a": Kubernetes 1.29 is not supported by Istio 1.30.3 (supported: Kubernetes 1.32 to 1.36)',
    ],
  },
  {
    name: 'Kubernetes too new for an older Istio, on the cluster',
    text: `${HEADER}clusters:\n  - name: a\n    kubernetesVersion: "1.35"\n    istio:\n      version: "1.28.10"\n`,
    errors: [
      'fleet.yaml:5:24: error: clusters[0].kubernetesVersion: cluster "a": Kubernetes 1.35 is not supported by Istio 1.28.10 (supported: Kubernetes 1.30 to 1.34)',
      'fleet.yaml:7:16: warning: clusters[0].istio.version: cluster "a": Istio 1.28.10 is past its upstream end of life; plan an upgrade',
    ],
  },
  {
    name: 'required settings missing after merging defaults',
    text: `${HEADER}clusters:\n  - name: a\n    network: n1\n`,
    errors: [
      'fleet.yaml:4:5: error: clusters[0]: cluster "a": kubernetesVersion is required: set it on the cluster or in defaults',
      'fleet.yaml:4:5: error: clusters[0]: cluster "a": istio.version is required: set it (or istio.revisions) on the cluster or in defaults',
    ],
  },
  {
    name: 'duplicate cluster names',
    text: `${HEADER}defaults:\n  kubernetesVersion: "1.33"\n  istio: { version: "1.30.3" }\nclusters:\n  - name: a\n  - name: b\n  - name: a\n`,
    errors: ['fleet.yaml:9:11: error: clusters[2].name: duplicate cluster name "a" (first defined at line 7)'],
  },
  {
    name: 'autoscale bounds crossed after merge, and a managed env var',
    text:
      `${HEADER}defaults:\n  kubernetesVersion: "1.33"\n  istio: { version: "1.30.3" }\n  controlPlane:\n    istiod:\n      autoscale: { max: 3 }\n` +
      `clusters:\n  - name: a\n    controlPlane:\n      istiod:\n        autoscale: { min: 4 }\n        env: { CLUSTER_ID: x }\n`,
    errors: [
      'fleet.yaml:13:27: error: clusters[0].controlPlane.istiod.autoscale.min: cluster "a": istiod autoscale.min (4) is greater than autoscale.max (3)',
      'fleet.yaml:14:28: error: clusters[0].controlPlane.istiod.env.CLUSTER_ID: cluster "a": istiod env CLUSTER_ID is set by meshc from the fleet file and cannot be overridden',
    ],
  },
  {
    name: 'duplicate YAML key',
    text: `${HEADER}clusters:\n  - name: a\n    name: b\n`,
    errors: ['fleet.yaml:5:5: error: clusters[0]: duplicate key "name"'],
  },
  {
    name: 'a PEM private key anywhere in the input',
    text: `${HEADER}clusters:\n  - name: a\n    network: |\n      -----BEGIN PRIVATE KEY-----\n      MIIE\n      -----END PRIVATE KEY-----\n`,
    errors: [
      'fleet.yaml:6:7: error: clusters[0].network: a PEM private key is not allowed in the fleet file: reference secret material (existing Secret, ExternalSecret, SealedSecret) instead',
    ],
  },
];

describe('broken fleet files', () => {
  it.each(cases)('$name', ({ text, errors }) => {
    expect(errorsOf(text)).toEqual(errors);
  });

  it('reports every schema error of a file at once, in file order', () => {
    const text = `${HEADER}defaults:\n  trustDomain: Not A Domain\nclusters:\n  - name: a\n    netwrk: x\n  - name: b\n    istio: { version: 1.30 }\n`;
    const errors = errorsOf(text);
    expect(errors).toHaveLength(3);
    expect(errors.map((e) => e.split(':').slice(1, 3).join(':'))).toEqual(['4:16', '7:5', '9:23']);
  });

  it('warns, without failing, about an Istio release past end of life', () => {
    const loaded = loadFleetText('fleet.yaml', `${HEADER}clusters:\n  - name: a\n    kubernetesVersion: "1.33"\n    istio: { version: "1.28.10" }\n`);
    expect(loaded.warnings.map(formatDiagnostic)).toEqual([
      'fleet.yaml:6:23: warning: clusters[0].istio.version: cluster "a": Istio 1.28.10 is past its upstream end of life; plan an upgrade',
    ]);
    expect(loaded.fleet.clusters).toHaveLength(1);
  });
});
