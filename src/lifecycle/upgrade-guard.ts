/**
 * The upgrade guard: how far a cluster's Istio versions may move in one reviewed change.
 *
 * An in-place upgrade (a revision keeps its name, its version changes) may move one minor
 * version: that is what upstream supports and tests. A canary (a new revision beside ones that
 * stay) may move two minors, measured from the oldest version running, because the old control
 * plane keeps serving until workloads move. No downgrade, no major change. Anything else needs
 * `istio.allowVersionChange` with the exact `from` and `to` and a reason.
 */
import { compareVersions, type IstioInstall, type RevisionConfig } from '../config/resolve-istio';
import type { ResolveContext } from '../config/resolve-context';
import type { VersionRecord } from './version-record';

export type { VersionRecord } from './version-record';

export type ViolationKind = 'downgrade' | 'major' | 'skip';

export interface Violation {
  readonly kind: ViolationKind;
  readonly revision: RevisionConfig;
  readonly from: string;
  readonly to: string;
  /** Minor versions the change may move: 1 in place, 2 for a canary. */
  readonly limit: number;
  readonly canary: boolean;
}

const minorOf = (v: string): [number, number] => {
  const [major, minor] = v.split('.').map(Number);
  return [major, minor];
};

/** Every change from `previous` to `next` the guard refuses, ignoring consent. */
export function upgradeViolations(previous: VersionRecord, next: IstioInstall): Violation[] {
  const before = new Map(previous.revisions.map((r) => [r.name, r.version]));
  if (before.size === 0) return [];
  const versions = [...before.values()].sort(compareVersions);
  const oldest = versions[0];
  const newest = versions[versions.length - 1];
  const canary = next.revisions.some((r) => before.has(r.name));
  const violations: Violation[] = [];
  for (const revision of next.revisions) {
    const to = revision.release.version;
    const kept = before.get(revision.name);
    if (kept === to) continue;
    // A new revision older than what already runs moves the cluster backwards too.
    const from = kept ?? (compareVersions(to, newest) < 0 ? newest : oldest);
    const limit = kept === undefined && canary ? 2 : 1;
    const [fromMajor, fromMinor] = minorOf(from);
    const [toMajor, toMinor] = minorOf(to);
    const base = { revision, from, to, limit, canary: kept === undefined && canary };
    if (toMajor !== fromMajor) violations.push({ kind: 'major', ...base });
    else if (compareVersions(to, from) < 0) violations.push({ kind: 'downgrade', ...base });
    else if (toMinor - fromMinor > limit) violations.push({ kind: 'skip', ...base });
  }
  return violations;
}

function describe(v: Violation): string {
  const who = v.revision.name === 'default' ? '' : `revision ${v.revision.name}: `;
  const change = `Istio ${v.from} → ${v.to}`;
  switch (v.kind) {
    case 'major':
      return `${who}${change} changes the major version`;
    case 'downgrade':
      return `${who}${change} is a downgrade`;
    case 'skip': {
      const moved = minorOf(v.to)[1] - minorOf(v.from)[1];
      return v.canary
        ? `${who}${change} moves ${moved} minor versions; a canary beside the running revisions may move at most two`
        : `${who}${change} moves ${moved} minor versions in place; an in-place upgrade may move one (add the new version as a canary revision beside the old one, which may move two)`;
    }
  }
}

/**
 * Reports every refused change at the revision's version in the fleet file, unless the fleet
 * file consents to exactly that change. Returns the install as rendered: the consent is kept
 * (and so recorded) only when it was needed.
 */
export function checkUpgrade(previous: VersionRecord | undefined, next: IstioInstall, ctx: ResolveContext, baseline: string): IstioInstall {
  const consent = next.versionChange;
  const violations = previous ? upgradeViolations(previous, next) : [];
  let used = false;
  for (const v of violations) {
    if (consent && consent.from === v.from && consent.to === v.to) {
      used = true;
      continue;
    }
    const path = v.revision.path[1] === 'version' ? [...v.revision.path] : [...v.revision.path, 'version'];
    ctx.fail(
      path,
      `${describe(v)} (compared with ${baseline}). To do it anyway, set istio.allowVersionChange: { from: "${v.from}", to: "${v.to}", reason: "..." }`,
    );
  }
  // Sidecars keep the address of the istiod that injected them until they restart.
  for (const gone of previous?.revisions ?? []) {
    if (next.revisions.some((r) => r.name === gone.name)) continue;
    ctx.warn(
      ['istio'],
      `revision ${gone.name} (Istio ${gone.version}) is removed; workloads still injected by it lose their control plane until restarted. Check first: meshc restart --dry-run`,
      { key: true },
    );
  }
  if (!consent || used) return next;
  ctx.warn(
    ['istio', 'allowVersionChange'],
    previous
      ? `allowVersionChange ${consent.from} → ${consent.to} is not needed for this render (compared with ${baseline}); remove it`
      : `allowVersionChange ${consent.from} → ${consent.to} has nothing to apply to: ${baseline} has no versions for this cluster`,
  );
  const { versionChange: _unused, ...rest } = next;
  void _unused;
  return rest;
}
