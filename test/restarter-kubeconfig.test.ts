import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { RestarterConfig } from '../src/restarter/config';
import { connectionFromKubeconfig, kubeconfigPaths } from '../src/restarter/kubeconfig';
import { restartCommand } from '../src/restarter/restart-command';
import { FakeKubeApi } from './support/fake-kube-api';

const dirs: string[] = [];
const servers: FakeKubeApi[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'meshc-kubeconfig-'));
  dirs.push(dir);
  return dir;
}

interface Ctx {
  name: string;
  cluster: Record<string, unknown>;
  user: Record<string, unknown>;
}

/** A kubeconfig with one cluster and one user per context, named after the context. */
function kubeconfig(dir: string, contexts: Ctx[], current = contexts[0]?.name, file = 'config'): string {
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    ...(current ? { 'current-context': current } : {}),
    clusters: contexts.map((c) => ({ name: `${c.name}-cluster`, cluster: c.cluster })),
    users: contexts.map((c) => ({ name: `${c.name}-user`, user: c.user })),
    contexts: contexts.map((c) => ({ name: c.name, context: { cluster: `${c.name}-cluster`, user: `${c.name}-user` } })),
  };
  const path = join(dir, file);
  writeFileSync(path, stringify(doc));
  return path;
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('kubeconfig', () => {
  it('uses the current context, or the one asked for', async () => {
    const path = kubeconfig(tempDir(), [
      { name: 'dev', cluster: { server: 'https://dev.example:6443' }, user: { token: 'dev-token' } },
      { name: 'prod', cluster: { server: 'https://prod.example:6443', 'insecure-skip-tls-verify': true }, user: { token: 'prod-token' } },
    ]);
    expect(await connectionFromKubeconfig({ path })).toEqual({ server: 'https://dev.example:6443', token: 'dev-token' });
    expect(await connectionFromKubeconfig({ path, context: 'prod' })).toEqual({ server: 'https://prod.example:6443', token: 'prod-token', insecureSkipTlsVerify: true });
  });

  it('names the contexts there are when asked for an unknown one', async () => {
    const path = kubeconfig(tempDir(), [{ name: 'dev', cluster: { server: 'https://dev.example' }, user: {} }]);
    await expect(connectionFromKubeconfig({ path, context: 'staging' })).rejects.toThrow(`kubeconfig ${path} has no context "staging" (contexts: dev)`);
  });

  it('decodes inline CA and client certificate data', async () => {
    const path = kubeconfig(tempDir(), [
      {
        name: 'dev',
        cluster: { server: 'https://dev.example', 'certificate-authority-data': b64('CA PEM') },
        user: { 'client-certificate-data': b64('CERT PEM'), 'client-key-data': b64('KEY PEM') },
      },
    ]);
    expect(await connectionFromKubeconfig({ path })).toEqual({ server: 'https://dev.example', caPem: 'CA PEM', clientCertPem: 'CERT PEM', clientKeyPem: 'KEY PEM' });
  });

  it('reads files relative to the kubeconfig, not to the working directory', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'pki'));
    writeFileSync(join(dir, 'pki', 'ca.crt'), 'CA FILE');
    writeFileSync(join(dir, 'pki', 'client.crt'), 'CERT FILE');
    writeFileSync(join(dir, 'pki', 'client.key'), 'KEY FILE');
    writeFileSync(join(dir, 'token'), 'file-token\n');
    const path = kubeconfig(dir, [
      {
        name: 'dev',
        cluster: { server: 'https://dev.example', 'certificate-authority': 'pki/ca.crt', 'tls-server-name': 'api.internal' },
        user: { 'client-certificate': 'pki/client.crt', 'client-key': 'pki/client.key', tokenFile: 'token' },
      },
    ]);
    expect(await connectionFromKubeconfig({ path })).toEqual({
      server: 'https://dev.example',
      caPem: 'CA FILE',
      tlsServerName: 'api.internal',
      token: 'file-token',
      clientCertPem: 'CERT FILE',
      clientKeyPem: 'KEY FILE',
    });
  });

  it('runs exec credential plugins with their arguments and environment', async () => {
    const script = [
      'const info = JSON.parse(process.env.KUBERNETES_EXEC_INFO);',
      'const token = [process.argv[1], process.env.PLUGIN_ENV, info.kind, info.spec.interactive].join(":");',
      'console.log(JSON.stringify({ apiVersion: info.apiVersion, kind: "ExecCredential", status: { token } }));',
    ].join('\n');
    const path = kubeconfig(tempDir(), [
      {
        name: 'dev',
        cluster: { server: 'https://dev.example' },
        user: {
          exec: {
            apiVersion: 'client.authentication.k8s.io/v1',
            command: process.execPath,
            args: ['-e', script, 'from-args'],
            env: [{ name: 'PLUGIN_ENV', value: 'from-env' }],
            interactiveMode: 'Never',
          },
        },
      },
    ]);
    expect(await connectionFromKubeconfig({ path })).toEqual({ server: 'https://dev.example', token: 'from-args:from-env:ExecCredential:false' });
  });

  it('runs a plugin given by a relative path from the kubeconfig folder, and takes its client certificate', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'bin'));
    const plugin = join(dir, 'bin', 'cred.sh');
    writeFileSync(plugin, `#!/bin/sh\necho '{"kind":"ExecCredential","status":{"clientCertificateData":"EXEC CERT","clientKeyData":"EXEC KEY"}}'\n`);
    chmodSync(plugin, 0o755);
    const path = kubeconfig(dir, [{ name: 'dev', cluster: { server: 'https://dev.example' }, user: { exec: { command: './bin/cred.sh' } } }]);
    expect(await connectionFromKubeconfig({ path })).toEqual({ server: 'https://dev.example', clientCertPem: 'EXEC CERT', clientKeyPem: 'EXEC KEY' });
  });

  it('says why a credential plugin failed', async () => {
    const dir = tempDir();
    const failing = kubeconfig(dir, [
      { name: 'dev', cluster: { server: 'https://dev.example' }, user: { exec: { command: process.execPath, args: ['-e', 'console.error("login expired"); process.exit(3)'] } } },
    ]);
    await expect(connectionFromKubeconfig({ path: failing })).rejects.toThrow(/credential plugin .* failed \(3\): login expired/);
    const missing = kubeconfig(dir, [{ name: 'dev', cluster: { server: 'https://dev.example' }, user: { exec: { command: 'no-such-plugin-xyz', installHint: 'install it with brew' } } }], 'dev', 'missing');
    await expect(connectionFromKubeconfig({ path: missing })).rejects.toThrow('kubeconfig user "dev-user": credential plugin no-such-plugin-xyz not found\ninstall it with brew');
  });

  it('rejects auth providers by name', async () => {
    const path = kubeconfig(tempDir(), [{ name: 'gke', cluster: { server: 'https://gke.example' }, user: { 'auth-provider': { name: 'gcp', config: {} } } }]);
    await expect(connectionFromKubeconfig({ path })).rejects.toThrow('kubeconfig user "gke-user" uses auth-provider "gcp", which meshc restart does not support');
  });

  it('merges the files of $KUBECONFIG as kubectl does: the first file naming an entry wins', async () => {
    const dir = tempDir();
    const first = kubeconfig(dir, [{ name: 'dev', cluster: { server: 'https://first.example' }, user: { token: 'one' } }], 'dev', 'first');
    const second = kubeconfig(dir, [
      { name: 'dev', cluster: { server: 'https://second.example' }, user: { token: 'two' } },
      { name: 'prod', cluster: { server: 'https://prod.example' }, user: { token: 'three' } },
    ], 'prod', 'second');
    const env = { KUBECONFIG: [join(dir, 'absent'), first, second].join(process.platform === 'win32' ? ';' : ':') };
    expect(kubeconfigPaths(undefined, env)).toEqual([join(dir, 'absent'), first, second]);
    expect(await connectionFromKubeconfig({ env })).toEqual({ server: 'https://first.example', token: 'one' });
    expect(await connectionFromKubeconfig({ env, context: 'prod' })).toEqual({ server: 'https://prod.example', token: 'three' });
    expect(kubeconfigPaths(undefined, { HOME: dir })).toEqual([join(dir, '.kube', 'config')]);
  });
});

describe('restartCommand', () => {
  const config: RestarterConfig = {
    cluster: 'dev',
    revisions: [{ name: '1-30-3', version: '1.30.3', proxyImage: 'docker.io/istio/proxyv2:1.30.3' }],
    tags: {},
    defaultRevision: '1-30-3',
    initContainer: 'istio-init',
    restartAnnotation: 'meshc.dev/sidecar-restarted-for',
    namespaceOptOutLabel: 'meshc.dev/sidecar-restart',
    workloadOptOutAnnotation: 'meshc.dev/sidecar-restart',
    batches: { size: 5, maxPerNamespace: 2, maxPerRun: 50, readinessTimeoutSeconds: 60 },
    deleteBarePods: false,
  };

  async function server(): Promise<FakeKubeApi> {
    const api = await FakeKubeApi.start(() => ({ revision: '1-30-3', image: 'docker.io/istio/proxyv2:1.30.3' }));
    servers.push(api);
    api.requiredToken = 'secret';
    api.addNamespace('shop', { 'istio-injection': 'enabled' });
    api.addWorkload('Deployment', 'shop', 'cart', { proxy: { revision: '1-30-3', image: 'docker.io/istio/proxyv2:1.30.2' } });
    return api;
  }

  it('connects through the kubeconfig and previews the restarts in a dry run', async () => {
    const api = await server();
    const path = kubeconfig(tempDir(), [{ name: 'dev', cluster: { server: api.url }, user: { token: 'secret' } }]);
    const lines: string[] = [];
    const code = await restartCommand({ config, kubeconfig: path, dryRun: true, log: (l) => lines.push(l) });
    expect(code).toBe(0);
    expect(lines.filter((l) => l.startsWith('would restart Deployment shop/cart'))).toHaveLength(1);
    expect(api.requests.length).toBeGreaterThan(0);
    expect(api.mutatingRequests()).toEqual([]);
  });

  it('exits 1 with the reason when the kubeconfig or the credentials are wrong', async () => {
    const api = await server();
    const dir = tempDir();
    const lines: string[] = [];
    const log = (l: string) => lines.push(l);
    expect(await restartCommand({ config, kubeconfig: join(dir, 'nope'), dryRun: true, log })).toBe(1);
    expect(lines[0]).toBe(`error: kubeconfig ${join(dir, 'nope')} does not exist`);
    const path = kubeconfig(dir, [{ name: 'dev', cluster: { server: api.url }, user: { token: 'wrong' } }]);
    lines.length = 0;
    expect(await restartCommand({ config, kubeconfig: path, dryRun: true, log })).toBe(1);
    expect(lines[0]).toMatch(/^error: cannot read the cluster: GET \/api\/v1\/\S+: 401 Unauthorized: Unauthorized$/);
  });
});
