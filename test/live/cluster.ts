/**
 * A real Kubernetes control plane on loopback for live tests: etcd, kube-apiserver (RBAC and
 * the default admission chain on, PodSecurity included) and kube-controller-manager, built from
 * upstream's source by test/e2e/toolchain.ts. No kubelet runs: fake-kubelet.ts plays the node.
 *
 * The API server routes webhook calls to a Service's endpoints (--enable-aggregator-routing),
 * so a webhook served by a process on this machine is reached through the real Service and the
 * EndpointSlices the controller manager computes from real pods (docs/testing.md).
 */
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeClient, type KubeConnection } from '../../src/restarter/kube-client';
import { tool } from '../e2e/toolchain';
import { freePort, startDaemon, waitFor, type Daemon } from './processes';

export interface ClusterOptions {
  /** Names the working folder. */
  readonly name: string;
  /** Keep the working folder (logs, kubeconfigs) after stop(), e.g. to debug. */
  readonly keep?: boolean;
}

export interface KubectlResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

export class LiveCluster {
  private constructor(
    readonly dir: string,
    readonly server: string,
    readonly caPem: string,
    private readonly adminToken: string,
    private readonly daemons: Daemon[],
    private readonly keep: boolean,
  ) {}

  /** Client with cluster-admin rights, for the test's own set-up and checks. */
  readonly admin = (): KubeClient => new KubeClient(this.connection(this.adminToken), { maxAttempts: 3, baseDelayMs: 200 });

  connection(token: string): KubeConnection {
    return { server: this.server, caPem: this.caPem, token };
  }

  /** A kubeconfig file authenticating with `token` (default: the admin's). */
  kubeconfig(token: string = this.adminToken, name = 'admin'): string {
    const file = join(this.dir, `kubeconfig-${name}`);
    writeFileSync(
      file,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'live', cluster: { server: this.server, 'certificate-authority-data': Buffer.from(this.caPem).toString('base64') } }],
        users: [{ name, user: { token } }],
        contexts: [{ name: 'live', context: { cluster: 'live', user: name } }],
        'current-context': 'live',
      }),
    );
    return file;
  }

  kubectl(args: readonly string[], input?: string): KubectlResult {
    const r = spawnSync('kubectl', ['--kubeconfig', this.kubeconfig(), ...args], { input, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    if (r.error) throw r.error;
    return { status: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
  }

  /** A token of a ServiceAccount, from the TokenRequest API, as a pod of that account gets one. */
  async tokenFor(namespace: string, serviceAccount: string): Promise<string> {
    const answer = await this.admin().create<{ status: { token: string } }>(`/api/v1/namespaces/${namespace}/serviceaccounts/${serviceAccount}/token`, {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { expirationSeconds: 3600 },
    });
    return answer.status.token;
  }

  logs(): Record<string, string> {
    return Object.fromEntries(this.daemons.map((d) => [d.name, d.logText()]));
  }

  async stop(): Promise<void> {
    for (const d of [...this.daemons].reverse()) await d.stop();
    if (!this.keep) rmSync(this.dir, { recursive: true, force: true });
  }

  static async start(options: ClusterOptions): Promise<LiveCluster> {
    const dir = mkdtempSync(join(tmpdir(), `meshc-live-${options.name}-`));
    const daemons: Daemon[] = [];
    try {
      const [etcdPort, peerPort, apiPort] = [await freePort(), await freePort(), await freePort()];
      mkdirSync(join(dir, 'etcd'));
      const etcd = startDaemon('etcd', tool('kube', 'etcd'), ['--data-dir', join(dir, 'etcd'), '--client-port', String(etcdPort), '--peer-port', String(peerPort)], {
        log: join(dir, 'etcd.log'),
      });
      daemons.push(etcd);
      await waitFor('etcd', () => (etcd.logText().includes('ready') ? true : exitedWith(etcd)), 60_000);

      const adminToken = randomToken();
      const controllerToken = randomToken();
      // Test infrastructure, not under test: the controller manager gets full rights.
      writeFileSync(join(dir, 'tokens.csv'), `${adminToken},admin,admin,"system:masters"\n${controllerToken},system:kube-controller-manager,kcm,"system:masters"\n`);
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      writeFileSync(join(dir, 'sa.key'), privateKey.export({ type: 'pkcs1', format: 'pem' }));
      mkdirSync(join(dir, 'certs'));
      const server = `https://127.0.0.1:${apiPort}`;
      const apiserver = startDaemon(
        'kube-apiserver',
        tool('kube', 'kube-apiserver'),
        [
          `--etcd-servers=http://127.0.0.1:${etcdPort}`,
          '--bind-address=127.0.0.1',
          `--secure-port=${apiPort}`,
          `--cert-dir=${join(dir, 'certs')}`,
          `--token-auth-file=${join(dir, 'tokens.csv')}`,
          '--authorization-mode=Node,RBAC',
          '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
          `--service-account-key-file=${join(dir, 'sa.key')}`,
          `--service-account-signing-key-file=${join(dir, 'sa.key')}`,
          '--service-cluster-ip-range=10.96.0.0/16',
          // Webhooks are called at a Service's endpoint addresses, not its cluster IP.
          '--enable-aggregator-routing=true',
          // No kube-proxy, so the `kubernetes` Service needs no endpoints.
          '--endpoint-reconciler-type=none',
          // The Istio CNI node agent is privileged, as upstream's is.
          '--allow-privileged=true',
          '--v=1',
        ],
        { log: join(dir, 'kube-apiserver.log') },
      );
      daemons.push(apiserver);
      const certFile = join(dir, 'certs', 'apiserver.crt');
      await waitFor('the API server\'s certificate', () => (existsSync(certFile) ? true : exitedWith(apiserver)), 60_000);
      const caPem = readFileSync(certFile, 'utf8');
      const cluster = new LiveCluster(dir, server, caPem, adminToken, daemons, options.keep ?? false);
      // Ready once its bootstrap is done: the default namespace, RBAC's roles, system priority classes.
      await waitFor(
        'the API server to be ready',
        async () => {
          exitedWith(apiserver);
          const client = cluster.admin();
          await client.request('GET', '/api/v1/namespaces/default');
          await client.request('GET', '/apis/rbac.authorization.k8s.io/v1/clusterroles/cluster-admin');
          await client.request('GET', '/apis/scheduling.k8s.io/v1/priorityclasses/system-node-critical');
          return true;
        },
        120_000,
        500,
      );

      daemons.push(
        startDaemon(
          'kube-controller-manager',
          tool('kube', 'kube-controller-manager'),
          [
            `--kubeconfig=${cluster.kubeconfig(controllerToken, 'kcm')}`,
            '--leader-elect=false',
            '--secure-port=0',
            '--use-service-account-credentials=false',
            // No kubelet heartbeats: the node would otherwise be tainted and its pods evicted.
            '--controllers=*,-nodelifecycle',
            `--service-account-private-key-file=${join(dir, 'sa.key')}`,
            `--root-ca-file=${certFile}`,
            '--cluster-cidr=10.244.0.0/16',
            '--service-cluster-ip-range=10.96.0.0/16',
            '--concurrent-deployment-syncs=10',
            '--v=1',
          ],
          { log: join(dir, 'kube-controller-manager.log') },
        ),
      );
      return cluster;
    } catch (err) {
      for (const d of daemons.reverse()) await d.stop();
      throw new Error(`${(err as Error).message}\n(logs in ${dir})`);
    }
  }
}

function exitedWith(d: Daemon): undefined {
  if (d.child.exitCode !== null) throw new Error(`${d.name} exited with ${d.child.exitCode}: ${d.logText().slice(-2000)}`);
  return undefined;
}

function randomToken(): string {
  return Array.from({ length: 32 }, () => Math.floor(Math.random() * 36).toString(36)).join('');
}
