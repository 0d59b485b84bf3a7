/**
 * Kubernetes Gateway API on a live cluster: a Gateway of class `istio` is served by meshc's
 * istiod without it trying to deploy a gateway it has no template for.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep } from './live/processes';
import { LiveScenario } from './live/scenario';
import { loadCluster, singleCluster } from './support/fleet';
import { manifests } from './support/objects';

type Obj = Record<string, any>;

const config = loadCluster(singleCluster('    gateways: { ingress: { enabled: false } }\n', { name: 'gateway-api' }));

describe('a Gateway API Gateway, live', () => {
  let live: LiveScenario;

  beforeAll(async () => {
    live = await LiveScenario.start(config);
    await live.installCrds();
    await live.sync(manifests(config));
    const api = live.cluster.admin();
    await api.create('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'edge' } });
    await api.create('/apis/gateway.networking.k8s.io/v1/namespaces/edge/gateways', {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'web', namespace: 'edge' },
      spec: { gatewayClassName: 'istio', listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }] },
    });
    // istiod reconciles Gateways within a second or two.
    await sleep(5_000);
  }, 300_000);

  afterAll(async () => {
    await live?.stop();
  });

  it('leaves istiod\'s log free of errors', () => {
    expect(live.istiods[0].errors()).toEqual([]);
  });

  it('deploys nothing for it: meshc runs gateways itself', async () => {
    const deployments = await live.cluster.admin().list<Obj>('/apis/apps/v1/namespaces/edge/deployments');
    expect(deployments.map((d) => d.metadata.name)).toEqual([]);
  });
});
