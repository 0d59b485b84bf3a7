/**
 * With Istio CNI on, what upstream istiod injects with the cluster's own rendered injector: the
 * node agent, not the pod, sets up redirection.
 */
import { describe, expect, it } from 'vitest';
import type { ClusterConfig } from '../src/config/cluster-config';
import { injectFor, podOf } from './support/injection-case';
import { loadCluster, singleCluster } from './support/fleet';
import { find, manifests } from './support/objects';

const workload = (annotations: Record<string, string> = {}) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'shop', namespace: 'store' },
  spec: {
    selector: { matchLabels: { app: 'shop' } },
    template: {
      metadata: { labels: { app: 'shop' }, annotations },
      spec: { containers: [{ name: 'shop', image: 'shop:1', ports: [{ name: 'http', containerPort: 8080 }] }] },
    },
  },
});

function injectRendered(cluster: ClusterConfig, annotations: Record<string, string> = {}): Record<string, any> {
  return podOf(injectFor(cluster, workload(annotations)));
}

const cluster = (extra = '') => loadCluster(singleCluster(`    cni: { enabled: true }\n${extra}`));
const initContainer = (pod: Record<string, any>, name: string) => pod.spec.initContainers.find((c: any) => c.name === name);

describe('injection with Istio CNI on', () => {
  const cni = cluster();
  const pod = injectRendered(cni);

  it('injects istio-validation, which only checks the redirection the agent set up, instead of istio-init', () => {
    expect(pod.spec.initContainers.map((c: any) => c.name)).toEqual(['istio-validation', 'istio-proxy']);
    const validation = initContainer(pod, 'istio-validation');
    expect(validation.args.slice(-2)).toEqual(['--run-validation', '--skip-rule-apply']);
    expect(validation.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      privileged: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      runAsUser: 1337,
    });
    expect(validation.securityContext.capabilities.add).toBeUndefined();
    expect(JSON.parse(pod.metadata.annotations['sidecar.istio.io/status']).initContainers).toEqual(['istio-validation', 'istio-proxy']);
  });

  it('hands the agent the redirection settings as pod annotations', () => {
    expect(pod.metadata.annotations).toMatchObject({
      'sidecar.istio.io/interceptionMode': 'REDIRECT',
      'traffic.sidecar.istio.io/includeOutboundIPRanges': '*',
      'traffic.sidecar.istio.io/includeInboundPorts': '*',
      'traffic.sidecar.istio.io/excludeInboundPorts': '15020',
    });
  });

  it('carries the fleet\'s traffic settings and the pod\'s own annotations to the agent', () => {
    const tuned = cluster('    sidecar:\n      interceptionMode: TPROXY\n      excludeOutboundIPRanges: 169.254.169.254/32\n      excludeInboundPorts: "9090"\n      excludeOutboundPorts: "5432"\n');
    const annotations = injectRendered(tuned, { 'traffic.sidecar.istio.io/excludeInterfaces': 'eth1' }).metadata.annotations;
    expect(annotations).toMatchObject({
      'sidecar.istio.io/interceptionMode': 'TPROXY',
      'traffic.sidecar.istio.io/excludeOutboundIPRanges': '169.254.169.254/32',
      'traffic.sidecar.istio.io/excludeInboundPorts': '9090,15020',
      'traffic.sidecar.istio.io/excludeOutboundPorts': '5432',
      'traffic.sidecar.istio.io/excludeInterfaces': 'eth1',
    });
  });

  it('names the container the agent\'s repair watches for', () => {
    const agentConfig = find(manifests(cni), 'ConfigMap', 'istio-cni-config').data;
    expect(initContainer(pod, agentConfig.REPAIR_INIT_CONTAINER_NAME)).toBeDefined();
  });
});

describe('injection with Istio CNI off', () => {
  it('injects the privileged istio-init and no redirection annotations', () => {
    const pod = injectRendered(loadCluster(singleCluster()));
    expect(pod.spec.initContainers.map((c: any) => c.name)).toEqual(['istio-init', 'istio-proxy']);
    expect(initContainer(pod, 'istio-init').securityContext.capabilities.add).toEqual(['NET_ADMIN', 'NET_RAW']);
    expect(Object.keys(pod.metadata.annotations).filter((k) => k.startsWith('traffic.sidecar.istio.io/'))).toEqual([]);
    expect(pod.metadata.annotations['sidecar.istio.io/interceptionMode']).toBeUndefined();
  });
});
