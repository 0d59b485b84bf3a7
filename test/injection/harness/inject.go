package main

// istiod's injection pipeline (pkg/kube/inject: webhook.go inject/injectPod, inject.go
// RunTemplate) over the mirror types. Each istiod step is its own function named after it.
//
// Left out, because the comparison with upstream's golden files excludes what they produce:
//   - applyRewrite: rewriting app probes to the agent and ISTIO_KUBE_APP_PROBERS;
//   - createPatch: istiod answers with a JSON patch, the harness returns the patched object.
// validateAnnotations checks the syntax of the annotations istiod validates, but not the
// semantic ProxyConfig validation (agent.ValidateMeshConfigProxyConfig).

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/netip"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"text/template"

	"sigs.k8s.io/yaml"
)

const (
	initContainerName       = "istio-init"
	validationContainerName = "istio-validation"
	enableCoreDumpName      = "enable-core-dump"
	autoImage               = "auto"

	annotationStatus           = "sidecar.istio.io/status"
	annotationOverrides        = "proxy.istio.io/overrides"
	annotationInjectTemplates  = "inject.istio.io/templates"
	annotationNativeSidecar    = "sidecar.istio.io/nativeSidecar"
	annotationProxyImageType   = "sidecar.istio.io/proxyImageType"
	annotationInject           = "sidecar.istio.io/inject"
	annotationInterceptionMode = "sidecar.istio.io/interceptionMode"
	annotationPrometheusMerge  = "prometheus.istio.io/merge-metrics"
	labelInject                = "sidecar.istio.io/inject"
	labelTopologyNetwork       = "topology.istio.io/network"
)

// SidecarTemplateData mirrors inject.SidecarTemplateData field for field.
type SidecarTemplateData struct {
	TypeMeta                 TypeMeta
	DeploymentMeta           NamespacedName
	ObjectMeta               ObjectMeta
	Spec                     PodSpec
	ProxyConfig              *ProxyConfig
	MeshConfig               *MeshConfig
	Values                   map[string]any
	Revision                 string
	NativeSidecars           bool
	ProxyImage               string
	ProxyUID                 int64
	ProxyGID                 int64
	InboundTrafficPolicyMode string
	CompliancePolicy         string
}

type LabelSelectorRequirement struct {
	Key      string   `json:"key"`
	Operator string   `json:"operator"`
	Values   []string `json:"values,omitempty"`
}

type LabelSelector struct {
	MatchLabels      map[string]string          `json:"matchLabels,omitempty"`
	MatchExpressions []LabelSelectorRequirement `json:"matchExpressions,omitempty"`
}

// InjectorConfig mirrors inject.Config, the `config` key of istio-sidecar-injector.
type InjectorConfig struct {
	Policy               string                        `json:"policy"`
	DefaultTemplates     []string                      `json:"defaultTemplates"`
	RawTemplates         map[string]string             `json:"templates"`
	Aliases              map[string][]string           `json:"aliases"`
	NeverInjectSelector  []LabelSelector               `json:"neverInjectSelector"`
	AlwaysInjectSelector []LabelSelector               `json:"alwaysInjectSelector"`
	InjectedAnnotations  map[string]string             `json:"injectedAnnotations"`
	Templates            map[string]*template.Template `json:"-"`
}

// unmarshalInjectorConfig mirrors inject.UnmarshalConfig.
func unmarshalInjectorConfig(text string) (*InjectorConfig, error) {
	var c InjectorConfig
	if err := yaml.Unmarshal([]byte(text), &c); err != nil {
		return nil, fmt.Errorf("failed to unmarshal injection template: %v", err)
	}
	if c.RawTemplates == nil {
		c.RawTemplates = map[string]string{}
	}
	if len(c.DefaultTemplates) == 0 {
		c.DefaultTemplates = []string{"sidecar"}
	}
	c.Templates = map[string]*template.Template{}
	for name, text := range c.RawTemplates {
		t, err := parseInjectionTemplate(text)
		if err != nil {
			return nil, fmt.Errorf("template %q: %v", name, err)
		}
		c.Templates[name] = t
	}
	return &c, nil
}

type injectionParams struct {
	pod              *Pod
	deployMeta       NamespacedName
	typeMeta         TypeMeta
	config           *InjectorConfig
	meshConfig       *MeshConfig
	proxyConfig      *ProxyConfig
	values           map[string]any
	revision         string
	nativeSidecar    bool
	proxyEnvs        map[string]string
	compliancePolicy string
	warnings         []string
}

func (p *injectionParams) warnf(format string, args ...any) {
	p.warnings = append(p.warnings, fmt.Sprintf(format, args...))
}

// ---- policy ----------------------------------------------------------------------------------

var ignoredNamespaces = []string{"kube-system", "kube-public", "kube-node-lease", "local-path-storage"}

// injectRequired mirrors inject.injectRequired: host-network pods and system namespaces are
// never injected; the sidecar.istio.io/inject label (or, failing that, annotation) decides
// when it is "true" or "false"; otherwise neverInjectSelector, alwaysInjectSelector and the
// policy decide.
func injectRequired(config *InjectorConfig, pod *Pod) bool {
	if pod.Spec.HostNetwork {
		return false
	}
	for _, ns := range ignoredNamespaces {
		if pod.ObjectMeta.Namespace == ns {
			return false
		}
	}
	selector := pod.ObjectMeta.Annotations[annotationInject]
	if l, ok := pod.ObjectMeta.Labels[labelInject]; ok {
		selector = l
	}
	useDefault, inject := false, false
	switch selector {
	case "true":
		inject = true
	case "false":
	default:
		useDefault = true
	}
	if useDefault {
		for _, s := range config.NeverInjectSelector {
			if m, err := selectorMatches(s, pod.ObjectMeta.Labels); err == nil && m {
				inject, useDefault = false, false
				break
			}
		}
	}
	if useDefault {
		for _, s := range config.AlwaysInjectSelector {
			if m, err := selectorMatches(s, pod.ObjectMeta.Labels); err == nil && m {
				inject, useDefault = true, false
				break
			}
		}
	}
	switch config.Policy {
	case "disabled":
		return !useDefault && inject
	case "enabled":
		return useDefault || inject
	}
	return false
}

// selectorMatches evaluates a metav1.LabelSelector; an empty selector matches nothing here,
// as istiod skips selectors that select everything.
func selectorMatches(s LabelSelector, labels map[string]string) (bool, error) {
	if len(s.MatchLabels) == 0 && len(s.MatchExpressions) == 0 {
		return false, nil
	}
	for k, v := range s.MatchLabels {
		if got, ok := labels[k]; !ok || got != v {
			return false, nil
		}
	}
	for _, r := range s.MatchExpressions {
		v, has := labels[r.Key]
		in := false
		for _, x := range r.Values {
			if x == v {
				in = true
			}
		}
		switch r.Operator {
		case "In":
			if len(r.Values) == 0 {
				return false, fmt.Errorf("values must be non-empty for In")
			}
			if !has || !in {
				return false, nil
			}
		case "NotIn":
			if len(r.Values) == 0 {
				return false, fmt.Errorf("values must be non-empty for NotIn")
			}
			if has && in {
				return false, nil
			}
		case "Exists":
			if !has {
				return false, nil
			}
		case "DoesNotExist":
			if has {
				return false, nil
			}
		default:
			return false, fmt.Errorf("%q is not a valid label selector operator", r.Operator)
		}
	}
	return true, nil
}

// ---- pre-template steps ----------------------------------------------------------------------

func parsePort(s string) (int, error) {
	p, err := strconv.ParseUint(strings.TrimSpace(s), 10, 16)
	if err != nil {
		return 0, fmt.Errorf("failed parsing port %q: %v", s, err)
	}
	return int(p), nil
}

func validatePortList(name, ports string) error {
	ports = strings.TrimSpace(ports)
	if ports == "" {
		return nil
	}
	for _, p := range strings.Split(ports, ",") {
		if _, err := parsePort(p); err != nil {
			return fmt.Errorf("%s invalid: %v", name, err)
		}
	}
	return nil
}

func validateCIDRList(name, cidrs string) error {
	if cidrs == "" {
		return nil
	}
	for _, c := range strings.Split(cidrs, ",") {
		if _, err := netip.ParsePrefix(c); err != nil {
			return fmt.Errorf("%s invalid: failed parsing cidr %q: %v", name, c, err)
		}
	}
	return nil
}

// validateAnnotations mirrors inject.validateAnnotations for the annotations it checks.
func validateAnnotations(annotations map[string]string) error {
	uint32Value := func(v string) error {
		_, err := strconv.ParseUint(v, 10, 32)
		return err
	}
	validators := map[string]func(string) error{
		annotationInterceptionMode: func(v string) error {
			if v != "REDIRECT" && v != "TPROXY" && v != "NONE" {
				return fmt.Errorf("interceptionMode invalid, use REDIRECT,TPROXY,NONE: %v", v)
			}
			return nil
		},
		"status.sidecar.istio.io/port": func(v string) error {
			_, err := parsePort(v)
			return err
		},
		"readiness.status.sidecar.istio.io/initialDelaySeconds": uint32Value,
		"readiness.status.sidecar.istio.io/periodSeconds":       uint32Value,
		"readiness.status.sidecar.istio.io/failureThreshold":    uint32Value,
		"traffic.sidecar.istio.io/includeOutboundIPRanges": func(v string) error {
			if v == "*" {
				return nil
			}
			return validateCIDRList("includeIPRanges", v)
		},
		"traffic.sidecar.istio.io/excludeOutboundIPRanges": func(v string) error {
			return validateCIDRList("excludeIPRanges", v)
		},
		"traffic.sidecar.istio.io/includeInboundPorts": func(v string) error {
			if v == "*" {
				return nil
			}
			return validatePortList("includeInboundPorts", v)
		},
		"traffic.sidecar.istio.io/excludeInboundPorts": func(v string) error {
			return validatePortList("excludeInboundPorts", v)
		},
		"traffic.sidecar.istio.io/excludeOutboundPorts": func(v string) error {
			return validatePortList("excludeOutboundPorts", v)
		},
		annotationPrometheusMerge: func(v string) error {
			_, err := strconv.ParseBool(v)
			return err
		},
		annotationProxyConfig: func(v string) error {
			obj, err := yamlObject(v)
			if err == nil {
				err = mergeProxyConfig(DefaultProxyConfig(), obj)
			}
			if err != nil {
				return fmt.Errorf("failed to convert to apply proxy config: %v", err)
			}
			return nil
		},
	}
	var errs []string
	keys := make([]string, 0, len(annotations))
	for k := range annotations {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if f, ok := validators[k]; ok {
			if err := f(annotations[k]); err != nil {
				errs = append(errs, fmt.Sprintf("invalid value '%s' for annotation '%s': %v", annotations[k], k, err))
			}
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return nil
}

// extractClusterAndNetwork mirrors inject.extractClusterAndNetwork: values, then the webhook
// URL parameters, then the pod's topology.istio.io/network label.
func extractClusterAndNetwork(p *injectionParams) (string, string) {
	cluster := valueString(p.values, "global", "multiCluster", "clusterName")
	network := valueString(p.values, "global", "network")
	if v := p.proxyEnvs["ISTIO_META_CLUSTER_ID"]; v != "" {
		cluster = v
	}
	if v := p.proxyEnvs["ISTIO_META_NETWORK"]; v != "" {
		network = v
	}
	if n, ok := p.pod.ObjectMeta.Labels[labelTopologyNetwork]; ok {
		network = n
	}
	return cluster, network
}

// SidecarInjectionStatus mirrors the sidecar.istio.io/status annotation value.
type SidecarInjectionStatus struct {
	InitContainers   []string `json:"initContainers"`
	Containers       []string `json:"containers"`
	Volumes          []string `json:"volumes"`
	ImagePullSecrets []string `json:"imagePullSecrets"`
	Revision         string   `json:"revision"`
}

func injectionStatus(pod *Pod) *SidecarInjectionStatus {
	v, ok := pod.ObjectMeta.Annotations[annotationStatus]
	if !ok {
		return nil
	}
	var s SidecarInjectionStatus
	if err := json.Unmarshal([]byte(v), &s); err != nil {
		return nil
	}
	return &s
}

func removeContainer(list []Container, name string) []Container {
	out := []Container{}
	for _, c := range list {
		if c.Name != name {
			out = append(out, c)
		}
	}
	return out
}

// stripPod mirrors inject.stripPod: on re-injection, remove what the previous injection added
// (by its status annotation) and its prometheus annotations, so templates see the user's pod.
func stripPod(p *injectionParams) *Pod {
	prev := injectionStatus(p.pod)
	if prev == nil {
		return p.pod
	}
	pod := copyPod(p.pod)
	for _, c := range prev.Containers {
		pod.Spec.Containers = removeContainer(pod.Spec.Containers, c)
	}
	for _, c := range prev.InitContainers {
		pod.Spec.InitContainers = removeContainer(pod.Spec.InitContainers, c)
	}
	target := strconv.Itoa(int(p.meshConfig.GetDefaultConfig().GetStatusPort()))
	if cur, ok := prometheusAnnotation(pod, prometheusPortKey); ok && cur == target {
		clearPrometheusAnnotations(pod)
	}
	delete(pod.ObjectMeta.Annotations, annotationStatus)
	return pod
}

type podOverrides struct {
	Containers     []Container `json:"containers,omitempty"`
	InitContainers []Container `json:"initContainers,omitempty"`
}

// reinsertOverrides mirrors inject.reinsertOverrides: containers saved in
// proxy.istio.io/overrides by an earlier injection come back if the pod lost them.
func reinsertOverrides(pod *Pod) (*Pod, error) {
	var o podOverrides
	if v, ok := pod.ObjectMeta.Annotations[annotationOverrides]; ok {
		if err := json.Unmarshal([]byte(v), &o); err != nil {
			return nil, err
		}
	}
	pod = copyPod(pod)
	for _, c := range o.Containers {
		if FindContainer(c.Name, pod.Spec.Containers) == nil {
			pod.Spec.Containers = append(pod.Spec.Containers, c)
		}
	}
	for _, c := range o.InitContainers {
		if FindContainer(c.Name, pod.Spec.InitContainers) == nil {
			pod.Spec.InitContainers = append(pod.Spec.InitContainers, c)
		}
	}
	return pod, nil
}

// proxyImage mirrors inject.ProxyImage: hub/image:tag with the image type (global.variant,
// replaced by the ProxyConfig image type when set, then by sidecar.istio.io/proxyImageType)
// as a tag suffix. The sidecar.istio.io/proxyImage annotation is the template's business.
func proxyImage(values map[string]any, image *ProxyImage, annotations map[string]string) string {
	name := "proxyv2"
	tag := ""
	if t, ok := valueAt(values, "global", "tag"); ok {
		if t == nil {
			tag = "<nil>"
		} else {
			tag = fmt.Sprintf("%v", t)
		}
	}
	imageType := valueString(values, "global", "variant")
	if image != nil {
		imageType = image.ImageType
	}
	if n := valueString(values, "global", "proxy", "image"); n != "" {
		name = n
	}
	if it, ok := annotations[annotationProxyImageType]; ok {
		imageType = it
	}
	return valueString(values, "global", "hub") + "/" + name + ":" + updateImageTypeIfPresent(tag, imageType)
}

func updateImageTypeIfPresent(tag, imageType string) string {
	if imageType == "" {
		return tag
	}
	for _, known := range []string{"distroless", "debug"} {
		if strings.HasSuffix(tag, "-"+known) {
			tag = strings.TrimSuffix(tag, "-"+known)
			break
		}
	}
	if imageType == "default" {
		return tag
	}
	return tag + "-" + imageType
}

func selectTemplates(p *injectionParams) []string {
	names := p.config.DefaultTemplates
	if a, ok := p.pod.ObjectMeta.Annotations[annotationInjectTemplates]; ok {
		names = nil
		for _, n := range strings.Split(a, ",") {
			names = append(names, strings.TrimSpace(n))
		}
	}
	out := []string{}
	for _, n := range names {
		if al, ok := p.config.Aliases[n]; ok {
			out = append(out, al...)
		} else {
			out = append(out, n)
		}
	}
	return out
}

// runTemplate mirrors inject.RunTemplate: render each selected template against the stripped
// pod and merge its output both into an empty pod (what was injected) and into the pod.
func runTemplate(p *injectionParams) (merged *Pod, templatePod *Pod, err error) {
	if err := validateAnnotations(p.pod.ObjectMeta.Annotations); err != nil {
		return nil, nil, err
	}
	cluster, network := extractClusterAndNetwork(p)
	if cluster != "" {
		p.proxyEnvs["ISTIO_META_CLUSTER_ID"] = cluster
	}
	if network != "" {
		p.proxyEnvs["ISTIO_META_NETWORK"] = network
	}
	stripped, err := reinsertOverrides(stripPod(p))
	if err != nil {
		return nil, nil, err
	}
	data := SidecarTemplateData{
		TypeMeta:                 p.typeMeta,
		DeploymentMeta:           p.deployMeta,
		ObjectMeta:               stripped.ObjectMeta,
		Spec:                     stripped.Spec,
		ProxyConfig:              p.proxyConfig,
		MeshConfig:               p.meshConfig,
		Values:                   p.values,
		Revision:                 p.revision,
		NativeSidecars:           p.nativeSidecar,
		ProxyImage:               proxyImage(p.values, p.proxyConfig.GetImage(), stripped.ObjectMeta.Annotations),
		ProxyUID:                 1337,
		ProxyGID:                 1337,
		InboundTrafficPolicyMode: inboundTrafficPolicyMode(p.meshConfig),
		CompliancePolicy:         p.compliancePolicy,
	}
	merged = p.pod
	templatePod = &Pod{}
	for _, name := range selectTemplates(p) {
		tmpl, ok := p.config.Templates[name]
		if !ok {
			known := []string{}
			for k := range p.config.Templates {
				known = append(known, k)
			}
			sort.Strings(known)
			return nil, nil, fmt.Errorf("requested template %q not found; have %v", name, strings.Join(known, ", "))
		}
		var out bytes.Buffer
		if err := tmpl.Execute(&out, &data); err != nil {
			return nil, nil, fmt.Errorf("template %q: %v", name, err)
		}
		if strings.Contains(out.String(), "<no value>") {
			p.warnf("template %q printed \"<no value>\" (a missing map key)", name)
		}
		templatePod, err = applyOverlayYAML(templatePod, out.Bytes())
		if err != nil {
			return nil, nil, fmt.Errorf("failed applying injection overlay: %v", err)
		}
		// With native sidecars the template declares istio-proxy as an init container; a
		// user-declared istio-proxy under containers moves there so the two merge.
		native := p.nativeSidecar
		switch merged.ObjectMeta.Annotations[annotationNativeSidecar] {
		case "true":
			native = true
		case "false":
			native = false
		}
		if native && FindContainer(proxyContainerName, templatePod.Spec.InitContainers) != nil &&
			FindContainer(proxyContainerName, merged.Spec.Containers) != nil {
			merged = copyPod(merged)
			for i, c := range merged.Spec.Containers {
				if c.Name == proxyContainerName {
					merged.Spec.Containers = append(merged.Spec.Containers[:i:i], merged.Spec.Containers[i+1:]...)
					merged.Spec.InitContainers = append(merged.Spec.InitContainers, c)
					break
				}
			}
		}
		merged, err = applyOverlayYAML(merged, out.Bytes())
		if err != nil {
			return nil, nil, fmt.Errorf("failed parsing generated injected YAML (check Istio sidecar injector configuration): %v", err)
		}
	}
	return merged, templatePod, nil
}

// ---- merging ---------------------------------------------------------------------------------

func copyPod(pod *Pod) *Pod {
	b, err := json.Marshal(pod)
	if err != nil {
		panic(err)
	}
	out := &Pod{}
	if err := json.Unmarshal(b, out); err != nil {
		panic(err)
	}
	return out
}

// applyOverlayYAML mirrors inject.applyOverlayYAML: a strategic merge of the YAML overlay onto
// the pod's JSON, decoded back into the typed pod (dropping unknown fields, rejecting wrong
// types, canonicalizing quantities).
func applyOverlayYAML(target *Pod, overlayYAML []byte) (*Pod, error) {
	patch := map[string]any{}
	if err := yaml.Unmarshal(overlayYAML, &patch); err != nil {
		return nil, fmt.Errorf("strategic merge: invalid JSON document: %v", err)
	}
	return applyOverlayMap(target, patch)
}

func applyOverlayMap(target *Pod, patch map[string]any) (*Pod, error) {
	current, err := json.Marshal(target)
	if err != nil {
		return nil, err
	}
	original := map[string]any{}
	if err := json.Unmarshal(current, &original); err != nil {
		return nil, err
	}
	merged, err := strategicMerge(original, patch, podType)
	if err != nil {
		return nil, fmt.Errorf("strategic merge: %v", err)
	}
	b, err := json.Marshal(merged)
	if err != nil {
		return nil, err
	}
	pod := &Pod{}
	if err := json.Unmarshal(b, pod); err != nil {
		return nil, fmt.Errorf("unmarshal patched pod: %v", err)
	}
	return pod, nil
}

// applyContainer mirrors webhook.applyContainer / applyInitContainer: a typed container as a
// strategic merge patch, so its empty fields leave the template's values in place.
func applyContainer(target *Pod, c Container, init bool) (*Pod, error) {
	b, err := json.Marshal(c)
	if err != nil {
		return nil, err
	}
	var cm map[string]any
	if err := json.Unmarshal(b, &cm); err != nil {
		return nil, err
	}
	spec := map[string]any{"containers": []any{cm}}
	if init {
		spec = map[string]any{"containers": []any{}, "initContainers": []any{cm}}
	}
	return applyOverlayMap(target, map[string]any{"metadata": map[string]any{}, "spec": spec})
}

func findContainerInPod(name string, pod *Pod) *Container {
	if c := FindContainer(name, pod.Spec.Containers); c != nil {
		return c
	}
	return FindContainer(name, pod.Spec.InitContainers)
}

// reapplyOverwrittenContainers mirrors webhook.reapplyOverwrittenContainers: a container the
// user declared under an injected name (istio-proxy with image: auto, a customized istio-init)
// is merged back over the template's, and recorded in proxy.istio.io/overrides.
func reapplyOverwrittenContainers(final, original, templatePod *Pod, pc *ProxyConfig) (*Pod, error) {
	var existing podOverrides
	if v, ok := original.ObjectMeta.Annotations[annotationOverrides]; ok {
		if err := json.Unmarshal([]byte(v), &existing); err != nil {
			return nil, err
		}
	}
	status, alreadyInjected := original.ObjectMeta.Annotations[annotationStatus]
	var injected podOverrides
	if alreadyInjected {
		injected = parseStatusContainers(status)
	}
	overrides := podOverrides{}
	for _, c := range templatePod.Spec.Containers {
		if FindContainer(c.Name, injected.Containers) != nil {
			continue
		}
		match := FindContainer(c.Name, existing.Containers)
		if match == nil {
			match = FindContainer(c.Name, original.Spec.Containers)
		}
		if match == nil {
			continue
		}
		overlay := copyContainer(*match)
		if overlay.Image == autoImage {
			overlay.Image = ""
		}
		overrides.Containers = append(overrides.Containers, overlay)
		var err error
		if final, err = applyContainer(final, overlay, false); err != nil {
			return nil, fmt.Errorf("failed to apply sidecar container: %v", err)
		}
	}
	for _, c := range templatePod.Spec.InitContainers {
		if FindContainer(c.Name, injected.InitContainers) != nil {
			continue
		}
		match := FindContainer(c.Name, existing.InitContainers)
		if match == nil {
			match = findContainerInPod(c.Name, original)
		}
		if match == nil {
			continue
		}
		overlay := copyContainer(*match)
		if overlay.Image == autoImage {
			overlay.Image = ""
		}
		overrides.InitContainers = append(overrides.InitContainers, overlay)
		var err error
		if final, err = applyContainer(final, overlay, true); err != nil {
			return nil, fmt.Errorf("failed to apply sidecar init container: %v", err)
		}
	}
	if !alreadyInjected && (len(overrides.Containers) > 0 || len(overrides.InitContainers) > 0) {
		js, err := json.Marshal(overrides)
		if err != nil {
			return nil, err
		}
		if final.ObjectMeta.Annotations == nil {
			final.ObjectMeta.Annotations = map[string]string{}
		}
		final.ObjectMeta.Annotations[annotationOverrides] = string(js)
	}
	adjustInitContainerUser(final, original, pc)
	return final, nil
}

func copyContainer(c Container) Container {
	b, _ := json.Marshal(c)
	var out Container
	_ = json.Unmarshal(b, &out)
	return out
}

func parseStatusContainers(status string) podOverrides {
	var raw map[string]any
	out := podOverrides{}
	if err := json.Unmarshal([]byte(status), &raw); err != nil {
		return out
	}
	names := func(key string) []Container {
		list := []Container{}
		if v, ok := raw[key].([]any); ok {
			for _, n := range v {
				if s, ok := n.(string); ok {
					list = append(list, Container{Name: s})
				}
			}
		}
		return list
	}
	out.Containers = names("containers")
	out.InitContainers = names("initContainers")
	return out
}

// adjustInitContainerUser mirrors webhook.adjustInitContainerUser: a user-supplied istio-proxy
// with its own runAsUser/runAsGroup carries those ids to the iptables "-u" argument and to
// istio-validation (TPROXY keeps uid 0).
func adjustInitContainerUser(final, original *Pod, pc *ProxyConfig) {
	user := findContainerInPod(proxyContainerName, original)
	if user == nil || user.SecurityContext == nil || (user.SecurityContext.RunAsUser == nil && user.SecurityContext.RunAsGroup == nil) {
		return
	}
	var initC *Container
	for _, n := range []string{initContainerName, validationContainerName} {
		if c := FindContainer(n, final.Spec.InitContainers); c != nil {
			initC = c
			break
		}
	}
	if initC == nil {
		return
	}
	tproxy := pc.GetInterceptionMode() == ProxyConfig_TPROXY || final.ObjectMeta.Annotations[annotationInterceptionMode] == "TPROXY"
	if tproxy && user.SecurityContext.RunAsUser != nil {
		if sidecar := findContainerInPod(proxyContainerName, final); sidecar != nil && sidecar.SecurityContext != nil && sidecar.SecurityContext.RunAsUser != nil {
			zero := int64(0)
			sidecar.SecurityContext.RunAsUser = &zero
		}
	}
	if !tproxy && initC.Name == validationContainerName {
		if initC.SecurityContext == nil {
			initC.SecurityContext = &SecurityContext{}
		}
		if user.SecurityContext.RunAsUser != nil {
			v := *user.SecurityContext.RunAsUser
			initC.SecurityContext.RunAsUser = &v
		}
		if user.SecurityContext.RunAsGroup != nil {
			v := *user.SecurityContext.RunAsGroup
			initC.SecurityContext.RunAsGroup = &v
		}
	}
	if user.SecurityContext.RunAsUser == nil || *user.SecurityContext.RunAsUser == 0 {
		return
	}
	for i := range initC.Args {
		if initC.Args[i] == "-u" && i+1 < len(initC.Args) {
			initC.Args[i+1] = strconv.FormatInt(*user.SecurityContext.RunAsUser, 10)
			return
		}
	}
}

// ---- post-template steps (postProcessPod) ----------------------------------------------------

// overwriteClusterInfo mirrors webhook.overwriteClusterInfo: the cluster and network istiod
// resolved (values, webhook URL, network label) replace any proxy env of the same name and
// are appended, sorted by name, at the end of the proxy's env.
func overwriteClusterInfo(pod *Pod, p *injectionParams) {
	c := findContainerInPod(proxyContainerName, pod)
	if c == nil || len(p.proxyEnvs) == 0 {
		return
	}
	env := []EnvVar{}
	for _, e := range c.Env {
		if _, replaced := p.proxyEnvs[e.Name]; !replaced {
			env = append(env, e)
		}
	}
	keys := make([]string, 0, len(p.proxyEnvs))
	for k := range p.proxyEnvs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		env = append(env, EnvVar{Name: k, Value: p.proxyEnvs[k]})
	}
	c.Env = env
}

const (
	prometheusScrapeKey = "prometheus_io_scrape"
	prometheusPortKey   = "prometheus_io_port"
	prometheusPathKey   = "prometheus_io_path"
)

var invalidLabelChars = regexp.MustCompile(`[^a-zA-Z0-9_]`)

// sanitizeLabelName is Prometheus' strutil.SanitizeLabelName, through which istiod reads
// prometheus.io/scrape, prometheus.io.scrape and prometheus-io/scrape alike.
func sanitizeLabelName(name string) string { return invalidLabelChars.ReplaceAllString(name, "_") }

func sortedAnnotationKeys(pod *Pod) []string {
	keys := make([]string, 0, len(pod.ObjectMeta.Annotations))
	for k := range pod.ObjectMeta.Annotations {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func prometheusAnnotation(pod *Pod, sanitized string) (string, bool) {
	for _, k := range sortedAnnotationKeys(pod) {
		if sanitizeLabelName(k) == sanitized {
			return pod.ObjectMeta.Annotations[k], true
		}
	}
	return "", false
}

func clearPrometheusAnnotations(pod *Pod) {
	for _, k := range sortedAnnotationKeys(pod) {
		switch sanitizeLabelName(k) {
		case prometheusScrapeKey, prometheusPortKey, prometheusPathKey:
			delete(pod.ObjectMeta.Annotations, k)
		}
	}
}

type prometheusScrapeConfiguration struct {
	Scrape string `json:"scrape"`
	Path   string `json:"path"`
	Port   string `json:"port"`
}

// applyPrometheusMerge mirrors webhook.applyPrometheusMerge ("metrics merging"): unless the
// pod opts out (prometheus.io/scrape: false, prometheus.istio.io/merge-metrics: false, or
// meshConfig.enablePrometheusMerge: false), the app's prometheus.io annotations move to the
// proxy's ISTIO_PROMETHEUS_ANNOTATIONS env and are replaced by ones pointing at the agent.
func applyPrometheusMerge(pod *Pod, mesh *MeshConfig) error {
	scrape := true
	for _, k := range sortedAnnotationKeys(pod) {
		if sanitizeLabelName(k) == prometheusScrapeKey {
			if b, err := strconv.ParseBool(pod.ObjectMeta.Annotations[k]); err == nil {
				scrape = b
				break
			}
		}
	}
	if !scrape {
		return nil
	}
	merge := true
	if v, ok := pod.ObjectMeta.Annotations[annotationPrometheusMerge]; ok {
		if b, err := strconv.ParseBool(v); err == nil {
			merge = b
		} else if mesh.GetEnablePrometheusMerge() != nil {
			merge = mesh.GetEnablePrometheusMerge().Value
		}
	} else if mesh.GetEnablePrometheusMerge() != nil {
		merge = mesh.GetEnablePrometheusMerge().Value
	}
	if !merge {
		return nil
	}
	target := strconv.Itoa(int(mesh.GetDefaultConfig().GetStatusPort()))
	if cur, ok := prometheusAnnotation(pod, prometheusPortKey); ok && cur == target {
		return nil
	}
	cfg := prometheusScrapeConfiguration{}
	for _, k := range sortedAnnotationKeys(pod) {
		switch sanitizeLabelName(k) {
		case prometheusPortKey:
			cfg.Port = pod.ObjectMeta.Annotations[k]
		case prometheusScrapeKey:
			cfg.Scrape = pod.ObjectMeta.Annotations[k]
		case prometheusPathKey:
			cfg.Path = pod.ObjectMeta.Annotations[k]
		}
	}
	if sidecar := findContainerInPod(proxyContainerName, pod); sidecar != nil && cfg != (prometheusScrapeConfiguration{}) {
		b, err := json.Marshal(cfg)
		if err != nil {
			return err
		}
		sidecar.Env = append(sidecar.Env, EnvVar{Name: "ISTIO_PROMETHEUS_ANNOTATIONS", Value: string(b)})
	}
	if pod.ObjectMeta.Annotations == nil {
		pod.ObjectMeta.Annotations = map[string]string{}
	}
	clearPrometheusAnnotations(pod)
	pod.ObjectMeta.Annotations["prometheus.io/port"] = target
	pod.ObjectMeta.Annotations["prometheus.io/path"] = "/stats/prometheus"
	pod.ObjectMeta.Annotations["prometheus.io/scrape"] = "true"
	return nil
}

// injectionStatusAnnotation mirrors webhook.getInjectionStatus over what the templates added.
func injectionStatusAnnotation(spec PodSpec, revision string) string {
	s := SidecarInjectionStatus{}
	for _, c := range spec.InitContainers {
		s.InitContainers = append(s.InitContainers, c.Name)
	}
	for _, c := range spec.Containers {
		s.Containers = append(s.Containers, c.Name)
	}
	for _, v := range spec.Volumes {
		s.Volumes = append(s.Volumes, v.Name)
	}
	for _, v := range spec.ImagePullSecrets {
		s.ImagePullSecrets = append(s.ImagePullSecrets, v.Name)
	}
	if revision == "" {
		revision = "default"
	}
	s.Revision = revision
	b, err := json.Marshal(s)
	if err != nil {
		return "{}"
	}
	return string(b)
}

// applyMetadata mirrors webhook.applyMetadata: the network label, the status annotation and
// the config's injectedAnnotations.
func applyMetadata(pod *Pod, templatePod *Pod, p *injectionParams) {
	if nw, ok := p.proxyEnvs["ISTIO_META_NETWORK"]; ok {
		pod.ObjectMeta.Labels[labelTopologyNetwork] = nw
	}
	pod.ObjectMeta.Annotations[annotationStatus] = injectionStatusAnnotation(templatePod.Spec, p.revision)
	for k, v := range p.config.InjectedAnnotations {
		pod.ObjectMeta.Annotations[k] = v
	}
}

func moveContainer(list []Container, name string, first bool) []Container {
	var match *Container
	rest := []Container{}
	for i := range list {
		if list[i].Name == name {
			c := list[i]
			match = &c
		} else {
			rest = append(rest, list[i])
		}
	}
	if match == nil {
		return list
	}
	if first {
		return append([]Container{*match}, rest...)
	}
	return append(rest, *match)
}

// reorderPod mirrors webhook.reorderPod: istio-proxy goes last among containers (first when
// holdApplicationUntilProxyStarts); with native sidecars the init order is istio-init /
// istio-validation, istio-proxy, enable-core-dump, then the user's; otherwise
// istio-validation first and istio-init, enable-core-dump last.
func reorderPod(pod *Pod, p *injectionParams) error {
	mc, err := meshWithProxyConfigAnnotation(p.meshConfig, p.pod.ObjectMeta.Annotations)
	if err != nil {
		return err
	}
	hold := mc.GetDefaultConfig().GetHoldApplicationUntilProxyStarts().GetValue()
	if b, ok := valueAt(p.values, "global", "proxy", "holdApplicationUntilProxyStarts"); ok {
		if v, isBool := b.(bool); isBool && v {
			hold = true
		}
	}
	pod.Spec.Containers = moveContainer(pod.Spec.Containers, proxyContainerName, hold)
	if FindContainer(proxyContainerName, pod.Spec.InitContainers) != nil {
		pod.Spec.InitContainers = moveContainer(pod.Spec.InitContainers, enableCoreDumpName, true)
		pod.Spec.InitContainers = moveContainer(pod.Spec.InitContainers, proxyContainerName, true)
		pod.Spec.InitContainers = moveContainer(pod.Spec.InitContainers, validationContainerName, true)
		pod.Spec.InitContainers = moveContainer(pod.Spec.InitContainers, initContainerName, true)
	} else {
		pod.Spec.InitContainers = moveContainer(pod.Spec.InitContainers, validationContainerName, true)
		pod.Spec.InitContainers = moveContainer(pod.Spec.InitContainers, initContainerName, false)
		pod.Spec.InitContainers = moveContainer(pod.Spec.InitContainers, enableCoreDumpName, false)
	}
	return nil
}

// postProcessPod mirrors webhook.postProcessPod, minus applyRewrite (probe rewriting).
func postProcessPod(pod *Pod, templatePod *Pod, p *injectionParams) error {
	if pod.ObjectMeta.Annotations == nil {
		pod.ObjectMeta.Annotations = map[string]string{}
	}
	if pod.ObjectMeta.Labels == nil {
		pod.ObjectMeta.Labels = map[string]string{}
	}
	overwriteClusterInfo(pod, p)
	if err := applyPrometheusMerge(pod, p.meshConfig); err != nil {
		return err
	}
	applyMetadata(pod, templatePod, p)
	return reorderPod(pod, p)
}

// injectPod mirrors webhook.injectPod up to the point where istiod would diff the result
// into a JSON patch.
func injectPod(p *injectionParams) (*Pod, error) {
	merged, templatePod, err := runTemplate(p)
	if err != nil {
		return nil, fmt.Errorf("failed to run injection template: %v", err)
	}
	merged, err = reapplyOverwrittenContainers(merged, p.pod, templatePod, p.proxyConfig)
	if err != nil {
		return nil, fmt.Errorf("failed to re apply container: %v", err)
	}
	if err := postProcessPod(merged, templatePod, p); err != nil {
		return nil, fmt.Errorf("failed to process pod: %v", err)
	}
	return merged, nil
}

// parseInjectEnvs mirrors webhook.parseInjectEnvs: /inject/cluster/X/net/Y (or the deprecated
// /inject/:ENV:k=v form) sets proxy env overrides; "--slash--" in a value stands for "/".
func parseInjectEnvs(path string) map[string]string {
	path = strings.TrimSuffix(path, "/")
	parts := strings.SplitN(path, "/", 3)
	var res []string
	if len(parts) == 3 {
		if strings.HasPrefix(parts[2], ":ENV:") {
			for _, pair := range strings.Split(parts[2], ":ENV:")[1:] {
				kv := strings.SplitN(pair, "=", 2)
				if len(kv[0]) > 0 && len(kv) == 2 {
					res = append(res, kv...)
				}
			}
		} else {
			res = strings.Split(parts[2], "/")
			for i := range res {
				if i%2 != 0 {
					res[i] = strings.ReplaceAll(res[i], "--slash--", "/")
				}
			}
		}
	}
	envs := map[string]string{}
	for i := 0; i+1 < len(res); i += 2 {
		k := res[i]
		name, ok := map[string]string{"cluster": "ISTIO_META_CLUSTER_ID", "net": "ISTIO_META_NETWORK"}[k]
		if !ok {
			name = strings.ToUpper(k)
		}
		if name != "" {
			envs[name] = res[i+1]
		}
	}
	return envs
}
