/** Small builders for fleet files used across tests. */
import type { ClusterConfig } from '../../src/config/cluster-config';
import { InputError, formatDiagnostic } from '../../src/config/diagnostic';
import { loadFleetText } from '../../src/pipeline';

export const HEADER = 'apiVersion: meshc.dev/v1alpha1\nkind: Fleet\n';

/** A fleet file with one cluster; `extra` is YAML appended to the cluster entry (indented by the caller). */
export function singleCluster(extra = '', { name = 'one', kubernetes = '1.33', istio = '1.30.3', hub = '' } = {}): string {
  const hubLine = hub ? `      hub: ${hub}\n` : '';
  return `${HEADER}clusters:\n  - name: ${name}\n    kubernetesVersion: "${kubernetes}"\n    istio:\n      version: "${istio}"\n${hubLine}${extra}`;
}

export function loadCluster(text: string): ClusterConfig {
  const { fleet } = loadFleetText('mesh.yaml', text);
  return fleet.clusters[0];
}

/** Every diagnostic of a fleet file meshc must reject, formatted as the CLI prints it (file name `fleet.yaml`). */
export function rejectionOf(text: string, { errorsOnly = false } = {}): string[] {
  try {
    loadFleetText('fleet.yaml', text);
  } catch (err) {
    if (err instanceof InputError) {
      return err.diagnostics.filter((d) => !errorsOnly || d.severity === 'error').map(formatDiagnostic);
    }
    throw err;
  }
  throw new Error('expected the fleet file to be rejected');
}
