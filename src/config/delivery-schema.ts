/**
 * The fleet file's `delivery` section and each cluster's `destination`: how GitOps agents
 * find the rendered output. Fleet-wide, because one repository serves every cluster.
 */
import { bool, obj, oneOfStrings, str, type Static } from './schema-builder';
import { DNS_LABEL, DNS_LABEL_MESSAGE, DURATION, LABEL_KEY } from './patterns';

export const DEFAULT_SELECTOR_LABEL = 'meshc.dev/fleet-member';
/** Argo CD's name for the cluster it runs in. */
export const IN_CLUSTER_SERVER = 'https://kubernetes.default.svc';

export const DeliverySchema = obj(
  {
    name: str({
      description: 'Name of the fleet in delivery objects: the Flux GitRepository and the ApplicationSet, and the prefix of every Application and Flux Kustomization.',
      default: 'mesh',
      pattern: DNS_LABEL,
      patternMessage: DNS_LABEL_MESSAGE,
    }),
    git: obj(
      {
        url: str({ description: 'URL of the Git repository holding the rendered output, as the GitOps agent clones it.', minLength: 1, examples: ['https://github.com/example/platform.git'] }),
        branch: str({ description: 'Branch the agents follow.', default: 'main', minLength: 1 }),
        path: str({
          description: 'Folder of the rendered output inside the repository (where `meshc synth` writes), without leading or trailing slash.',
          default: 'dist',
          pattern: '^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*$',
          patternMessage: 'must be a relative folder such as dist or deploy/mesh',
        }),
      },
      { required: ['url'], description: 'Where the rendered output is committed.' },
    ),
    argocd: obj(
      {
        enabled: bool({ description: 'Render Argo CD objects into `dist/argocd/`.', default: true }),
        project: str({ description: 'Argo CD project of the Applications.', default: 'default', minLength: 1 }),
        namespace: str({ description: 'Namespace Argo CD runs in (where Applications live).', default: 'argocd', pattern: DNS_LABEL, patternMessage: DNS_LABEL_MESSAGE }),
        applicationSet: obj(
          {
            enabled: bool({ description: 'Render one ApplicationSet (cluster generator) instead of an Application per cluster.', default: false }),
            selectorLabel: str({
              description: 'Label of Argo CD cluster secrets selecting the fleet\'s clusters; its value must be the fleet `name`, and each secret\'s cluster name a meshc cluster name.',
              default: DEFAULT_SELECTOR_LABEL,
              pattern: LABEL_KEY,
              patternMessage: 'must be a label key such as meshc.dev/fleet-member',
            }),
          },
          { description: 'One ApplicationSet for the whole fleet.' },
        ),
        syncPolicy: obj(
          {
            automated: bool({ description: 'Sync automatically when the repository changes.', default: true }),
            prune: bool({ description: 'Delete objects that left the render.', default: true }),
            selfHeal: bool({ description: 'Revert changes made in the cluster.', default: true }),
          },
          { description: 'Sync policy of the Applications.' },
        ),
      },
      { description: 'Argo CD Applications (or an ApplicationSet) pointing at the output.' },
    ),
    flux: obj(
      {
        enabled: bool({ description: 'Render Flux objects into `dist/flux/`.', default: false }),
        namespace: str({ description: 'Namespace Flux runs in.', default: 'flux-system', pattern: DNS_LABEL, patternMessage: DNS_LABEL_MESSAGE }),
        interval: str({ description: 'How often Flux reconciles.', default: '10m', pattern: DURATION, patternMessage: 'must be a duration such as 10m, 1h or 90s' }),
      },
      { description: 'Flux GitRepository and Kustomizations pointing at the output.' },
    ),
    crds: obj(
      {
        mode: oneOfStrings(['chart', 'vendored', 'none'] as const, {
          description: 'How Istio\'s CRDs reach the clusters: `chart` (an Argo CD Application or Flux HelmRelease of upstream\'s `base` chart), `vendored` (rendered into each cluster\'s `crds/` layer from files `meshc vendor` downloaded and verified) or `none` (installed some other way).',
          default: 'chart',
        }),
        vendorDir: str({
          description: 'Folder of the vendored CRD files (`<vendorDir>/<version>/crd-all.gen.yaml`), relative to the fleet file\'s folder.',
          default: 'vendor/istio',
          minLength: 1,
        }),
      },
      { description: 'Istio\'s CustomResourceDefinitions.' },
    ),
  },
  { required: ['git'], description: 'GitOps delivery of the rendered output: Argo CD, Flux and the CRDs. Without this section meshc renders only the cluster folders.' },
);

export const DestinationSchema = obj(
  {
    name: str({ description: 'Name of the cluster as registered in Argo CD. Default: the cluster name.', minLength: 1 }),
    server: str({ description: `API server URL as registered in Argo CD; \`${IN_CLUSTER_SERVER}\` for the cluster Argo CD runs in.`, pattern: '^https://', patternMessage: 'must be an https:// URL' }),
  },
  { description: 'Where Argo CD deploys this cluster\'s render: a cluster `name` or a `server` URL, not both.' },
);

export type DeliveryInput = Static<typeof DeliverySchema>;
export type DestinationInput = Static<typeof DestinationSchema>;
