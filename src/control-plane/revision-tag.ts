/**
 * A revision tag: a stable name (`prod`, `canary`, `default`) that namespaces select with
 * `istio.io/rev=<tag>`, pointing at one revision. Moving the tag re-points new pods at another
 * revision without relabelling a single namespace, which is how a canary is promoted.
 *
 * A tag is only a MutatingWebhookConfiguration whose webhooks call the target revision's istiod;
 * the `istio.io/tag` label is how istiod learns which tags point at it.
 */
import { Construct } from 'constructs';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import type { IstioRelease } from '../catalog/versions';
import { Labels } from '../labels';
import { injectionWebhooks } from './injection-webhook';
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
  }
}
