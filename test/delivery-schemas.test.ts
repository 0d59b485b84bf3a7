/**
 * The Argo CD and Flux objects meshc renders validate against those projects' own schemas
 * (the @kubernetes-models packages are generated from their CRDs).
 */
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { Application, ApplicationSet } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1';
import { HelmRelease } from '@kubernetes-models/flux-cd/helm.toolkit.fluxcd.io/v2';
import { Kustomization } from '@kubernetes-models/flux-cd/kustomize.toolkit.fluxcd.io/v1';
import { GitRepository, HelmRepository } from '@kubernetes-models/flux-cd/source.toolkit.fluxcd.io/v1';
import { loadFleetText } from '../src/pipeline';
import { renderFleet } from '../src/render/render';
import { HEADER } from './support/fleet';

// The models' typings come through the packages' ESM exports, which the project's CommonJS
// type resolution does not see whole; `validate` is there at run time (the negative test proves it).
const MODELS: Record<string, any> = {
  'argoproj.io/v1alpha1 Application': Application,
  'argoproj.io/v1alpha1 ApplicationSet': ApplicationSet,
  'kustomize.toolkit.fluxcd.io/v1 Kustomization': Kustomization,
  'source.toolkit.fluxcd.io/v1 GitRepository': GitRepository,
  'source.toolkit.fluxcd.io/v1 HelmRepository': HelmRepository,
  'helm.toolkit.fluxcd.io/v2 HelmRelease': HelmRelease,
};

function deliveryObjects(delivery: string): Record<string, any>[] {
  const text =
    `${HEADER}clusters:\n  - name: east\n    kubernetesVersion: "1.33"\n    istio: { version: "1.30.3" }\n` +
    `  - name: west\n    kubernetesVersion: "1.32"\n    istio: { version: "1.29.6" }\n    destination: { server: https://kubernetes.default.svc }\n${delivery}`;
  const tree = renderFleet(loadFleetText('mesh.yaml', text).fleet);
  return [...tree]
    .filter(([path]) => (path.startsWith('argocd/') || path.startsWith('flux/')) && !path.endsWith('kustomization.yaml'))
    .flatMap(([, content]) => parseAllDocuments(content).map((d) => d.toJS()));
}

const validate = (o: Record<string, any>) => {
  const Model = MODELS[`${o.apiVersion} ${o.kind}`];
  if (!Model) throw new Error(`no schema for ${o.apiVersion} ${o.kind}`);
  new Model(o).validate();
};

describe('Argo CD and Flux objects against their schemas', () => {
  const setups = {
    'Applications with the CRD chart': 'delivery:\n  git: { url: https://git.example/p.git }\n',
    'an ApplicationSet': 'delivery:\n  git: { url: https://git.example/p.git }\n  argocd: { applicationSet: { enabled: true } }\n  crds: { mode: none }\n',
    'Flux with the CRD chart': 'delivery:\n  git: { url: https://git.example/p.git }\n  argocd: { enabled: false }\n  flux: { enabled: true }\n',
  };

  it.each(Object.entries(setups))('%s', (_, delivery) => {
    const objects = deliveryObjects(delivery);
    expect(objects.length).toBeGreaterThan(0);
    for (const o of objects) expect(() => validate(o), `${o.kind} ${o.metadata.name}`).not.toThrow();
  });

  it('catches what the schemas forbid, so the check above means something', () => {
    const [app] = deliveryObjects(setups['Applications with the CRD chart']).filter((o) => o.kind === 'Application');
    expect(() => validate({ ...app, spec: { ...app.spec, destination: 'east' } })).toThrow();
    const [ks] = deliveryObjects(setups['Flux with the CRD chart']).filter((o) => o.kind === 'Kustomization');
    expect(() => validate({ ...ks, spec: { ...ks.spec, prune: 'yes' } })).toThrow();
  });
});
