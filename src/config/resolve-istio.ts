/**
 * Resolution of the `istio:` section: the revisions a cluster runs, its revision tags, the
 * compatibility profile of each revision and which revision serves default injection.
 */
import { DEFAULT_PROXY_IMAGE, compatibilityProfile, findRelease, imageRef, type IstioRelease } from '../catalog/versions';
import { didYouMean } from '../util/did-you-mean';
import type { IstioInput } from './istio-schema';
import type { ResolveContext } from './resolve-context';

/** Upstream's unnamed revision: objects without a `-<rev>` suffix, serving `istio-injection=enabled`. */
export const DEFAULT_REVISION = 'default';

export interface RevisionConfig {
  /** `default` for upstream's unnamed revision. */
  readonly name: string;
  readonly release: IstioRelease;
  /** The minor release this revision emulates; unset: its own behaviour. */
  readonly compatibilityVersion?: string;
  /** istiod environment the compatibility profile sets. */
  readonly compatibilityEnv: Readonly<Record<string, string>>;
  /** The proxy image this revision injects. */
  readonly proxyImage: string;
  /** Where the revision is declared, relative to the cluster's settings (for messages). */
  readonly path: readonly (string | number)[];
}

export interface RevisionTag {
  readonly name: string;
  readonly revision: string;
}

/** A version change the fleet file explicitly consents to, with its reason. */
export interface VersionChangeConsent {
  readonly from: string;
  readonly to: string;
  readonly reason: string;
}

export interface IstioInstall {
  /** The newest release running in the cluster: CRDs, CNI and revision-independent objects follow it. */
  readonly release: IstioRelease;
  readonly hub: string;
  /** Name of the proxy image under the hub. */
  readonly proxyImageName: string;
  /** Oldest first (by version, then name). */
  readonly revisions: readonly RevisionConfig[];
  /** By name. */
  readonly tags: readonly RevisionTag[];
  /** The revision serving `istio-injection=enabled`: the `default` revision or the `default` tag's; unset: none. */
  readonly defaultRevision?: string;
  readonly versionChange?: VersionChangeConsent;
}

/** `1.30.3` → `1-30-3`: upstream's convention for revisions named after their version. */
export function revisionNameOf(version: string): string {
  return version.replace(/\./g, '-');
}

/** The revision a tag or revision name selects; undefined when it is neither. */
export function revisionOf(install: IstioInstall, nameOrTag: string): RevisionConfig | undefined {
  const name = install.tags.find((t) => t.name === nameOrTag)?.revision ?? nameOrTag;
  return install.revisions.find((r) => r.name === name);
}

/** The revision that stands for the cluster where one must: the default-injection revision, else the newest. */
export function primaryRevision(install: IstioInstall): RevisionConfig {
  return (install.defaultRevision && revisionOf(install, install.defaultRevision)) || install.revisions[install.revisions.length - 1];
}

/** Istio environment variables meshc sets itself, which a compatibility profile must agree with. */
export interface ManagedIstiodEnv {
  readonly names: readonly string[];
  /** The values meshc derives from other settings, where the profile could contradict them. */
  readonly values: Readonly<Record<string, { readonly value: string; readonly setting: string }>>;
  /** User-given istiod env names. */
  readonly userEnv: readonly string[];
}

export function resolveIstio(istio: IstioInput, ctx: ResolveContext, managed: ManagedIstiodEnv): IstioInstall | undefined {
  let ok = true;
  const fail = (path: (string | number)[], message: string, key = false) => {
    ok = false;
    ctx.fail(path, message, { key });
  };

  const declared = chooseDeclaration(istio, ctx);
  if (declared === 'conflict') {
    fail(['istio', 'revisions'], 'set either istio.version (one revision, upgraded in place) or istio.revisions (several side by side), not both at the same level');
    return undefined;
  }
  if (declared === 'none') {
    fail(['istio'], 'istio.version is required: set it (or istio.revisions) on the cluster or in defaults');
    return undefined;
  }

  const hub = istio.hub!;
  const proxyImageName = istio.proxyImageName ?? DEFAULT_PROXY_IMAGE;
  const entries =
    declared === 'version'
      ? [{ name: DEFAULT_REVISION, version: istio.version!, compatibilityVersion: undefined, path: ['istio', 'version'] }]
      : istio.revisions!.map((r, i) => ({ name: r.name ?? revisionNameOf(r.version), version: r.version, compatibilityVersion: r.compatibilityVersion, path: ['istio', 'revisions', i] }));

  const byName = new Map<string, number>();
  const revisions: RevisionConfig[] = [];
  entries.forEach((e, i) => {
    const release = findRelease(e.version)!;
    const first = byName.get(e.name);
    if (first !== undefined) {
      fail([...e.path, ...(istio.revisions![i].name ? ['name'] : ['version'])], `revision "${e.name}" is declared twice (revisions[${first}] and revisions[${i}]); give one of them a name`);
      return;
    }
    byName.set(e.name, i);
    const compat = e.compatibilityVersion ?? istio.compatibilityVersion;
    const compatPath = e.compatibilityVersion ? [...e.path, 'compatibilityVersion'] : ['istio', 'compatibilityVersion'];
    let compatibilityEnv: Record<string, string> = {};
    if (compat !== undefined) {
      const profile = compatibilityProfile(release, compat);
      if (!profile) {
        const accepted = release.compatibilityVersions;
        fail(
          compatPath,
          `Istio ${release.version} cannot emulate ${compat} (compatibilityVersion accepts ${accepted.length ? accepted.map((v) => `"${v}"`).join(', ') : 'nothing for this release'})`,
        );
      } else {
        compatibilityEnv = { ...profile.istiodEnv };
        for (const [name, value] of Object.entries(compatibilityEnv)) {
          const mine = managed.values[name];
          if (mine && mine.value !== value) {
            fail(compatPath, `compatibilityVersion ${compat} sets ${name}=${value}, but ${mine.setting} makes meshc set ${name}=${mine.value}; change one so they agree`);
          } else if (!mine && managed.names.includes(name)) {
            fail(compatPath, `compatibilityVersion ${compat} sets ${name}, which meshc manages`);
          }
          if (managed.userEnv.includes(name)) {
            fail(['controlPlane', 'istiod', 'env', name], `istiod env ${name} is also set by compatibilityVersion ${compat}; remove one of them`);
          }
        }
      }
    }
    revisions.push({
      name: e.name,
      release,
      ...(compat !== undefined ? { compatibilityVersion: compat } : {}),
      compatibilityEnv,
      proxyImage: imageRef(hub, proxyImageName, release.version),
      path: e.path,
    });
  });

  const tags: RevisionTag[] = [];
  for (const [tag, target] of Object.entries(istio.tags ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (byName.has(tag)) {
      fail(['istio', 'tags', tag], `tag "${tag}" has the name of a revision; a name selects either a tag or a revision`, true);
      continue;
    }
    if (!byName.has(target)) {
      const hint = didYouMean(target, [...byName.keys()]);
      fail(['istio', 'tags', tag], `tag "${tag}" points to "${target}", which is not a revision of this cluster (revisions: ${[...byName.keys()].join(', ')})${hint ? `; did you mean "${hint}"?` : ''}`);
      continue;
    }
    tags.push({ name: tag, revision: target });
  }
  if (!ok) return undefined;

  revisions.sort((a, b) => compareVersions(a.release.version, b.release.version) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const defaultRevision = byName.has(DEFAULT_REVISION) ? DEFAULT_REVISION : tags.find((t) => t.name === DEFAULT_REVISION)?.revision;
  const newest = revisions.reduce((a, b) => (compareVersions(b.release.version, a.release.version) > 0 ? b : a));
  return {
    release: newest.release,
    hub,
    proxyImageName,
    revisions,
    tags,
    ...(defaultRevision ? { defaultRevision } : {}),
    ...(istio.allowVersionChange ? { versionChange: istio.allowVersionChange as VersionChangeConsent } : {}),
  };
}

/** Where the cluster's revisions come from; the more specific level wins when both forms are set. */
function chooseDeclaration(istio: IstioInput, ctx: ResolveContext): 'version' | 'revisions' | 'conflict' | 'none' {
  const hasVersion = istio.version !== undefined;
  const hasRevisions = istio.revisions !== undefined;
  if (!hasVersion || !hasRevisions) return hasVersion ? 'version' : hasRevisions ? 'revisions' : 'none';
  const level = (p: readonly (string | number)[]) => (p[0] === 'clusters' && p.length > 2 ? 1 : p[0] === 'defaults' ? 0 : -1);
  const v = level(ctx.at('istio', 'version'));
  const r = level(ctx.at('istio', 'revisions'));
  return v === r ? 'conflict' : v > r ? 'version' : 'revisions';
}

/** Orders `1.29.6` before `1.30.3` (numeric, not textual). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
