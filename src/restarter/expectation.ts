/**
 * What one injected pod should run, and how it differs: the core fact the restarter acts on.
 * The expected revision follows the same selection as the injection webhooks, so a restart
 * produces a pod that matches the expectation (otherwise the restarter would roll a workload
 * and find it still "outdated").
 */
import { Annotations, Labels } from '../labels';
import type { RestarterConfig } from './config';
import type { Container, Namespace, Pod } from './kube-types';

// Istio's names, from meshc's one list of them (a constants module the bundle may include).
export const REV_LABEL = Labels.REV;
export const INJECTION_LABEL = Labels.INJECTION;
export const INJECT_LABEL = Labels.SIDECAR_INJECT;
export const SIDECAR_STATUS_ANNOTATION = Annotations.SIDECAR_STATUS;
export const PROXY_IMAGE_ANNOTATION = Annotations.PROXY_IMAGE;
export const PROXY_CONTAINER = 'istio-proxy';
const INIT_CONTAINERS = ['istio-init', 'istio-validation'] as const;

/** Why a pod must be restarted. */
export type RestartReason = 'outdated-proxy' | 'revision-removed' | 'revision-changed' | 'cni-mode-changed';

/** What a pod should run once restarted. */
export interface Expectation {
  readonly revision: string;
  readonly proxyImage: string;
  readonly initContainer: RestarterConfig['initContainer'];
  /**
   * `<revision>/<proxyImage>/<initContainer>`: the value of the restart annotation, so that a
   * workload is restarted once per target and again only when the target changes.
   */
  readonly target: string;
}

export type PodVerdict =
  | { readonly kind: 'up-to-date'; readonly expectation: Expectation }
  | {
      readonly kind: 'outdated';
      readonly expectation: Expectation;
      /** Most telling first. */
      readonly reasons: readonly RestartReason[];
      readonly message: string;
    }
  /** The restarter cannot tell what the pod should run; it is reported, never restarted. */
  | { readonly kind: 'unknown'; readonly reason: 'no-target-revision' | 'no-proxy-container'; readonly message: string };

export function isInjected(pod: Pod): boolean {
  return pod.metadata.annotations?.[SIDECAR_STATUS_ANNOTATION] !== undefined;
}

/**
 * The revision that injected the pod: the injection status istiod wrote, else the `istio.io/rev`
 * annotation the injection template sets, else its `istio.io/rev` label, else `default`. The label is what the pod *asks* for and may name a tag; the status
 * names the revision that actually served it.
 */
export function currentRevision(pod: Pod, config?: RestarterConfig): string {
  const status = pod.metadata.annotations?.[SIDECAR_STATUS_ANNOTATION];
  if (status) {
    try {
      const parsed: unknown = JSON.parse(status);
      if (parsed && typeof parsed === 'object' && 'revision' in parsed && typeof parsed.revision === 'string' && parsed.revision) {
        return parsed.revision;
      }
    } catch {
      // An unreadable status says nothing about the revision.
    }
  }
  const annotation = pod.metadata.annotations?.[REV_LABEL];
  if (annotation) return annotation;
  const label = pod.metadata.labels?.[REV_LABEL];
  if (label) return config?.tags[label] ?? label;
  return 'default';
}

/** The proxy container: a classic sidecar in `containers`, or a native sidecar among the init containers. */
export function proxyContainer(pod: Pod): Container | undefined {
  return pod.spec?.containers?.find((c) => c.name === PROXY_CONTAINER) ?? pod.spec?.initContainers?.find((c) => c.name === PROXY_CONTAINER);
}

function initContainerOf(pod: Pod): string | undefined {
  return pod.spec?.initContainers?.find((c) => (INIT_CONTAINERS as readonly string[]).includes(c.name))?.name;
}

type RevisionChoice = { readonly revision: string } | { readonly error: string };

function known(config: RestarterConfig, revision: string): boolean {
  return config.revisions.some((r) => r.name === revision);
}

function defaultRevision(config: RestarterConfig, why: string): RevisionChoice {
  const name = config.defaultRevision;
  if (name === undefined) return { error: `${why}, but the cluster has no default revision` };
  return known(config, name) ? { revision: name } : { error: `${why}, but the default revision "${name}" is not installed` };
}

/**
 * The revision that would inject the pod now. As in Istio, `istio-injection=enabled` on the
 * namespace wins over its `istio.io/rev` label (the revision webhooks exclude such namespaces).
 */
export function expectedRevision(config: RestarterConfig, namespace: Namespace | undefined, pod: Pod): RevisionChoice {
  const nsName = pod.metadata.namespace ?? '';
  const labels = namespace?.metadata.labels ?? {};
  if (labels[INJECTION_LABEL] === 'enabled') return defaultRevision(config, `namespace ${nsName} has ${INJECTION_LABEL}=enabled`);
  const nsRev = labels[REV_LABEL];
  if (nsRev !== undefined) {
    const tagged = config.tags[nsRev];
    if (tagged !== undefined) {
      return known(config, tagged) ? { revision: tagged } : { error: `namespace ${nsName}: tag "${nsRev}" points to revision "${tagged}", which is not installed` };
    }
    if (known(config, nsRev)) return { revision: nsRev };
    const revisions = config.revisions.map((r) => r.name).join(', ') || 'none';
    const tags = Object.keys(config.tags).join(', ') || 'none';
    return { error: `namespace ${nsName} has ${REV_LABEL}=${nsRev}, which is neither a revision (${revisions}) nor a tag (${tags}) of the cluster` };
  }
  // No namespace label: the pod's own labels select, as in the object-selector webhooks.
  const podRev = pod.metadata.labels?.[REV_LABEL];
  if (podRev !== undefined) {
    const target = config.tags[podRev] ?? podRev;
    if (known(config, target)) return { revision: target };
    return { error: `pod ${pod.metadata.name} has ${REV_LABEL}=${podRev}, which is neither a revision nor a tag of the cluster` };
  }
  if (pod.metadata.labels?.[INJECT_LABEL] === 'true') return defaultRevision(config, `pod ${pod.metadata.name} has ${INJECT_LABEL}=true`);
  const current = currentRevision(pod, config);
  if (known(config, current)) return { revision: current };
  return defaultRevision(config, `revision "${current}" that injected the pod is not installed and neither its namespace nor the pod selects a revision`);
}

export function targetOf(revision: string, proxyImage: string, initContainer: string): string {
  return `${revision}/${proxyImage}/${initContainer}`;
}

/** Every way the pod differs from an expectation, most telling first; empty when it matches. */
export function differences(config: RestarterConfig, pod: Pod, expected: Expectation): { reasons: RestartReason[]; details: string[] } {
  const reasons: RestartReason[] = [];
  const details: string[] = [];
  const current = currentRevision(pod, config);
  if (!known(config, current)) {
    reasons.push('revision-removed');
    details.push(`revision ${current} is no longer installed; the pod moves to ${expected.revision}`);
  } else if (current !== expected.revision) {
    reasons.push('revision-changed');
    details.push(`injected by revision ${current}, its namespace now selects ${expected.revision}`);
  }
  const image = proxyContainer(pod)?.image ?? '(none)';
  if (image !== expected.proxyImage) {
    reasons.push('outdated-proxy');
    details.push(`${PROXY_CONTAINER} runs ${image}, expected ${expected.proxyImage}`);
  }
  const init = initContainerOf(pod);
  if (init !== undefined && init !== expected.initContainer) {
    reasons.push('cni-mode-changed');
    details.push(`init container ${init}, the cluster now injects ${expected.initContainer} (Istio CNI ${expected.initContainer === 'istio-validation' ? 'on' : 'off'})`);
  }
  return { reasons, details };
}

/** Judge one injected pod against what the cluster's control plane injects now. */
export function judgePod(config: RestarterConfig, namespace: Namespace | undefined, pod: Pod): PodVerdict {
  if (!proxyContainer(pod)) {
    return { kind: 'unknown', reason: 'no-proxy-container', message: `pod ${pod.metadata.name} carries ${SIDECAR_STATUS_ANNOTATION} but has no ${PROXY_CONTAINER} container` };
  }
  const choice = expectedRevision(config, namespace, pod);
  if ('error' in choice) return { kind: 'unknown', reason: 'no-target-revision', message: choice.error };
  const revision = config.revisions.find((r) => r.name === choice.revision)!;
  const proxyImage = pod.metadata.annotations?.[PROXY_IMAGE_ANNOTATION] ?? revision.proxyImage;
  const expectation: Expectation = {
    revision: revision.name,
    proxyImage,
    initContainer: config.initContainer,
    target: targetOf(revision.name, proxyImage, config.initContainer),
  };
  const { reasons, details } = differences(config, pod, expectation);
  if (reasons.length === 0) return { kind: 'up-to-date', expectation };
  return { kind: 'outdated', expectation, reasons, message: details.join('; ') };
}
