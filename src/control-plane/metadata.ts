/**
 * Names and labels shared by the control-plane objects of one revision.
 */
import type { IstioRelease } from '../catalog/versions';
import { Labels, MANAGER } from '../labels';

/** Upstream's convention: the `default` revision adds no suffix, any other adds `-<rev>`. */
export function revisioned(base: string, revision: string): string {
  return revision === 'default' ? base : `${base}-${revision}`;
}

/** Labels meshc puts on everything it renders for a component. */
export function managedLabels(component: string, release: IstioRelease): Record<string, string> {
  return {
    [Labels.NAME]: component,
    [Labels.PART_OF]: 'istio',
    [Labels.VERSION]: release.version,
    [Labels.MANAGED_BY]: MANAGER,
  };
}

/** Labels of the per-revision objects istiod itself reads or serves (its ConfigMaps, its webhook). */
export function revisionLabels(revision: string, release: IstioRelease): Record<string, string> {
  return { [Labels.REV]: revision, [Labels.OPERATOR_COMPONENT]: 'Pilot', ...managedLabels('istiod', release) };
}
