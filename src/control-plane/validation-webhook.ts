/**
 * ValidatingWebhookConfigurations that let istiod reject invalid Istio configuration.
 *
 * Rendered with `failurePolicy: Fail`. Upstream renders `Ignore` and istiod flips it to
 * `Fail` once it is ready, which a GitOps agent then reverts forever; rendering the final
 * state keeps Argo CD and Flux in sync. The `caBundle` stays istiod's to fill in.
 */
import { Construct } from 'constructs';
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import type { IstioRelease } from '../catalog/versions';
import { Labels } from '../labels';
import { managedLabels, revisioned } from './metadata';

export interface ValidationWebhookProps {
  readonly namespace: string;
  readonly revision: string;
  readonly release: IstioRelease;
  readonly istiodService: string;
  /**
   * Also render the revision-independent `istiod-default-validator`, which validates objects
   * carrying no revision label. Only the revision that owns the default tag should.
   * @default true for the `default` revision
   */
  readonly defaultValidator?: boolean;
  /**
   * Webhook port of the istiod Service.
   * @default 443
   */
  readonly port?: number;
}

/** API groups whose objects istiod validates. */
const VALIDATED_GROUPS = ['security.istio.io', 'networking.istio.io', 'telemetry.istio.io', 'extensions.istio.io'];

export class ValidationWebhook extends Construct {
  constructor(scope: Construct, id: string, props: ValidationWebhookProps) {
    super(scope, id);
    const labels = {
      [Labels.APP]: 'istiod',
      [Labels.ISTIO]: 'istiod',
      [Labels.REV]: props.revision,
      ...managedLabels('istiod', props.release),
    };
    const webhook = (name: string, objectSelector?: k8s.LabelSelector): k8s.ValidatingWebhook => ({
      name,
      clientConfig: { service: { name: props.istiodService, namespace: props.namespace, path: '/validate', ...(props.port ? { port: props.port } : {}) } },
      rules: [{ operations: ['CREATE', 'UPDATE'], apiGroups: VALIDATED_GROUPS, apiVersions: ['*'], resources: ['*'] }],
      failurePolicy: 'Fail',
      sideEffects: 'None',
      admissionReviewVersions: ['v1'],
      ...(objectSelector ? { objectSelector } : {}),
    });

    new k8s.KubeValidatingWebhookConfiguration(this, 'revision', {
      metadata: { name: `${revisioned('istio-validator', props.revision)}-${props.namespace}`, labels },
      webhooks: [
        webhook('rev.validation.istio.io', { matchExpressions: [{ key: Labels.REV, operator: 'In', values: [props.revision] }] }),
      ],
    });
    if (props.defaultValidator ?? props.revision === 'default') {
      new k8s.KubeValidatingWebhookConfiguration(this, 'default', {
        metadata: { name: 'istiod-default-validator', labels },
        webhooks: [webhook('validation.istio.io')],
      });
    }
  }
}
