/**
 * The `istio:` section: which Istio releases a cluster runs, as one revision or several side by
 * side, the revision tags that point namespaces at them, compatibility mode, and the explicit
 * consent the upgrade guard asks for when a version change is riskier than it allows.
 */
import { DEFAULT_HUB, DEFAULT_PROXY_IMAGE, ISTIO_VERSIONS, LATEST_ISTIO } from '../catalog/versions';
import { arr, obj, oneOfStrings, record, str, type Static } from './schema-builder';
import { DNS_LABEL } from './patterns';

/** `istiod-<rev>` is a Service name (a DNS label of at most 63 characters). */
export const REVISION_NAME = '^[a-z0-9]([-a-z0-9]{0,54}[a-z0-9])?$';
const REVISION_NAME_MESSAGE = 'must be a DNS label of at most 56 characters (lower case letters, digits and -), e.g. 1-30-3 or stable';
const MINOR = '^[0-9]+\\.[0-9]+$';
const MINOR_MESSAGE = 'must be a minor version in quotes, e.g. "1.29"';

const version = (description: string) => oneOfStrings(ISTIO_VERSIONS, { description, examples: [LATEST_ISTIO.version] });

const compatibilityVersion = (description: string) =>
  str({ description, pattern: MINOR, patternMessage: MINOR_MESSAGE, examples: ['1.29'] });

export const RevisionSchema = obj(
  {
    version: version('Istio release of this revision, from meshc\'s version catalog.'),
    name: str({
      description: 'Revision name: pods select it with the `istio.io/rev` label and its objects carry it (`istiod-<name>`). Unset: derived from the version, `1.30.3` → `1-30-3`. `default` is upstream\'s unnamed revision (`istiod`), which also serves `istio-injection=enabled`.',
      pattern: REVISION_NAME,
      patternMessage: REVISION_NAME_MESSAGE,
    }),
    compatibilityVersion: compatibilityVersion('Run this revision with the behaviour of an earlier minor release (upstream\'s `compatibilityVersion`). Overrides `istio.compatibilityVersion`.'),
  },
  { description: 'One control plane of the cluster.', required: ['version'] },
);

export const UpgradeConsentSchema = obj(
  {
    from: version('The version recorded in the last committed render that the change starts from.'),
    to: version('The version the change goes to.'),
    reason: str({ description: 'Why the guard may be overridden here; recorded in the render for reviewers.', minLength: 10 }),
  },
  {
    description: 'Consent to one version change the upgrade guard refuses (a skipped minor, a downgrade, a major change). It applies to exactly this `from` → `to` and is ignored, with a warning, once the render no longer starts from `from`.',
    required: ['from', 'to', 'reason'],
  },
);

export const IstioSchema = obj(
  {
    version: version('Istio release of the cluster\'s single revision (`default`, upgraded in place). Required (here or in `defaults`) unless `revisions` is set: meshc never upgrades a cluster on its own.'),
    revisions: arr(RevisionSchema, {
      description: 'Several control planes side by side, for canary upgrades: each gets its own istiod, injector and webhooks. Replaces `version` of a less specific level (a cluster\'s `revisions` win over `defaults.istio.version` and the other way round).',
      minItems: 1,
    }),
    tags: record(str({ pattern: REVISION_NAME, patternMessage: REVISION_NAME_MESSAGE }), {
      description: 'Revision tags: tag name → revision name. Namespaces labelled `istio.io/rev=<tag>` are injected by the revision the tag points to; the `default` tag also serves `istio-injection=enabled` and `sidecar.istio.io/inject=true`. Moving a tag is the canary promotion.',
      keyPattern: DNS_LABEL,
    }),
    compatibilityVersion: compatibilityVersion('Run every revision with the behaviour of an earlier minor release (upstream\'s `compatibilityVersion`), to upgrade the binaries before the behaviour. Accepted: the minors the version catalog lists for the release.'),
    hub: str({ description: 'Registry and path of the Istio images (`<hub>/pilot`, `<hub>/proxyv2`); set it to use a mirror.', default: DEFAULT_HUB, pattern: '^[a-z0-9]([-a-z0-9._:/]*[a-z0-9])?$', patternMessage: 'must be an image registry path such as docker.io/istio' }),
    proxyImageName: str({ description: 'Name of the proxy image under the hub (`<hub>/<name>:<version>`), for mirrors that rename it. Sidecars and gateways run it.', default: DEFAULT_PROXY_IMAGE, pattern: '^[a-z0-9]([-a-z0-9._/]*[a-z0-9])?$', patternMessage: 'must be an image name such as proxyv2 or istio/proxyv2' }),
    allowVersionChange: UpgradeConsentSchema,
  },
  { description: 'Istio releases, revisions and images.' },
);

export type IstioInput = Static<typeof IstioSchema>;
export type RevisionInput = Static<typeof RevisionSchema>;
