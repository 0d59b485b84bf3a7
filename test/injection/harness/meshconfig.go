package main

// How istiod turns the `mesh` ConfigMap key and the pod's proxy.istio.io/config annotation
// into the .MeshConfig and .ProxyConfig the templates see.

import (
	"fmt"
	"reflect"
	"sort"
)

const annotationProxyConfig = "proxy.istio.io/config"

// parseMeshConfig mirrors mesh.ApplyMeshConfigDefaults: top-level fields replace the code
// defaults, except defaultConfig (merged field by field onto DefaultProxyConfig),
// defaultProviders (merged), extensionProviders (merged by name) and trustDomainAliases (union).
func parseMeshConfig(text string) (*MeshConfig, error) {
	obj, err := yamlObject(text)
	if err != nil {
		return nil, fmt.Errorf("mesh config: %v", err)
	}
	mc := DefaultMeshConfig()
	prevProxyConfig := mc.DefaultConfig
	prevProviders := mc.DefaultProviders
	prevExtensionProviders := mc.ExtensionProviders
	prevAliases := mc.TrustDomainAliases
	mc.DefaultConfig = DefaultProxyConfig()
	mc.DefaultProviders = nil
	mc.ExtensionProviders = nil
	mc.TrustDomainAliases = nil
	if err := decodeProtoInto(reflect.ValueOf(mc).Elem(), obj, ""); err != nil {
		return nil, fmt.Errorf("mesh config: %v", err)
	}
	mc.DefaultConfig = prevProxyConfig
	if pc, ok := obj["defaultConfig"].(map[string]any); ok {
		if err := mergeProxyConfig(mc.DefaultConfig, pc); err != nil {
			return nil, fmt.Errorf("mesh config defaultConfig: %v", err)
		}
	}
	mc.DefaultProviders = prevProviders
	if dp, ok := obj["defaultProviders"].(map[string]any); ok {
		if mc.DefaultProviders == nil {
			mc.DefaultProviders = Opaque{}
		}
		for k, v := range dp {
			mc.DefaultProviders[k] = deepCopyJSON(v)
		}
	}
	newProviders := mc.ExtensionProviders
	mc.ExtensionProviders = prevExtensionProviders
	for _, p := range newProviders {
		pm, _ := p.(map[string]any)
		found := false
		for i, e := range mc.ExtensionProviders {
			em, _ := e.(map[string]any)
			if pm != nil && em != nil && pm["name"] == em["name"] {
				mc.ExtensionProviders[i] = deepCopyJSON(pm)
				found = true
				break
			}
		}
		if !found {
			mc.ExtensionProviders = append(mc.ExtensionProviders, deepCopyJSON(p))
		}
	}
	aliases := map[string]bool{}
	for _, a := range append(mc.TrustDomainAliases, prevAliases...) {
		aliases[a] = true
	}
	mc.TrustDomainAliases = []string{}
	for a := range aliases {
		mc.TrustDomainAliases = append(mc.TrustDomainAliases, a)
	}
	sort.Strings(mc.TrustDomainAliases)
	return mc, nil
}

// mergeProxyConfig mirrors mesh.MergeProxyConfig: fields present in obj replace the current
// ones, proxyMetadata is merged key by key, and unset proxyHeaders parts keep their value.
func mergeProxyConfig(pc *ProxyConfig, obj map[string]any) error {
	origMetadata := pc.ProxyMetadata
	origHeaders := pc.ProxyHeaders
	if err := decodeProtoInto(reflect.ValueOf(pc).Elem(), obj, ""); err != nil {
		return err
	}
	if origMetadata != nil || pc.ProxyMetadata != nil {
		merged := map[string]string{}
		for k, v := range origMetadata {
			merged[k] = v
		}
		for k, v := range pc.ProxyMetadata {
			merged[k] = v
		}
		pc.ProxyMetadata = merged
	}
	if pc.ProxyHeaders != nil && origHeaders != nil {
		for _, k := range []string{"forwardedClientCert", "requestId", "attemptCount", "server", "envoyDebugHeaders"} {
			if _, set := pc.ProxyHeaders[k]; !set {
				if v, ok := origHeaders[k]; ok {
					pc.ProxyHeaders[k] = deepCopyJSON(v)
				}
			}
		}
	}
	return nil
}

// proxyConfigFromAnnotation reads the annotation into an otherwise empty ProxyConfig.
func proxyConfigFromAnnotation(value string) (*ProxyConfig, error) {
	obj, err := yamlObject(value)
	if err != nil {
		return nil, err
	}
	pc := &ProxyConfig{}
	if err := decodeProtoInto(reflect.ValueOf(pc).Elem(), obj, ""); err != nil {
		return nil, err
	}
	return pc, nil
}

// mergeWithPrecedence mirrors the ProxyConfig merge of pilot/pkg/model: earlier arguments win,
// proto.Merge semantics, except that a set concurrency or image replaces rather than merges.
func mergeWithPrecedence(pcs ...*ProxyConfig) *ProxyConfig {
	merged := &ProxyConfig{}
	for i := len(pcs) - 1; i >= 0; i-- {
		if pcs[i] == nil {
			continue
		}
		protoMerge(reflect.ValueOf(merged).Elem(), reflect.ValueOf(pcs[i]).Elem())
		if pcs[i].Concurrency != nil {
			merged.Concurrency = &Int32Value{Value: pcs[i].Concurrency.Value}
		}
		if pcs[i].Image != nil {
			merged.Image = &ProxyImage{ImageType: pcs[i].Image.ImageType}
		}
	}
	return merged
}

// effectiveProxyConfig mirrors ProxyConfigs.EffectiveProxyConfig as the injection webhook
// calls it (no ProxyConfig resources): code defaults, then the mesh defaultConfig, then the
// pod annotation. An annotation that does not parse is ignored here (validateAnnotations
// rejects it earlier).
func effectiveProxyConfig(mesh *MeshConfig, annotations map[string]string) *ProxyConfig {
	effective := mergeWithPrecedence(mesh.GetDefaultConfig(), DefaultProxyConfig())
	var workload *ProxyConfig
	if v, ok := annotations[annotationProxyConfig]; ok {
		if pca, err := proxyConfigFromAnnotation(v); err == nil {
			workload = mergeWithPrecedence(workload, pca)
		}
	}
	return mergeWithPrecedence(workload, effective)
}

// meshWithProxyConfigAnnotation mirrors mesh.ApplyProxyConfig, which reorderPod uses to read
// holdApplicationUntilProxyStarts: the annotation replaces the mesh defaults field by field.
func meshWithProxyConfigAnnotation(mesh *MeshConfig, annotations map[string]string) (*MeshConfig, error) {
	mc := deepCopy(reflect.ValueOf(mesh)).Interface().(*MeshConfig)
	v, ok := annotations[annotationProxyConfig]
	if !ok {
		return mc, nil
	}
	obj, err := yamlObject(v)
	if err != nil {
		return nil, err
	}
	if mc.DefaultConfig == nil {
		mc.DefaultConfig = &ProxyConfig{}
	}
	if err := mergeProxyConfig(mc.DefaultConfig, obj); err != nil {
		return nil, err
	}
	return mc, nil
}

// cleanProxyConfig mirrors the step of protoToJSON that drops every field still at its code
// default. That is why PROXY_CONFIG reads `{}` for a pod without proxy.istio.io/config: the
// chart's mesh defaultConfig only restates defaults (discoveryAddress), so nothing survives.
func cleanProxyConfig(original *ProxyConfig) *ProxyConfig {
	pc := cloneProxyConfig(original)
	d := DefaultProxyConfig()
	if pc.ConfigPath == d.ConfigPath {
		pc.ConfigPath = ""
	}
	if pc.BinaryPath == d.BinaryPath {
		pc.BinaryPath = ""
	}
	if pc.ControlPlaneAuthPolicy == d.ControlPlaneAuthPolicy {
		pc.ControlPlaneAuthPolicy = 0
	}
	if x, ok := pc.ClusterName.(*ProxyConfig_ServiceCluster); ok && x.ServiceCluster == d.GetServiceCluster() {
		pc.ClusterName = nil
	}
	eq := func(a, b any) bool { return protoEqual(reflect.ValueOf(a), reflect.ValueOf(b)) }
	if eq(pc.DrainDuration, d.DrainDuration) {
		pc.DrainDuration = nil
	}
	if eq(pc.TerminationDrainDuration, d.TerminationDrainDuration) {
		pc.TerminationDrainDuration = nil
	}
	if pc.DiscoveryAddress == d.DiscoveryAddress {
		pc.DiscoveryAddress = ""
	}
	if eq(pc.EnvoyMetricsService, d.EnvoyMetricsService) {
		pc.EnvoyMetricsService = nil
	}
	if eq(pc.EnvoyAccessLogService, d.EnvoyAccessLogService) {
		pc.EnvoyAccessLogService = nil
	}
	if eq(pc.Tracing, d.Tracing) {
		pc.Tracing = nil
	}
	if pc.ProxyAdminPort == d.ProxyAdminPort {
		pc.ProxyAdminPort = 0
	}
	if pc.StatNameLength == d.StatNameLength {
		pc.StatNameLength = 0
	}
	if pc.StatusPort == d.StatusPort {
		pc.StatusPort = 0
	}
	if eq(pc.Concurrency, d.Concurrency) {
		pc.Concurrency = nil
	}
	if len(pc.ProxyMetadata) == 0 {
		pc.ProxyMetadata = nil
	}
	return pc
}

// inboundTrafficPolicyMode mirrors inject.InboundTrafficPolicyMode.
func inboundTrafficPolicyMode(mesh *MeshConfig) string {
	if mesh.GetInboundTrafficPolicy().GetMode() == MeshConfig_InboundTrafficPolicy_LOCALHOST {
		return "localhost"
	}
	return "passthrough"
}
