/**
 * The MutatingWebhookConfiguration that sends pod creations to istiod for sidecar injection.
 *
 * Four webhooks, one per way a pod can opt in, each with selectors that exclude the others so
 * that a pod is injected at most once: a namespace labelled `istio.io/rev=<rev>`; a pod labelled
 * `istio.io/rev=<rev>` in an unlabelled namespace; and, for the default revision, a namespace
 * labelled `istio-injection=enabled` or a pod labelled `sidecar.istio.io/inject=true`.
 */
import { Construct } from 'constructs';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import type { IstioRelease } from '../catalog/versions';
import { Labels } from '../labels';
import { revisionLabels, revisioned } from './metadata';
import { IstiodPorts } from './ports';

export interface InjectionWebhookProps {
  readonly namespace: string;
  readonly revision: string;
  readonly release: IstioRelease;
  readonly istiodService: string;
  /**
   * Injection path; a remote cluster names itself and its network to the primary's istiod.
   * @default /inject
   */
  readonly path?: string;
  /**
   * Webhook port of the istiod Service.
   * @default 443
   */
  readonly port?: number;
}

type Requirement = k8s.LabelSelectorRequirement;
const exists = (key: string, present: boolean): Requirement => ({ key, operator: present ? 'Exists' : 'DoesNotExist' });
const isIn = (key: string, values: string[]): Requirement => ({ key, operator: 'In', values });
const notIn = (key: string, values: string[]): Requirement => ({ key, operator: 'NotIn', values });

/** What one set of injection webhooks serves: a revision's own, or a revision tag's. */
export interface InjectionWebhooksProps {
  readonly namespace: string;
  /** Service of the istiod that injects. */
  readonly istiodService: string;
  /** The `istio.io/rev` value namespaces and pods select it by: the revision or the tag name. */
  readonly selectedBy: string;
  /** Also serve `istio-injection=enabled` and `sidecar.istio.io/inject=true` (the default revision or tag). */
  readonly servesDefault: boolean;
  /** @default /inject */
  readonly path?: string;
  /** @default 443 */
  readonly port?: number;
}

export function injectionWebhooks(props: InjectionWebhooksProps): k8s.MutatingWebhook[] {
  const notOptedOut = notIn(Labels.SIDECAR_INJECT, ['false']);
  const webhook = (name: string, namespaceSelector: Requirement[], objectSelector: Requirement[]): k8s.MutatingWebhook => ({
    name,
    clientConfig: {
      service: { name: props.istiodService, namespace: props.namespace, path: props.path ?? '/inject', port: props.port ?? IstiodPorts.WEBHOOK_SERVICE },
    },
    sideEffects: 'None',
    rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
    failurePolicy: 'Fail',
    reinvocationPolicy: 'Never',
    admissionReviewVersions: ['v1'],
    namespaceSelector: { matchExpressions: namespaceSelector },
    objectSelector: { matchExpressions: objectSelector },
  });

  const webhooks = [
    webhook('rev.namespace.sidecar-injector.istio.io', [isIn(Labels.REV, [props.selectedBy]), exists(Labels.INJECTION, false)], [notOptedOut]),
    webhook(
      'rev.object.sidecar-injector.istio.io',
      [exists(Labels.REV, false), exists(Labels.INJECTION, false)],
      [notOptedOut, isIn(Labels.REV, [props.selectedBy])],
    ),
  ];
  if (props.servesDefault) {
    webhooks.push(
      webhook('namespace.sidecar-injector.istio.io', [isIn(Labels.INJECTION, ['enabled'])], [notOptedOut]),
      webhook(
        'object.sidecar-injector.istio.io',
        [exists(Labels.INJECTION, false), exists(Labels.REV, false)],
        [isIn(Labels.SIDECAR_INJECT, ['true']), exists(Labels.REV, false)],
      ),
    );
  }
  return webhooks;
}

export class InjectionWebhook extends Construct {
  constructor(scope: Construct, id: string, props: InjectionWebhookProps) {
    super(scope, id);
    const { revision } = props;
    new k8s.KubeMutatingWebhookConfiguration(this, 'webhook', {
      metadata: {
        name: revisioned('istio-sidecar-injector', revision),
        labels: { [Labels.APP]: 'sidecar-injector', ...revisionLabels(revision, props.release) },
      },
      webhooks: injectionWebhooks({
        namespace: props.namespace,
        istiodService: props.istiodService,
        selectedBy: revision,
        servesDefault: revision === 'default',
        ...(props.path ? { path: props.path } : {}),
        ...(props.port ? { port: props.port } : {}),
      }),
    });
  }
}
