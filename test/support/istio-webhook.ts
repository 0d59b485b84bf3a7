/**
 * Istio's own sidecar-injection webhook (istio.io/istio/pkg/kube/inject, built by
 * test/e2e/toolchain.ts as `istio-inject`), called with AdmissionReviews exactly as the API
 * server calls istiod: template selection, the templates, the strategic merge, probe rewriting,
 * the status annotation and container ordering are upstream's code, not a copy of it.
 */
import { spawnSync } from 'node:child_process';
import { istiodFor, judgeFor, tool } from '../e2e/toolchain';

export interface WebhookRequest {
  /** The `config` and `values` keys of the injector ConfigMap, as rendered. */
  readonly config: string;
  readonly values: string;
  /** The `mesh` key of the mesh ConfigMap, as rendered. */
  readonly mesh: string;
  readonly revision: string;
  /** The path the MutatingWebhookConfiguration calls. */
  readonly path: string;
  readonly clusterId: string;
  /** Kubelet version of the cluster's node, e.g. `v1.33.0` (istiod's native-sidecar detection reads it). */
  readonly kubeletVersion: string;
  readonly namespace: string;
  /** Annotations of the pod's namespace (OpenShift's UID range, which istiod reads there). */
  readonly namespaceAnnotations?: Readonly<Record<string, string>>;
  readonly pod: Record<string, unknown>;
}

export interface WebhookResponse {
  readonly allowed: boolean;
  readonly message?: string;
  /** Whether istiod answered with a patch (false: the pod is admitted unchanged). */
  readonly patched: boolean;
  readonly pod?: Record<string, any>;
}

/**
 * Runs requests through one istiod webhook process of the given release. `env` is istiod's
 * environment (its feature flags are read once, at start, as in istiod). With `standIn`, a
 * release without upstream code of its own runs the stand-in the live tests run for it.
 */
export function callInjectionWebhook(istioVersion: string, env: Record<string, string>, requests: readonly WebhookRequest[], { standIn = false } = {}): WebhookResponse[] {
  const binary = tool((standIn ? istiodFor(istioVersion) : judgeFor(istioVersion)).toolchain, 'istio-inject');
  const input = requests.map((r) => JSON.stringify(r)).join('\n') + '\n';
  const run = spawnSync(binary, [], {
    input,
    encoding: 'utf8',
    // Only istiod's own environment: nothing of the test runner's leaks into its feature flags.
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
    maxBuffer: 256 * 1024 * 1024,
  });
  if (run.status !== 0) throw new Error(`istio-inject failed (${run.status ?? run.signal}): ${run.stderr}`);
  const lines = run.stdout.split('\n').filter(Boolean);
  if (lines.length !== requests.length) throw new Error(`istio-inject answered ${lines.length} of ${requests.length} requests: ${run.stderr}`);
  return lines.map((line) => {
    const answer = JSON.parse(line) as WebhookResponse & { error?: string };
    if (answer.error) throw new Error(`istio-inject: ${answer.error}`);
    return answer;
  });
}
