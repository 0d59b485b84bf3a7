/**
 * Platform presets of the Istio CNI node agent: where each Kubernetes distribution keeps its CNI
 * plugin binaries and network configuration on the node, and what else it needs. The paths are
 * upstream Istio's platform profiles (`manifests/helm-profiles/platform-*.yaml`) as data.
 */

export const CNI_PLATFORMS = ['default', 'gke', 'k3s', 'k3d', 'openshift', 'microk8s'] as const;
export type CniPlatform = (typeof CNI_PLATFORMS)[number];

export interface CniPlatformPreset {
  /** Host directory the container runtime loads CNI plugin binaries from. */
  readonly cniBinDir: string;
  /** Host directory of the CNI network configuration the agent adds Istio's plugin to. */
  readonly cniConfDir: string;
  /**
   * Insert the plugin into the existing network configuration (`true`), or write a standalone
   * configuration file that a meta-plugin such as Multus invokes (`false`).
   */
  readonly chained: boolean;
  /** Name of the standalone configuration file; unset, the agent picks the first file it finds. */
  readonly cniConfFileName?: string;
  /** How pods reach the plugin: `multus` when it runs as a secondary network, not in the chain. */
  readonly provider: 'default' | 'multus';
  /** SELinux type the agent must run as to write host paths the platform labels. */
  readonly seLinuxType?: string;
  /**
   * The platform's admission grants privileged pods only through a SecurityContextConstraints
   * the agent's account must be allowed to use.
   */
  readonly securityContextConstraints?: string;
  /**
   * The platform admits `system-node-critical` pods outside kube-system only up to a
   * ResourceQuota scoped to that PriorityClass.
   */
  readonly criticalPodQuota: boolean;
  /**
   * istiod's PLATFORM: on `openshift` the injector runs proxies as the namespace's own UID (from
   * its `openshift.io/sa.scc.uid-range` annotation) instead of 1337.
   */
  readonly istiodPlatform?: 'openshift';
  /** The platform's admission refuses istio-init's NET_ADMIN and NET_RAW: pods need the CNI agent. */
  readonly requiresCni?: boolean;
}

const STANDARD = { cniBinDir: '/opt/cni/bin', cniConfDir: '/etc/cni/net.d', chained: true, provider: 'default', criticalPodQuota: false } as const;
const K3S_CONF_DIR = '/var/lib/rancher/k3s/agent/etc/cni/net.d';

export const CNI_PLATFORM_PRESETS: Readonly<Record<CniPlatform, CniPlatformPreset>> = {
  // Most distributions and managed services: EKS, AKS, kind, kubeadm, minikube.
  default: STANDARD,
  gke: { ...STANDARD, cniBinDir: '/home/kubernetes/bin', criticalPodQuota: true },
  k3s: {
    ...STANDARD,
    // k3s has loaded plugins from this stable path since its October 2024 releases; older Istio
    // profiles still name the per-release path (data/current/bin) that k3s used before.
    cniBinDir: '/var/lib/rancher/k3s/data/cni',
    cniConfDir: K3S_CONF_DIR,
  },
  // k3s in containers, as upstream's profile has it: node images whose containerd loads plugins
  // from /bin. Images whose k3s loads them from data/cni need the k3s preset instead.
  k3d: { ...STANDARD, cniBinDir: '/bin', cniConfDir: K3S_CONF_DIR },
  // The plugin runs as a Multus network, invoked only for pods that request it.
  openshift: {
    ...STANDARD,
    cniBinDir: '/var/lib/cni/bin',
    cniConfDir: '/etc/cni/multus/net.d',
    chained: false,
    cniConfFileName: 'istio-cni.conf',
    provider: 'multus',
    seLinuxType: 'spc_t',
    securityContextConstraints: 'privileged',
    istiodPlatform: 'openshift',
    requiresCni: true,
  },
  microk8s: { ...STANDARD, cniBinDir: '/var/snap/microk8s/current/opt/cni/bin', cniConfDir: '/var/snap/microk8s/current/args/cni-network' },
};
