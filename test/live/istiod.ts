/**
 * Upstream istiod (pilot-discovery of the revision's release) run out of cluster against a
 * live API server, configured as meshc renders it: the container's args and environment of the
 * rendered Deployment, the ConfigMaps it reads from the API server (no files are mounted, so
 * istiod reads meshc's mesh and injector ConfigMaps as it does in a cluster), and the token of
 * the rendered ServiceAccount, so that only meshc's RBAC authorises it.
 *
 * Each istiod listens on its own address, which its pods report as their pod IP, so the API
 * server reaches its webhooks through the real Service and EndpointSlices. The addresses are
 * /32s on the loopback interface, added for the test and removed after (needs CAP_NET_ADMIN:
 * Kubernetes refuses 127.0.0.0/8 in EndpointSlices).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { istiodFor, tool } from '../e2e/toolchain';
import type { LiveCluster } from './cluster';
import { startDaemon, waitFor, type Daemon } from './processes';

type Obj = Record<string, any>;

const claimed = new Set<string>();
process.on('exit', () => {
  for (const ip of claimed) spawnSync('ip', ['addr', 'del', `${ip}/32`, 'dev', 'lo'], { stdio: 'ignore' });
});

/** Adds an address for this test process to the loopback interface (10.255.0.0/16, outside any cluster range used here). */
export function claimAddress(): string {
  const present = spawnSync('ip', ['-4', '-o', 'addr', 'show', 'dev', 'lo'], { encoding: 'utf8' }).stdout ?? '';
  for (let i = (process.pid % 200) * 250; i < 65_000; i++) {
    const ip = `10.255.${Math.floor(i / 250)}.${(i % 250) + 2}`;
    if (claimed.has(ip) || present.includes(` ${ip}/`)) continue;
    const r = spawnSync('ip', ['addr', 'add', `${ip}/32`, 'dev', 'lo'], { encoding: 'utf8' });
    if (r.status !== 0) {
      if (/exists/i.test(r.stderr)) continue;
      throw new Error(`cannot add ${ip}/32 to the loopback interface (the live tests need CAP_NET_ADMIN, e.g. root): ${r.stderr || r.error?.message}`);
    }
    claimed.add(ip);
    return ip;
  }
  throw new Error('no free address in 10.255.0.0/16');
}

export function releaseAddress(ip: string): void {
  if (!claimed.delete(ip)) return;
  spawnSync('ip', ['addr', 'del', `${ip}/32`, 'dev', 'lo'], { stdio: 'ignore' });
}

/**
 * Error-level lines upstream istiod logs for reasons of its own, not of meshc's configuration;
 * each with why. Everything else at error level fails the live tests.
 */
export const UPSTREAM_NOISE: readonly { readonly line: RegExp; readonly why: string }[] = [
  {
    line: /\terror\tcontrollers\terror handling [a-z-]+, retrying \(retry count: \d+\): gatewayclasses\.gateway\.networking\.k8s\.io "[a-z-]+" already exists\tcontroller=gateway class$/,
    why:
      'Two of istiod\'s controllers create the built-in GatewayClasses; the one that loses the race treats AlreadyExists as an error ' +
      '(its code checks IsConflict), logs it, retries and finds the class in place (pilot/pkg/config/kube/gatewaycommon/gatewayclass.go).',
  },
];

export interface IstiodRun {
  /** The rendered Deployment it runs. */
  readonly deployment: string;
  readonly revision: string;
  /** The release's own istiod is not available; another release's stands in (test/e2e/toolchain.ts). */
  readonly standIn: boolean;
  readonly ip: string;
  readonly daemon: Daemon;
  /** istiod's readiness endpoint, as its readiness probe calls it. */
  readonly readyUrl: string;
  /** Error-level lines of its log, but upstream's known noise (UPSTREAM_NOISE). */
  errors(): string[];
  stop(): Promise<void>;
}

/** istiod's readiness endpoint on its address, as its readiness probe calls it. */
export const istiodReadyUrl = (ip: string): string => `http://${ip}:8080/ready`;

const container = (deployment: Obj) => deployment.spec.template.spec.containers.find((c: Obj) => c.name === 'discovery');

/**
 * Starts the istiod of a rendered Deployment. `istioVersion` picks the upstream build that
 * judges that release (test/e2e/toolchain.ts).
 */
export async function startIstiod(cluster: LiveCluster, deployment: Obj, istioVersion: string, ip: string): Promise<IstiodRun> {
  const pod = deployment.spec.template;
  const ns = deployment.metadata.namespace;
  const serviceAccount = pod.spec.serviceAccountName;
  const podName = `${deployment.metadata.name}-out-of-cluster`;
  const kubeconfig = cluster.kubeconfig(await cluster.tokenFor(ns, serviceAccount), deployment.metadata.name);
  const c = container(deployment);

  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH };
  for (const e of c.env ?? []) {
    if (typeof e.value === 'string') env[e.name] = e.value;
    const field = e.valueFrom?.fieldRef?.fieldPath;
    if (field === 'metadata.name') env[e.name] = podName;
    else if (field === 'metadata.namespace') env[e.name] = ns;
    else if (field === 'spec.serviceAccountName') env[e.name] = serviceAccount;
    // resourceFieldRef (GOMAXPROCS, GOMEMLIMIT): left to the Go runtime outside a container.
  }
  // In a pod this path holds a remote cluster's kubeconfig, when there is one; here, its own.
  env.KUBECONFIG = kubeconfig;

  const revision = pod.metadata.labels['istio.io/rev'] ?? 'default';
  const judge = istiodFor(istioVersion);
  const daemon = startDaemon(
    `istiod-${revision}`,
    tool(judge.toolchain, 'pilot-discovery'),
    [
      ...c.args,
      `--kubeconfig=${kubeconfig}`,
      `--httpAddr=${ip}:8080`,
      `--grpcAddr=${ip}:15010`,
      `--secureGRPCAddr=${ip}:15012`,
      `--httpsAddr=${ip}:15017`,
      `--monitoringAddr=${ip}:15014`,
      `--ctrlz_address=${ip}`,
    ],
    { log: join(cluster.dir, `istiod-${revision}.log`), env, cwd: mkdtempSync(join(cluster.dir, `istiod-${revision}-`)) },
  );
  return {
    deployment: deployment.metadata.name,
    revision,
    standIn: judge.standIn,
    ip,
    daemon,
    readyUrl: istiodReadyUrl(ip),
    errors: () =>
      daemon
        .logText()
        .split('\n')
        .filter((l) => /^\S+\s+error\s/.test(l) && !UPSTREAM_NOISE.some((n) => n.line.test(l))),
    stop: () => daemon.stop(),
  };
}

/** Waits until istiod reports ready; throws with its log's tail if it exits first. */
export async function waitIstiodReady(run: IstiodRun, timeoutMs = 120_000): Promise<void> {
  await waitFor(
    `istiod ${run.revision} ready`,
    async () => {
      if (run.daemon.child.exitCode !== null) throw new Error(`istiod exited with ${run.daemon.child.exitCode}:\n${run.daemon.logText().slice(-3000)}`);
      const res = await fetch(run.readyUrl).catch(() => undefined);
      return res?.status === 200 ? true : undefined;
    },
    timeoutMs,
    500,
  );
}
