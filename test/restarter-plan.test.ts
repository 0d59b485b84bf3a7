import { describe, expect, it } from 'vitest';
import type { RestarterConfig } from '../src/restarter/config';
import type { Namespace, Pod, ReplicaSet } from '../src/restarter/kube-types';
import { planRestarts, type Plan } from '../src/restarter/plan';
import { windowState } from '../src/restarter/window';
import { namespace, NEW_REVISION, OLD_REVISION, ownerRef, pod, replicaSet, RESTARTED_ANNOTATION, testRestarterConfig, type ProxySpec } from './support/fake-kube-api';

const OLD = OLD_REVISION;
const NEW = NEW_REVISION;
const RESTARTED = RESTARTED_ANNOTATION;
const OPT_OUT = 'meshc.dev/sidecar-restart';
const NEW_TARGET = `1-30-3/${NEW.proxyImage}/istio-init`;

const old: ProxySpec = { revision: OLD.name, image: OLD.proxyImage };
const current: ProxySpec = { revision: NEW.name, image: NEW.proxyImage };

const config = testRestarterConfig;

/** The objects of a cluster, assembled from parts. */
interface World {
  namespaces: Namespace[];
  pods: Pod[];
  replicaSets: ReplicaSet[];
}

function world(...parts: Partial<World>[]): World {
  return {
    namespaces: parts.flatMap((p) => p.namespaces ?? []),
    pods: parts.flatMap((p) => p.pods ?? []),
    replicaSets: parts.flatMap((p) => p.replicaSets ?? []),
  };
}

interface OwnerOptions {
  replicas?: number;
  podAnnotations?: Record<string, string>;
  rsAnnotations?: Record<string, string>;
}

/** A Deployment's current ReplicaSet and its pods. */
function deployment(ns: string, name: string, proxy: ProxySpec | undefined, o: OwnerOptions = {}): Partial<World> {
  const rs = `${name}-7d9f`;
  const n = o.replicas ?? 1;
  return {
    replicaSets: [replicaSet(ns, rs, { deployment: name, replicas: n, revision: 3, ...(o.rsAnnotations ? { templateAnnotations: o.rsAnnotations } : {}) })],
    pods: Array.from({ length: n }, (_, i) => pod(ns, `${rs}-${i}`, { ...(proxy ? { proxy } : {}), owner: ownerRef('ReplicaSet', ns, rs), ...(o.podAnnotations ? { annotations: o.podAnnotations } : {}) })),
  };
}

function statefulSet(ns: string, name: string, proxy: ProxySpec, hashes: string[] = ['h1'], kind = 'StatefulSet'): Partial<World> {
  return {
    pods: hashes.map((h, i) => pod(ns, `${name}-${i}`, { proxy, owner: ownerRef(kind, ns, name), labels: { 'controller-revision-hash': `${name}-${h}` } })),
  };
}

function plan(w: World, cfg: RestarterConfig = config(), now = new Date('2025-03-04T12:00:00Z')): Plan {
  return planRestarts({ config: cfg, ...w, now });
}

const refName = (r: { owner: { kind: string; namespace: string; name: string } }) => `${r.owner.kind} ${r.owner.namespace}/${r.owner.name}`;
const restarts = (p: Plan) => p.batches.flat().map(refName);
const skips = (p: Plan) => Object.fromEntries(p.skipped.map((s) => [refName(s), s.reason]));
const only = (p: Plan) => {
  const all = p.batches.flat();
  expect(all).toHaveLength(1);
  return all[0]!;
};

describe('what needs a restart', () => {
  it('restarts a workload whose namespace tag moved to a new revision, and leaves it alone while the tag stays', () => {
    const w = world({ namespaces: [namespace('shop', { 'istio.io/rev': 'stable' })] }, deployment('shop', 'cart', old));
    const r = only(plan(w));
    expect(refName(r)).toBe('Deployment shop/cart');
    expect(r.action).toBe('patch');
    expect(r.reasons).toEqual(['revision-changed', 'outdated-proxy']);
    expect(r.expectation.target).toBe(NEW_TARGET);
    expect(r.message).toContain(`istio-proxy runs ${OLD.proxyImage}, expected ${NEW.proxyImage}`);

    const unmoved = plan(w, config({ tags: { stable: OLD.name } }));
    expect(unmoved.batches).toEqual([]);
    expect(unmoved.skipped).toEqual([]);
    expect(unmoved.upToDate).toBe(1);
  });

  it('restarts for a new proxy image of the same revision (patch upgrade in place)', () => {
    const w = world({ namespaces: [namespace('shop', { 'istio.io/rev': NEW.name })] }, deployment('shop', 'cart', { revision: NEW.name, image: 'docker.io/istio/proxyv2:1.30.2' }));
    expect(only(plan(w)).reasons).toEqual(['outdated-proxy']);
  });

  it('restarts for a revision change even when both revisions inject the same image', () => {
    const twins = config({ revisions: [{ ...OLD, proxyImage: NEW.proxyImage }, NEW] });
    const w = world({ namespaces: [namespace('shop', { 'istio.io/rev': 'stable' })] }, deployment('shop', 'cart', { revision: OLD.name, image: NEW.proxyImage }));
    expect(only(plan(w, twins)).reasons).toEqual(['revision-changed']);
  });

  it('ignores pods without a sidecar and counts up-to-date owners', () => {
    const w = world(
      { namespaces: [namespace('shop', { 'istio.io/rev': NEW.name })] },
      deployment('shop', 'plain', undefined, { replicas: 2 }),
      deployment('shop', 'fresh', current, { replicas: 2 }),
    );
    const p = plan(w);
    expect(p.batches).toEqual([]);
    expect(p.skipped).toEqual([]);
    expect(p.upToDate).toBe(1);
  });

  it('finds istio-proxy among the init containers (native sidecar) as well as among the containers', () => {
    const ns = { namespaces: [namespace('shop', { 'istio.io/rev': NEW.name })] };
    const native = plan(world(ns, deployment('shop', 'cart', { ...old, revision: NEW.name, native: true })));
    expect(only(native).reasons).toEqual(['outdated-proxy']);
    expect(only(native).message).toContain(`runs ${OLD.proxyImage}`);
    const nativeCurrent = plan(world(ns, deployment('shop', 'cart', { ...current, native: true })));
    expect(nativeCurrent.batches).toEqual([]);
    expect(nativeCurrent.upToDate).toBe(1);
  });

  it('restarts pods whose init container no longer matches the CNI mode, both ways', () => {
    const ns = { namespaces: [namespace('shop', { 'istio.io/rev': NEW.name })] };
    const toCni = plan(world(ns, deployment('shop', 'cart', { ...current, init: 'istio-init' })), config({ initContainer: 'istio-validation' }));
    expect(only(toCni).reasons).toEqual(['cni-mode-changed']);
    expect(only(toCni).expectation.target).toBe(`1-30-3/${NEW.proxyImage}/istio-validation`);
    const fromCni = plan(world(ns, deployment('shop', 'cart', { ...current, init: 'istio-validation' })), config({ initContainer: 'istio-init' }));
    expect(only(fromCni).reasons).toEqual(['cni-mode-changed']);
    // Gateways have no init container: nothing to switch.
    const gateway = plan(world(ns, deployment('shop', 'gw', { ...current, init: null })), config({ initContainer: 'istio-validation' }));
    expect(gateway.batches).toEqual([]);
  });

  it('honours a sidecar.istio.io/proxyImage override', () => {
    const ns = { namespaces: [namespace('shop', { 'istio.io/rev': NEW.name })] };
    const pinned = { 'sidecar.istio.io/proxyImage': 'example.com/proxy:custom' };
    const runsOverride = plan(world(ns, deployment('shop', 'cart', { revision: NEW.name, image: 'example.com/proxy:custom' }, { podAnnotations: pinned })));
    expect(runsOverride.batches).toEqual([]);
    expect(runsOverride.upToDate).toBe(1);
    const runsRevisionImage = plan(world(ns, deployment('shop', 'cart', current, { podAnnotations: pinned })));
    expect(only(runsRevisionImage).reasons).toEqual(['outdated-proxy']);
    expect(only(runsRevisionImage).expectation.target).toBe('1-30-3/example.com/proxy:custom/istio-init');
  });

  it('follows the pod\'s own istio.io/rev label (a tag is resolved) when the namespace selects nothing', () => {
    const labelled = (rev: string) => pod('shop', `cart-${rev}`, { proxy: old, labels: { 'istio.io/rev': rev }, owner: ownerRef('StatefulSet', 'shop', `cart-${rev}`) });
    const p = plan(world({ namespaces: [namespace('shop')], pods: [labelled('stable'), labelled(OLD.name), labelled('gone')] }));
    expect(p.batches.flat().map((r) => r.expectation.revision)).toEqual([NEW.name]);
    expect(p.batches.flat()[0]!.reasons).toContain('revision-changed');
    expect(skips(p)).toEqual({ 'StatefulSet shop/cart-gone': 'no-target-revision' });
    expect(p.skipped[0]!.message).toContain('istio.io/rev=gone');
  });

  it('moves pods that opt in with sidecar.istio.io/inject=true along with the default revision', () => {
    const optedIn = pod('shop', 'gw', { proxy: old, labels: { 'sidecar.istio.io/inject': 'true' }, owner: ownerRef('DaemonSet', 'shop', 'gw') });
    expect(only(plan(world({ namespaces: [namespace('shop')], pods: [optedIn] }))).expectation.revision).toBe(NEW.name);
    expect(plan(world({ namespaces: [namespace('shop')], pods: [optedIn] }), config({ defaultRevision: OLD.name })).upToDate).toBe(1);
  });

  it('moves pods of a removed revision to the default revision, and reports them when there is none', () => {
    const gone: ProxySpec = { revision: '1-28-0', image: 'docker.io/istio/proxyv2:1.28.0' };
    const w = world({ namespaces: [namespace('shop')] }, deployment('shop', 'cart', gone));
    const r = only(plan(w));
    expect(r.reasons).toEqual(['revision-removed', 'outdated-proxy']);
    expect(r.expectation.revision).toBe(NEW.name);
    const { defaultRevision: _, ...noDefault } = config();
    const p = plan(w, noDefault);
    expect(p.batches).toEqual([]);
    expect(skips(p)).toEqual({ 'Deployment shop/cart': 'no-target-revision' });
    expect(p.skipped[0]!.message).toContain('no default revision');
  });

  it('keeps pods on their own revision when the namespace names none, and reads the revision from the injection status too', () => {
    const w = world({ namespaces: [namespace('shop')] }, deployment('shop', 'cart', { revision: OLD.name, image: OLD.proxyImage, revisionInStatusOnly: true }));
    const p = plan(w);
    expect(p.batches).toEqual([]);
    expect(p.upToDate).toBe(1);
  });

  it('reports an unknown namespace revision or tag instead of guessing', () => {
    const w = world({ namespaces: [namespace('shop', { 'istio.io/rev': 'canary' })] }, deployment('shop', 'cart', old));
    const p = plan(w);
    expect(skips(p)).toEqual({ 'Deployment shop/cart': 'no-target-revision' });
    expect(p.skipped[0]!.message).toContain('istio.io/rev=canary, which is neither a revision (1-29-6, 1-30-3) nor a tag (stable)');
  });

  it('sends istio-injection=enabled namespaces to the default revision, even with an istio.io/rev label (as Istio does)', () => {
    const w = world({ namespaces: [namespace('shop', { 'istio-injection': 'enabled', 'istio.io/rev': OLD.name })] }, deployment('shop', 'cart', old));
    expect(only(plan(w)).expectation.revision).toBe(NEW.name);
  });
});

describe('owners', () => {
  it('restarts an owner with several outdated pods once, listing its pods', () => {
    const w = world({ namespaces: [namespace('shop', { 'istio.io/rev': 'stable' })] }, deployment('shop', 'cart', old, { replicas: 3 }));
    const r = only(plan(w));
    expect(r.pods).toEqual(['cart-7d9f-0', 'cart-7d9f-1', 'cart-7d9f-2']);
    expect(r.message).toContain('(3 of 3 pods outdated)');
  });

  it('restarts StatefulSets and DaemonSets through their pods, in namespace, kind, name order', () => {
    const w = world(
      { namespaces: [namespace('a', { 'istio.io/rev': 'stable' }), namespace('b', { 'istio.io/rev': 'stable' })] },
      statefulSet('b', 'db', old),
      deployment('b', 'api', old),
      statefulSet('a', 'logs', old, ['h1'], 'DaemonSet'),
      deployment('a', 'web', old),
    );
    expect(restarts(plan(w))).toEqual(['DaemonSet a/logs', 'Deployment a/web', 'Deployment b/api', 'StatefulSet b/db']);
  });

  it('picks the target from the first pod by name when the pods of one owner disagree, whatever the input order', () => {
    const ns = { namespaces: [namespace('shop', { 'istio.io/rev': NEW.name })] };
    const owner = ownerRef('StatefulSet', 'shop', 'db');
    const a = pod('shop', 'db-0', { proxy: old, owner, annotations: { 'sidecar.istio.io/proxyImage': 'example.com/proxy:a' } });
    const b = pod('shop', 'db-1', { proxy: old, owner });
    const forward = only(plan(world(ns, { pods: [a, b] })));
    const backward = only(plan(world(ns, { pods: [b, a] })));
    expect(forward.expectation.target).toBe('1-30-3/example.com/proxy:a/istio-init');
    expect(backward).toEqual(forward);
  });

  it('reports pods of Jobs and CronJobs, of other controllers and of ReplicaSets without a Deployment, and touches none', () => {
    const ns = 'batch';
    const w = world(
      { namespaces: [namespace(ns, { 'istio.io/rev': 'stable' })] },
      { pods: [pod(ns, 'migrate-x1', { proxy: old, owner: ownerRef('Job', ns, 'migrate') })] },
      // A CronJob's pod: the restarter sees only its Job.
      { pods: [pod(ns, 'nightly-28999-abc', { proxy: old, owner: ownerRef('Job', ns, 'nightly-28999') })] },
      { pods: [pod(ns, 'canary-0', { proxy: old, owner: ownerRef('Rollout', ns, 'canary', 'argoproj.io/v1alpha1') })] },
      { replicaSets: [replicaSet(ns, 'loose')], pods: [pod(ns, 'loose-1', { proxy: old, owner: ownerRef('ReplicaSet', ns, 'loose') })] },
      { pods: [pod(ns, 'lost-1', { proxy: old, owner: ownerRef('ReplicaSet', ns, 'lost') })] },
    );
    const p = plan(w);
    expect(p.batches).toEqual([]);
    expect(skips(p)).toEqual({
      'Job batch/migrate': 'job-pod',
      'Job batch/nightly-28999': 'job-pod',
      'Rollout batch/canary': 'unsupported-owner',
      'ReplicaSet batch/loose': 'unmanaged-replicaset',
      'ReplicaSet batch/lost': 'owner-not-found',
    });
  });

  it('reports bare pods, and deletes them only when deleteBarePods is on', () => {
    const w = world({ namespaces: [namespace('shop', { 'istio.io/rev': 'stable' })] }, { pods: [pod('shop', 'debug', { proxy: old })] });
    expect(skips(plan(w))).toEqual({ 'Pod shop/debug': 'bare-pod' });
    const r = only(plan(w, config({ deleteBarePods: true })));
    expect(refName(r)).toBe('Pod shop/debug');
    expect(r.action).toBe('delete');
  });

  it('ignores terminating and finished pods', () => {
    const ns = { namespaces: [namespace('shop', { 'istio.io/rev': 'stable' })] };
    const owner = ownerRef('StatefulSet', 'shop', 'db');
    const w = world(ns, {
      pods: [pod('shop', 'db-0', { proxy: old, owner, terminating: true }), pod('shop', 'evicted', { proxy: old, phase: 'Failed' }), pod('shop', 'db-1', { proxy: current, owner })],
    });
    const p = plan(w);
    expect(p.batches).toEqual([]);
    expect(p.skipped).toEqual([]);
  });
});

describe('what is left alone', () => {
  it('skips opted-out namespaces and workloads', () => {
    const w = world(
      { namespaces: [namespace('frozen', { 'istio.io/rev': 'stable', [OPT_OUT]: 'disabled' }), namespace('shop', { 'istio.io/rev': 'stable' })] },
      deployment('frozen', 'ledger', old),
      deployment('shop', 'cart', old, { podAnnotations: { [OPT_OUT]: 'disabled' } }),
      deployment('shop', 'web', old, { podAnnotations: { [OPT_OUT]: 'enabled' } }),
    );
    const p = plan(w);
    expect(skips(p)).toEqual({ 'Deployment frozen/ledger': 'namespace-opted-out', 'Deployment shop/cart': 'workload-opted-out' });
    expect(restarts(p)).toEqual(['Deployment shop/web']);
  });

  it('does not patch a workload again for the same target, from its pods or its current ReplicaSet', () => {
    const ns = { namespaces: [namespace('shop', { 'istio.io/rev': 'stable' })] };
    const onPods = plan(world(ns, deployment('shop', 'cart', old, { podAnnotations: { [RESTARTED]: NEW_TARGET } })));
    expect(skips(onPods)).toEqual({ 'Deployment shop/cart': 'already-restarted' });
    const onReplicaSet = plan(world(ns, deployment('shop', 'cart', old, { rsAnnotations: { [RESTARTED]: NEW_TARGET } })));
    expect(skips(onReplicaSet)).toEqual({ 'Deployment shop/cart': 'already-restarted' });
    // Restarted for an earlier target: the new target restarts it again.
    const earlier = plan(world(ns, deployment('shop', 'cart', old, { podAnnotations: { [RESTARTED]: `1-29-6/${OLD.proxyImage}/istio-init` } })));
    expect(restarts(earlier)).toEqual(['Deployment shop/cart']);
  });

  it('skips a Deployment whose ReplicaSets are mid-rollout, and a StatefulSet whose pods come from two revisions', () => {
    const ns = { namespaces: [namespace('shop', { 'istio.io/rev': 'stable' })] };
    const rolling = world(ns, deployment('shop', 'cart', old), { replicaSets: [replicaSet('shop', 'cart-55aa', { deployment: 'cart', replicas: 1, revision: 4 })] });
    expect(skips(plan(rolling))).toEqual({ 'Deployment shop/cart': 'rollout-in-progress' });
    // An old ReplicaSet scaled to zero is history, not a rollout.
    const settled = world(ns, deployment('shop', 'cart', old), { replicaSets: [replicaSet('shop', 'cart-11bb', { deployment: 'cart', replicas: 0, revision: 2 })] });
    expect(restarts(plan(settled))).toEqual(['Deployment shop/cart']);
    const sts = plan(world(ns, statefulSet('shop', 'db', old, ['h1', 'h2'])));
    expect(skips(sts)).toEqual({ 'StatefulSet shop/db': 'rollout-in-progress' });
  });
});

describe('maintenance window', () => {
  const ns = { namespaces: [namespace('shop', { 'istio.io/rev': 'stable' })] };
  const w = world(ns, deployment('shop', 'cart', old), deployment('shop', 'web', old));
  // Europe/Berlin is UTC+1 in March (before the DST switch).
  const berlin = config({ window: { days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'], start: '01:00', end: '05:00', timeZone: 'Europe/Berlin' } });

  it('restarts inside the window', () => {
    const p = plan(w, berlin, new Date('2025-03-04T01:30:00Z')); // Tue 02:30 in Berlin
    expect(restarts(p)).toHaveLength(2);
    expect(p.window).toEqual({ open: true, message: 'inside the maintenance window (Mon, Tue, Wed, Thu, Fri 01:00–05:00 Europe/Berlin)' });
  });

  it('defers everything outside the window, naming the next opening', () => {
    const p = plan(w, berlin, new Date('2025-03-04T04:30:00Z')); // Tue 05:30 in Berlin: just closed
    expect(p.batches).toEqual([]);
    expect(p.deferred.map((d) => [refName(d), d.reason])).toEqual([
      ['Deployment shop/cart', 'outside-window'],
      ['Deployment shop/web', 'outside-window'],
    ]);
    expect(p.deferred[0]!.message).toContain('it opens next at 2025-03-05 01:00 Europe/Berlin (2025-03-05T00:00:00Z)');
    expect(p.deferred[0]!.restart.expectation.target).toBe(NEW_TARGET);
    // Saturday: the next opening is Monday.
    const weekend = plan(w, berlin, new Date('2025-03-08T12:00:00Z'));
    expect(weekend.deferred[0]!.message).toContain('2025-03-10 01:00 Europe/Berlin (2025-03-10T00:00:00Z)');
  });

  it('runs a window past midnight on the day after the day it opens', () => {
    // Fridays 22:00 to 04:00 in New York (UTC-5 in January).
    const fri = { days: ['Fri'] as const, start: '22:00', end: '04:00', timeZone: 'America/New_York' };
    const at = (iso: string) => windowState({ ...fri, days: [...fri.days] }, new Date(iso));
    expect(at('2025-01-04T02:59:00Z').nextOpen).toEqual(new Date('2025-01-04T03:00:00Z')); // Fri 21:59: opens in a minute
    expect(at('2025-01-04T03:00:00Z').open).toBe(true); // Fri 22:00
    expect(at('2025-01-04T08:30:00Z').open).toBe(true); // Sat 03:30, still Friday's window
    expect(at('2025-01-04T09:00:00Z')).toEqual({ open: false, nextOpen: new Date('2025-01-11T03:00:00Z') }); // Sat 04:00: closed for a week
    expect(at('2025-01-05T03:30:00Z').open).toBe(false); // Sat 22:30: Saturday opens no window
  });

  it('finds the opening on the night clocks change', () => {
    // Berlin switches to summer time at 02:00 on 2025-03-30; 01:00 that night is still UTC+1.
    const sunday = { days: ['Sun' as const], start: '01:00', end: '05:00', timeZone: 'Europe/Berlin' };
    expect(windowState(sunday, new Date('2025-03-29T12:00:00Z')).nextOpen).toEqual(new Date('2025-03-30T00:00:00Z'));
  });

  it('reads the clock in a zone with a half-hour offset', () => {
    const kolkata = { days: ['Mon' as const], start: '09:00', end: '10:00', timeZone: 'Asia/Kolkata' }; // UTC+5:30
    expect(windowState(kolkata, new Date('2025-03-03T03:45:00Z')).open).toBe(true); // Mon 09:15
    expect(windowState(kolkata, new Date('2025-03-03T03:15:00Z'))).toEqual({ open: false, nextOpen: new Date('2025-03-03T03:30:00Z') });
    expect(windowState(kolkata, new Date('2025-03-03T04:30:00Z')).open).toBe(false); // Mon 10:00: closed
  });
});

describe('batches', () => {
  const deployments = (ns: string, n: number) => Array.from({ length: n }, (_, i) => deployment(ns, `d${i + 1}`, old));
  const w = world(
    { namespaces: [namespace('a', { 'istio.io/rev': 'stable' }), namespace('b', { 'istio.io/rev': 'stable' })] },
    ...deployments('b', 3),
    ...deployments('a', 4),
  );
  const names = (p: Plan) => p.batches.map((b) => b.map((r) => `${r.owner.namespace}/${r.owner.name}`));

  it('fills batches in order, at most maxPerNamespace of a namespace each', () => {
    const p = plan(w, config({ batches: { size: 3, maxPerNamespace: 2, maxPerRun: 50, readinessTimeoutSeconds: 60 } }));
    expect(names(p)).toEqual([
      ['a/d1', 'a/d2', 'b/d1'],
      ['a/d3', 'a/d4', 'b/d2'],
      ['b/d3'],
    ]);
  });

  it('defers what is beyond maxPerRun to the next run', () => {
    const p = plan(w, config({ batches: { size: 3, maxPerNamespace: 2, maxPerRun: 5, readinessTimeoutSeconds: 60 } }));
    expect(names(p)).toEqual([
      ['a/d1', 'a/d2', 'b/d1'],
      ['a/d3', 'a/d4'],
    ]);
    expect(p.deferred.map((d) => [refName(d), d.reason])).toEqual([
      ['Deployment b/d2', 'run-limit'],
      ['Deployment b/d3', 'run-limit'],
    ]);
  });
});
