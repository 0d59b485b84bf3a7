/**
 * What the data-plane restarter needs to know about one cluster, computed by meshc from the
 * fleet file and shipped to the Job as JSON. The restarter bundle imports nothing else from
 * meshc's compile-time code, so that it stays one small dependency-free file.
 */

/** Days of the week as used in maintenance windows (ISO order, Monday first). */
export const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface RestarterRevision {
  /** Revision name as injected pods carry it in `istio.io/rev` (`default` for the unnamed one). */
  readonly name: string;
  /** Istio version of the revision's control plane, e.g. `1.30.3`. */
  readonly version: string;
  /** The proxy image the revision injects, e.g. `docker.io/istio/proxyv2:1.30.3`. */
  readonly proxyImage: string;
}

export interface MaintenanceWindow {
  /** Days on which the window opens. */
  readonly days: readonly Weekday[];
  /** Opening time, `HH:MM` (24 h) in `timeZone`. */
  readonly start: string;
  /** Closing time, `HH:MM`; earlier than `start` means the window runs past midnight. */
  readonly end: string;
  /** IANA time zone, e.g. `Europe/Berlin`. */
  readonly timeZone: string;
}

export interface RestarterConfig {
  /** Cluster name, for logs and events. */
  readonly cluster: string;
  /** Every revision installed in the cluster. */
  readonly revisions: readonly RestarterRevision[];
  /** Revision tags: tag name → revision name. */
  readonly tags: Readonly<Record<string, string>>;
  /**
   * Revision that serves `istio-injection=enabled` namespaces and `sidecar.istio.io/inject=true`
   * pods (the `default` revision, or the one the `default` tag points to); unset when none does.
   */
  readonly defaultRevision?: string;
  /**
   * The init container injected pods should carry: `istio-init` (iptables in the pod) without
   * Istio CNI, `istio-validation` with it.
   */
  readonly initContainer: 'istio-init' | 'istio-validation';
  /** Pod-template annotation the restarter patches; its value is the target of the restart. */
  readonly restartAnnotation: string;
  /** Namespaces with this label set to `disabled` are never touched (only reported). */
  readonly namespaceOptOutLabel: string;
  /** Workloads (Deployment/StatefulSet/DaemonSet, seen on their pods) with this annotation set to `disabled` are skipped. */
  readonly workloadOptOutAnnotation: string;
  /** Unset: restarts may happen at any time. */
  readonly window?: MaintenanceWindow;
  readonly batches: {
    /** Owners restarted together before waiting for them to become ready. */
    readonly size: number;
    /** At most this many owners of one namespace in one batch. */
    readonly maxPerNamespace: number;
    /** Owners restarted in one run; the rest are reported as deferred to the next run. */
    readonly maxPerRun: number;
    /** How long to wait for a batch to become ready before giving up on it, in seconds. */
    readonly readinessTimeoutSeconds: number;
  };
  /** Delete outdated pods that no controller owns (they are not recreated!). */
  readonly deleteBarePods: boolean;
}
