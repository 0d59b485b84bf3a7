/** Helpers to look into rendered objects. */
import { cpSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ClusterConfig } from '../../src/config/cluster-config';
import { loadFleetFile } from '../../src/pipeline';
import { renderClusterObjects } from '../../src/render/render';

export const REPO = resolve(__dirname, '..', '..');
export const EXAMPLE_FLEET = join(REPO, 'mesh.yaml');

/** Copies the example fleet into `dir` with the files it names (root certificates), as a repository would hold them. */
export function copyExampleFleet(dir: string): string {
  cpSync(EXAMPLE_FLEET, join(dir, 'mesh.yaml'));
  cpSync(join(REPO, 'certs'), join(dir, 'certs'), { recursive: true });
  return join(dir, 'mesh.yaml');
}

export type Manifest = Record<string, any>;

export function manifests(cluster: ClusterConfig): Manifest[] {
  return renderClusterObjects(cluster).map((o) => o.manifest);
}

export function find(objects: Manifest[], kind: string, name: string): Manifest {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} among ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`);
  return found;
}

export function exampleClusters(): readonly ClusterConfig[] {
  return loadFleetFile(EXAMPLE_FLEET).fleet.clusters;
}

/** Pod specs of every workload object (Deployment, DaemonSet, Job, ...). */
export function podSpecs(objects: Manifest[]): { owner: string; spec: Manifest }[] {
  return objects
    .filter((o) => o.spec?.template?.spec)
    .map((o) => ({ owner: `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`, spec: o.spec.template.spec }));
}

export function readText(path: string): string {
  return readFileSync(path, 'utf8');
}

/**
 * The restricted Pod Security Standard, asserted on one pod spec: what every pod meshc renders
 * must meet. Callers add what their component promises beyond it.
 */
export function expectRestrictedPod(owner: string, spec: Manifest, expectFn: (v: unknown, m?: string) => any): Manifest[] {
  expectFn(spec.securityContext, owner).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
  const containers = [...(spec.initContainers ?? []), ...spec.containers];
  for (const c of containers) {
    expectFn(c.securityContext, `${owner} ${c.name}`).toMatchObject({
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
  }
  return containers;
}
