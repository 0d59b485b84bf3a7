/**
 * A revision tag: a stable name (`prod`, `canary`, `default`) that namespaces select with
 * `istio.io/rev=<tag>`, pointing at one revision. Moving the tag re-points new pods at another
 * revision without relabelling a single namespace, which is how a canary is promoted.
 *
 * A tag is a MutatingWebhookConfiguration whose webhooks call the target revision's istiod, and
 * a Service `istiod-revision-tag-<tag>` in front of that istiod, as upstream renders it. istiod's
 * tag watcher learns from either (their `istio.io/tag` label) which tags point at it, and so
 * which resources labelled `istio.io/rev=<tag>` are its own.
 */
import { Construct } from 'constructs';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import type { IstioRelease } from '../catalog/versions';
import { Labels } from '../labels';
import { injectionWebhooks } from './injection-webhook';
import { istiodServiceSpec } from './istiod';
import { revisionLabels } from './metadata';

export interface RevisionTagProps {
  readonly namespace: string;
  /** Tag name, a DNS label that is not also a revision name. */
  readonly tag: string;
  /** Revision the tag points to. */
  readonly revision: string;
  readonly release: IstioRelease;
  /** Service of the revision's istiod. */
  readonly istiodService: string;
}

/** Upstream's name of a tag's Service. */
export const revisionTagServiceName = (tag: string): string => `istiod-revision-tag-${tag}`;

/** Upstream's name: `istio-revision-tag-<tag>`, with the namespace appended outside istio-system. */
export function revisionTagName(tag: string, namespace: string): string {
  return namespace === 'istio-system' ? `istio-revision-tag-${tag}` : `istio-revision-tag-${tag}-${namespace}`;
}

export class RevisionTag extends Construct {
  constructor(scope: Construct, id: string, props: RevisionTagProps) {
    super(scope, id);
    if (props.tag === props.revision) throw new Error(`revision tag "${props.tag}" has the name of the revision it points to`);
    new k8s.KubeMutatingWebhookConfiguration(this, 'webhook', {
      metadata: {
        name: revisionTagName(props.tag, props.namespace),
        labels: { [Labels.APP]: 'sidecar-injector', [Labels.TAG]: props.tag, ...revisionLabels(props.revision, props.release) },
      },
      webhooks: injectionWebhooks({
        namespace: props.namespace,
        istiodService: props.istiodService,
        selectedBy: props.tag,
        servesDefault: props.tag === 'default',
      }),
    });
    new k8s.KubeService(this, 'service', {
      metadata: {
        name: revisionTagServiceName(props.tag),
        namespace: props.namespace,
        labels: { [Labels.APP]: 'istiod', [Labels.ISTIO]: 'pilot', [Labels.TAG]: props.tag, ...revisionLabels(props.revision, props.release) },
      },
      spec: istiodServiceSpec(props.revision),
    });
  }
}
