/**
 * Runs the container of a live pod on this machine, as far as a program in it can tell: its
 * volumes (ConfigMaps, Secrets, the projected service-account token, CA and namespace) read from
 * the API server, its environment, and the in-cluster address of the API server. Used for the
 * pods meshc renders to run a program of its own (the data-plane sync Job's restarter).
 *
 * The program runs in a private mount namespace whose /run is a fresh tmpfs, so volumes mounted
 * under /run or /var/run (the service-account token) appear at their exact paths; other mount
 * paths are placed under /run/meshc-volumes/<volume> and the command's arguments rewritten to
 * them. `node` is this machine's Node.js. Needs unshare(1) and CAP_SYS_ADMIN (root).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { LiveCluster } from './cluster';

type Obj = Record<string, any>;

export interface PodRun {
  readonly exitCode: number;
  readonly output: string;
}

const RUN_PATH = /^\/(var\/)?run\//;

export async function runPod(cluster: LiveCluster, pod: Obj): Promise<PodRun> {
  if (pod.spec.containers.length !== 1) throw new Error(`runPod runs one container; ${pod.metadata.name} has ${pod.spec.containers.length}`);
  const container = pod.spec.containers[0];
  const stage = mkdtempSync(join(cluster.dir, `pod-${pod.metadata.name}-`));
  const rewrites: [string, string][] = [];

  const place = (mountPath: string, file: string, content: string) => {
    const path = join(stage, 'run', mountPath.replace(RUN_PATH, ''), file);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
  };
  for (const mount of container.volumeMounts ?? []) {
    const volume = (pod.spec.volumes ?? []).find((v: Obj) => v.name === mount.name);
    let target: string = mount.mountPath;
    if (!RUN_PATH.test(target)) {
      target = `/run/meshc-volumes/${mount.name}`;
      rewrites.push([mount.mountPath, target]);
    }
    mkdirSync(join(stage, 'run', target.replace(RUN_PATH, '')), { recursive: true });
    for (const [file, content] of Object.entries(await volumeFiles(cluster, pod, volume))) place(target, file, content);
  }

  const port = new URL(cluster.server).port;
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: '/tmp', KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: port };
  for (const e of container.env ?? []) {
    if (typeof e.value === 'string') env[e.name] = e.value;
    else if (e.valueFrom?.fieldRef) env[e.name] = String(fieldOf(pod, e.valueFrom.fieldRef.fieldPath) ?? '');
  }
  const rewrite = (arg: string) => rewrites.reduce((a, [from, to]) => (a === from || a.startsWith(`${from}/`) ? to + a.slice(from.length) : a), arg);
  const argv: string[] = [...(container.command ?? []), ...(container.args ?? [])].map(rewrite);
  if (argv[0] === 'node') argv[0] = process.execPath;

  const script = 'mount -t tmpfs -o mode=0755 tmpfs /run && cp -r "$0"/run/. /run/ && exec "$@"';
  const child = spawn('unshare', ['--mount', '--propagation', 'private', '--', 'sh', '-c', script, stage, ...argv], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exitCode = await new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
  return { exitCode, output };
}

function fieldOf(pod: Obj, path: string): unknown {
  return path.split('.').reduce<any>((v, k) => v?.[k], pod);
}

async function volumeFiles(cluster: LiveCluster, pod: Obj, volume: Obj | undefined): Promise<Record<string, string>> {
  if (!volume) throw new Error(`pod ${pod.metadata.name} mounts a volume it does not declare`);
  const ns = pod.metadata.namespace;
  const api = cluster.admin();
  const keys = (data: Record<string, string>, items: Obj[] | undefined, decode: boolean) => {
    const value = (k: string) => (decode ? Buffer.from(data[k], 'base64').toString('utf8') : data[k]);
    return items ? Object.fromEntries(items.map((i) => [i.path, value(i.key)])) : Object.fromEntries(Object.keys(data).map((k) => [k, value(k)]));
  };
  if (volume.configMap) {
    const cm = await api.request<Obj>('GET', `/api/v1/namespaces/${ns}/configmaps/${volume.configMap.name}`);
    return keys(cm.data ?? {}, volume.configMap.items, false);
  }
  if (volume.secret) {
    const secret = await api.request<Obj>('GET', `/api/v1/namespaces/${ns}/secrets/${volume.secret.secretName}`);
    return keys(secret.data ?? {}, volume.secret.items, true);
  }
  if (volume.emptyDir) return {};
  if (volume.projected) {
    const files: Record<string, string> = {};
    for (const source of volume.projected.sources) {
      if (source.serviceAccountToken) files[source.serviceAccountToken.path] = await cluster.tokenFor(ns, pod.spec.serviceAccountName);
      else if (source.configMap) Object.assign(files, await volumeFiles(cluster, pod, { configMap: source.configMap }));
      else if (source.secret) Object.assign(files, await volumeFiles(cluster, pod, { secret: { secretName: source.secret.name, items: source.secret.items } }));
      else if (source.downwardAPI) for (const item of source.downwardAPI.items) files[item.path] = String(fieldOf(pod, item.fieldRef.fieldPath) ?? '');
    }
    return files;
  }
  throw new Error(`pod ${pod.metadata.name}: volume ${volume.name} of a kind this runner does not provide`);
}
