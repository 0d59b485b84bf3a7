/**
 * `meshc restart`: the fleet file's cluster becomes the restarter's configuration, and the plan
 * is printed against a cluster reached through a kubeconfig (a fake API server here).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { run } from '../src/cli';
import { FakeKubeApi } from './support/fake-kube-api';
import { EXAMPLE_FLEET } from './support/objects';

let work: string | undefined;
let api: FakeKubeApi | undefined;
afterEach(async () => {
  if (work) rmSync(work, { recursive: true, force: true });
  await api?.close();
  work = api = undefined;
});

async function meshc(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(['restart', ...args], { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err: err.join('\n') };
}

/** The staging cluster of the example fleet: 1.29.6 as the default revision, 1.30.3 behind the `canary` tag. */
async function staging(): Promise<string> {
  api = await FakeKubeApi.start(() => ({ revision: '1-30-3', image: 'docker.io/istio/proxyv2:1.30.3' }));
  api.addNamespace('shop', { 'istio.io/rev': 'canary' });
  api.addNamespace('legacy', { 'istio-injection': 'enabled' });
  api.addWorkload('Deployment', 'shop', 'cart', { proxy: { revision: 'default', image: 'docker.io/istio/proxyv2:1.29.6' } });
  api.addWorkload('Deployment', 'legacy', 'billing', { proxy: { revision: 'default', image: 'docker.io/istio/proxyv2:1.29.6' } });
  work = mkdtempSync(join(tmpdir(), 'meshc-restart-'));
  const kubeconfig = join(work, 'config');
  writeFileSync(
    kubeconfig,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'staging', cluster: { server: api.url } }],
      users: [{ name: 'staging', user: { token: 't' } }],
      contexts: [{ name: 'staging', context: { cluster: 'staging', user: 'staging' } }],
      'current-context': 'staging',
    }),
  );
  return kubeconfig;
}

describe('meshc restart', () => {
  it('plans from the fleet file: the canary namespace moves to 1-30-3, the default one stays', async () => {
    const kubeconfig = await staging();
    const r = await meshc(['--config', EXAMPLE_FLEET, '--cluster', 'staging', '--kubeconfig', kubeconfig, '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.out.filter((l) => l.startsWith('would restart'))).toEqual([expect.stringMatching(/^would restart Deployment shop\/cart\b.*1-30-3/)]);
    expect(api!.mutatingRequests()).toEqual([]);
  });

  it('needs --cluster when the fleet has several, and names the clusters it has', async () => {
    expect(await meshc(['--config', EXAMPLE_FLEET, '--dry-run'])).toMatchObject({ code: 2, err: expect.stringContaining('has several clusters (prod-eu-west, prod-us-east, staging, analytics); name one with --cluster') });
    expect(await meshc(['--config', EXAMPLE_FLEET, '--cluster', 'prod', '--dry-run'])).toMatchObject({ code: 2, err: expect.stringContaining('has no cluster "prod"') });
    expect(await meshc(['--config', EXAMPLE_FLEET, '--bogus'])).toMatchObject({ code: 2, err: expect.stringContaining('unknown option --bogus') });
    expect((await meshc(['--help'])).out.join('\n')).toContain('Usage: meshc restart');
  });
});
