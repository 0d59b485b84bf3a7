/**
 * The Pod Security Standards "restricted" profile, applied to every container meshc renders
 * that runs in a cluster. Upstream istiod sets no seccomp profile; meshc does.
 */
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';

export interface RestrictedOptions {
  /** Most Istio components keep no state on disk; a writable root is a deliberate exception. Default true. */
  readonly readOnlyRootFilesystem?: boolean;
}

export function restrictedContainerSecurityContext(options: RestrictedOptions = {}): k8s.SecurityContext {
  return {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    readOnlyRootFilesystem: options.readOnlyRootFilesystem ?? true,
    runAsNonRoot: true,
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

export function restrictedPodSecurityContext(): k8s.PodSecurityContext {
  return {
    runAsNonRoot: true,
    seccompProfile: { type: 'RuntimeDefault' },
  };
}
