/**
 * The version catalog: the only place in meshc where Istio and Kubernetes versions, image
 * names and CRD checksums live. Everything else asks this module.
 */
import { COMPATIBILITY_PROFILES, type CompatibilityProfile } from './compatibility';

export const DEFAULT_HUB = 'docker.io/istio';

export interface IstioRelease {
  /** Full version, e.g. `1.30.3`. */
  readonly version: string;
  /** Minor version, e.g. `1.30`. */
  readonly minor: string;
  /** Kubernetes minor versions this release supports, inclusive. */
  readonly kubernetes: { readonly min: string; readonly max: string };
  /** Past upstream end of life: still renderable, but meshc warns. */
  readonly endOfLife: boolean;
  /** Minor versions this release can emulate with `compatibilityVersion` (from its compatibility profiles). */
  readonly compatibilityVersions: readonly string[];
  /** Upstream images of this release (a fleet may pull them from a mirror `hub` instead). */
  readonly images: Readonly<Record<IstioImage, string>>;
  /** The upstream CRD bundle of this release and its sha256, to verify vendored copies. */
  readonly crds: { readonly url: string; readonly sha256: string };
}

function release(
  version: string,
  kubernetes: [string, string],
  endOfLife: boolean,
  crdSha256: string,
): IstioRelease {
  const minor = version.split('.').slice(0, 2).join('.');
  return {
    version,
    minor,
    kubernetes: { min: kubernetes[0], max: kubernetes[1] },
    endOfLife,
    compatibilityVersions: Object.keys(COMPATIBILITY_PROFILES[minor] ?? {}).sort(),
    images: { pilot: imageRef(DEFAULT_HUB, 'pilot', version), proxyv2: imageRef(DEFAULT_HUB, 'proxyv2', version) },
    crds: {
      url: `https://raw.githubusercontent.com/istio/istio/${version}/manifests/charts/base/files/crd-all.gen.yaml`,
      sha256: crdSha256,
    },
  };
}

/** Ordered oldest first. */
export const ISTIO_RELEASES: readonly IstioRelease[] = [
  release('1.28.10', ['1.30', '1.34'], true, 'b70ff427cc7733c3ea7a7e28a257570befd05760cd232d8c478eabd6c72e3205'),
  release('1.29.6', ['1.31', '1.35'], false, '53fd74da78d4d3ecb2e7e369e53101ea4e81b00b40f03eb75894d2e97dd5b19a'),
  release('1.30.3', ['1.32', '1.36'], false, 'dcb43ff6b9af2f629b80b6a82597f5a91db259c757e66cc5353ac007da28351a'),
];

export const ISTIO_VERSIONS: readonly string[] = ISTIO_RELEASES.map((r) => r.version);

/** The newest release: the default for new fleets and the source of `imports/`. */
export const LATEST_ISTIO: IstioRelease = ISTIO_RELEASES[ISTIO_RELEASES.length - 1];

export function findRelease(version: string): IstioRelease | undefined {
  return ISTIO_RELEASES.find((r) => r.version === version);
}

/** What `compatibilityVersion: <minor>` changes in a release; undefined when the release cannot emulate it. */
export function compatibilityProfile(release: IstioRelease, minor: string): CompatibilityProfile | undefined {
  return COMPATIBILITY_PROFILES[release.minor]?.[minor];
}

/** Istio's two images; `pilot` runs istiod, `proxyv2` every Envoy (sidecars, gateways). */
export type IstioImage = 'pilot' | 'proxyv2';
/** The proxy image's name under the hub unless a mirror renames it. */
export const DEFAULT_PROXY_IMAGE: IstioImage = 'proxyv2';

/** An image of the release under a hub; `image` is one of Istio's, or the name a mirror gives the proxy. */
export function imageRef(hub: string, image: IstioImage | string, version: string): string {
  return `${hub}/${image}:${version}`;
}

/** `1.33` or `1.33.4` → [1, 33]; undefined when not a Kubernetes version. */
export function parseMinor(version: string): [number, number] | undefined {
  const m = /^v?(\d+)\.(\d+)(?:\.\d+)?$/.exec(version);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

function compareMinor(a: [number, number], b: [number, number]): number {
  return a[0] - b[0] || a[1] - b[1];
}

/** Whether a Kubernetes version lies inside the release's supported range. */
export function supportsKubernetes(release: IstioRelease, kubernetesVersion: string): boolean {
  const v = parseMinor(kubernetesVersion);
  const min = parseMinor(release.kubernetes.min);
  const max = parseMinor(release.kubernetes.max);
  if (!v || !min || !max) return false;
  return compareMinor(v, min) >= 0 && compareMinor(v, max) <= 0;
}

/**
 * The official Node.js image the data-plane restarter Job runs in, pinned to an exact release
 * so a render never changes under a moving tag. Its `node` user (uid 1000) runs the script.
 */
export const RESTARTER_NODE_IMAGE = 'docker.io/library/node:22.12.0-alpine3.21';
export const RESTARTER_NODE_UID = 1000;
