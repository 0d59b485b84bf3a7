/**
 * Broken Istio CNI settings: each error names file, line, column and field, and comes from the
 * place that supplied the value, the cluster entry or `defaults`.
 */
import { describe, expect, it } from 'vitest';
import { loadFleetText } from '../src/pipeline';
import { HEADER, rejectionOf } from './support/fleet';

const errorsOf = (text: string) => rejectionOf(text);

/** One cluster, CNI on; `cni` is YAML inside `cni:` from line 9 on, indented by six spaces. */
const cluster = (cni: string) => `${HEADER}clusters:\n  - name: a\n    kubernetesVersion: "1.33"\n    istio: { version: "1.30.3" }\n    cni:\n      enabled: true\n${cni}`;

const cases: { name: string; text: string; errors: string[] }[] = [
  {
    name: 'unknown platform, with a suggestion',
    text: cluster('      platform: gkee\n'),
    errors: ['fleet.yaml:9:17: error: clusters[0].cni.platform: "gkee" is not one of default, gke, k3s, k3d, openshift, microk8s; did you mean "gke"?'],
  },
  {
    name: 'unknown platform too far from any to suggest one',
    text: cluster('      platform: rancher-desktop\n'),
    errors: ['fleet.yaml:9:17: error: clusters[0].cni.platform: "rancher-desktop" is not one of default, gke, k3s, k3d, openshift, microk8s'],
  },
  {
    name: 'misspelt setting',
    text: cluster('      cniBinDr: /opt/cni/bin\n'),
    errors: ['fleet.yaml:9:7: error: clusters[0].cni.cniBinDr: unknown field "cniBinDr"; did you mean "cniBinDir"?'],
  },
  {
    name: 'relative host paths',
    text: cluster('      cniBinDir: opt/cni/bin\n      cniConfDir: ./net.d\n'),
    errors: [
      'fleet.yaml:9:18: error: clusters[0].cni.cniBinDir: must be an absolute path such as /opt/cni/bin, got "opt/cni/bin"',
      'fleet.yaml:10:19: error: clusters[0].cni.cniConfDir: must be an absolute path such as /opt/cni/bin, got "./net.d"',
    ],
  },
  {
    name: 'namespace names',
    text: cluster('      namespace: Istio_CNI\n      excludeNamespaces: [kube-system, kube-system, Batch]\n'),
    errors: [
      'fleet.yaml:9:18: error: clusters[0].cni.namespace: must be a DNS label (lower case letters, digits and -, at most 63 characters), got "Istio_CNI"',
      'fleet.yaml:10:40: error: clusters[0].cni.excludeNamespaces[1]: "kube-system" is a duplicate of item [0]; list items must be unique',
      'fleet.yaml:10:53: error: clusters[0].cni.excludeNamespaces[2]: must be a DNS label (lower case letters, digits and -, at most 63 characters), got "Batch"',
    ],
  },
  {
    name: 'a namespace Kubernetes owns',
    text: cluster('      namespace: kube-public\n'),
    errors: [
      'fleet.yaml:9:18: error: clusters[0].cni.namespace: cluster "a": cni.namespace "kube-public" belongs to Kubernetes; use a namespace of its own (default istio-cni) or kube-system',
    ],
  },
  {
    name: 'log level, repair mode, resources',
    text: cluster('      logLevel: verbose\n      repair: { mode: fix }\n      resources: { limits: { memory: 1GB } }\n'),
    errors: [
      'fleet.yaml:9:17: error: clusters[0].cni.logLevel: must be a level or scope:level pairs separated by commas, e.g. info or default:info,cni:debug (levels: debug, info, warn, error, none), got "verbose"',
      'fleet.yaml:10:23: error: clusters[0].cni.repair.mode: "fix" is not one of repair, delete, label',
      'fleet.yaml:11:38: error: clusters[0].cni.resources.limits.memory: must be a memory quantity such as 512Mi or 2Gi, got "1GB"',
    ],
  },
  {
    name: 'maxUnavailable as a number, and as a bad percentage',
    text: cluster('      rollout: { maxUnavailable: 1 }\n') + '  - name: b\n    kubernetesVersion: "1.33"\n    istio: { version: "1.30.3" }\n    cni: { enabled: true, rollout: { maxUnavailable: 150% } }\n',
    errors: [
      'fleet.yaml:9:34: error: clusters[0].cni.rollout.maxUnavailable: expected a string, got the number 1; quote it: "1"',
      'fleet.yaml:13:54: error: clusters[1].cni.rollout.maxUnavailable: must be a number or a percentage from 1% to 100%, such as 1 or 10%, got "150%"',
    ],
  },
  {
    name: 'scheduling',
    text: cluster('      priorityClassName: System_Critical\n      tolerations: [{ operator: Maybe }]\n      nodeSelector: { "bad key!": x }\n'),
    errors: [
      'fleet.yaml:9:26: error: clusters[0].cni.priorityClassName: must be the name of a PriorityClass, got "System_Critical"',
      'fleet.yaml:10:33: error: clusters[0].cni.tolerations[0].operator: "Maybe" is not one of Exists, Equal',
      'fleet.yaml:11:23: error: clusters[0].cni.nodeSelector.bad key!: invalid field name: "bad key!" does not match the pattern ^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$',
    ],
  },
  {
    name: 'a rollout that can never replace an agent, from defaults and from a cluster, checked only where the agent runs',
    text:
      `${HEADER}defaults:\n  kubernetesVersion: "1.33"\n  istio: { version: "1.30.3" }\n  cni:\n    enabled: true\n    rollout: { maxUnavailable: "0%" }\n` +
      'clusters:\n  - name: a\n  - name: b\n    cni: { rollout: { maxUnavailable: "0" } }\n  - name: c\n    cni: { enabled: false }\n',
    errors: [
      'fleet.yaml:8:32: error: defaults.cni.rollout.maxUnavailable: cluster "a": cni.rollout.maxUnavailable must be at least 1 or 1%, got "0%": a DaemonSet rollout replaces a node\'s agent only after stopping the old one',
      'fleet.yaml:12:39: error: clusters[1].cni.rollout.maxUnavailable: cluster "b": cni.rollout.maxUnavailable must be at least 1 or 1%, got "0": a DaemonSet rollout replaces a node\'s agent only after stopping the old one',
    ],
  },
];

describe('broken Istio CNI settings', () => {
  it.each(cases)('$name', ({ text, errors }) => {
    expect(errorsOf(text)).toEqual(errors);
  });

  it('accepts every valid form of the settings it checks', () => {
    const text = cluster(
      '      platform: k3s\n      cniBinDir: /\n      namespace: kube-system\n      excludeNamespaces: []\n      logLevel: warn\n' +
        '      rollout: { maxUnavailable: "100%" }\n      repair: { enabled: false, mode: label }\n',
    );
    expect(loadFleetText('fleet.yaml', text).fleet.clusters[0].cni).toMatchObject({ platform: 'k3s', cniBinDir: '/', namespace: 'kube-system', excludeNamespaces: [] });
  });
});
