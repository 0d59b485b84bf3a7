/**
 * Upstream Istio's injection test cases as meshc runs them: the settings upstream's own tests
 * use, as a fleet file, and the comparison of an injected pod with upstream's expected output.
 */
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import type { ClusterConfig } from '../../src/config/cluster-config';
import { loadCluster, singleCluster } from './fleet';
import type { Manifest } from './objects';

/**
 * Upstream's test-wide settings (chart defaults, proxy image registry.istio.io/testing/proxyv2,
 * cluster id Kubernetes, trust domain cluster.local), as a fleet file; `extra` is appended to
 * the cluster entry, under `sidecar:` when it starts with six spaces.
 */
export function upstreamTestCluster(extra = ''): ClusterConfig {
  return loadCluster(
    singleCluster(
      '    clusterId: Kubernetes\n    trustDomain: cluster.local\n' +
        // Upstream leaves the sidecar's seccomp profile to the pod; meshc's default sets RuntimeDefault.
        '    sidecar:\n      seccompProfile: unset\n' +
        extra,
      { hub: 'registry.istio.io/testing' },
    ),
  );
}

/** Upstream's expected files use the image tag `latest`. */
export const upstreamTag = (values: Record<string, any>): void => {
  values.global.tag = 'latest';
};

export function yamlDocuments(file: string): Manifest[] {
  return parseAllDocuments(readFileSync(file, 'utf8'))
    .map((d) => d.toJS() as Manifest)
    .filter(Boolean);
}

/** The only field left out of a comparison: istiod's record of what it injected, which names the revision. */
export const STATUS_ANNOTATION = 'sidecar.istio.io/status';

/**
 * The typed view both sides share once an API server has stored them: what the typed Pod drops
 * (a null creationTimestamp, empty `resources`) is dropped here too. Nothing else is touched.
 */
function stored(template: Manifest): Manifest {
  return JSON.parse(
    JSON.stringify(template, (key, value) => {
      if (key === 'creationTimestamp' && value === null) return undefined;
      if (key === 'resources' && value && typeof value === 'object' && Object.keys(value).length === 0) return undefined;
      return value;
    }),
  );
}

/** A pod template as compared with upstream's: typed, without the status annotation. */
export function comparablePod(template: Manifest): Manifest {
  const copy = stored(template);
  if (copy.metadata?.annotations) delete copy.metadata.annotations[STATUS_ANNOTATION];
  return copy;
}

/** The status annotation without the revision it names (upstream's kube-inject leaves it empty). */
export function statusWithoutRevision(template: Manifest): Manifest {
  const { revision: _revision, ...rest } = JSON.parse(template.metadata.annotations[STATUS_ANNOTATION]);
  return rest;
}
