// Command harness evaluates sidecar injection templates the way istiod 1.30 does and prints the
// injected workload, so tests can compare a template set with upstream's injection output
// without a cluster.
//
// Usage: harness INPUT.json, where INPUT holds
//
//	config          the `config` key of the istio-sidecar-injector ConfigMap (YAML)
//	values          its `values` key (JSON)
//	meshConfig      the `mesh` key of the istio ConfigMap (YAML)
//	revision        the control plane revision
//	nativeSidecars  whether istiod found native sidecar support on the node
//	workload        a Pod or an object with a pod template (Deployment, StatefulSet, Job, ...)
//	injectionPath   optional webhook path, e.g. /inject/cluster/c1/net/n1 (default: none,
//	                as istioctl kube-inject runs, which is how upstream's golden files are made)
//	compliancePolicy optional, istiod's COMPLIANCE_POLICY
//
// It prints the workload as JSON with its pod replaced by the injected pod, or exits 1 with
// the reason on stderr. Warnings (e.g. "<no value>" printed by a template) go to stderr.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"strings"
)

var podType = reflect.TypeOf(Pod{})

type harnessInput struct {
	Config           string         `json:"config"`
	Values           string         `json:"values"`
	MeshConfig       string         `json:"meshConfig"`
	Revision         string         `json:"revision"`
	NativeSidecars   bool           `json:"nativeSidecars"`
	Workload         map[string]any `json:"workload"`
	InjectionPath    string         `json:"injectionPath"`
	CompliancePolicy string         `json:"compliancePolicy"`
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: harness INPUT.json")
		os.Exit(2)
	}
	raw, err := os.ReadFile(os.Args[1])
	if err != nil {
		fail(err)
	}
	var in harnessInput
	if err := json.Unmarshal(raw, &in); err != nil {
		fail(fmt.Errorf("input: %v", err))
	}
	out, warnings, err := run(in)
	for _, w := range warnings {
		fmt.Fprintln(os.Stderr, "warning:", w)
	}
	if err != nil {
		fail(err)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "injection failed:", err)
	os.Exit(1)
}

// valueAt walks the values map; ok is false when a step is missing or not a map.
func valueAt(values map[string]any, path ...string) (any, bool) {
	var cur any = values
	for _, p := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[p]; !ok {
			return nil, false
		}
	}
	return cur, true
}

func valueString(values map[string]any, path ...string) string {
	v, _ := valueAt(values, path...)
	s, _ := v.(string)
	return s
}

// podLocation finds the pod inside the workload the way istioctl kube-inject does: a Pod is
// its own pod, a CronJob's is under spec.jobTemplate.spec.template, anything else's under
// spec.template.
func podLocation(workload map[string]any) (map[string]any, error) {
	kind, _ := workload["kind"].(string)
	if kind == "Pod" {
		return workload, nil
	}
	spec, _ := workload["spec"].(map[string]any)
	if kind == "CronJob" {
		jt, _ := spec["jobTemplate"].(map[string]any)
		spec, _ = jt["spec"].(map[string]any)
	}
	tmpl, ok := spec["template"].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s has no pod template (spec.template is required)", kind)
	}
	return tmpl, nil
}

// deployMetaFromPod mirrors kube.GetDeployMetaFromPod, which istiod uses for a bare pod:
// the pod's own name and v1/Pod, unless a generated name and a controller owner reveal the
// Deployment (ReplicaSet named after pod-template-hash), CronJob (Job with a timestamp
// suffix), Argo Rollout or DeploymentConfig behind it.
func deployMetaFromPod(pod *Pod) (NamespacedName, TypeMeta) {
	meta := NamespacedName{Name: pod.ObjectMeta.Name, Namespace: pod.ObjectMeta.Namespace}
	tm := TypeMeta{Kind: "Pod", APIVersion: "v1"}
	if pod.ObjectMeta.GenerateName != "" {
		var ref *OwnerReference
		for i, r := range pod.ObjectMeta.OwnerReferences {
			if r.Controller != nil && *r.Controller {
				ref = &pod.ObjectMeta.OwnerReferences[i]
				break
			}
		}
		if ref != nil {
			tm = TypeMeta{Kind: ref.Kind, APIVersion: ref.APIVersion}
			meta.Name = ref.Name
			labels := pod.ObjectMeta.Labels
			switch {
			case tm.Kind == "ReplicaSet" && labels["pod-template-hash"] != "" && strings.HasSuffix(ref.Name, labels["pod-template-hash"]):
				meta.Name = strings.TrimSuffix(ref.Name, "-"+labels["pod-template-hash"])
				tm.Kind = "Deployment"
			case tm.Kind == "ReplicaSet" && labels["rollouts-pod-template-hash"] != "" && strings.HasSuffix(ref.Name, labels["rollouts-pod-template-hash"]):
				meta.Name = strings.TrimSuffix(ref.Name, "-"+labels["rollouts-pod-template-hash"])
				tm.Kind = "Rollout"
				tm.APIVersion = "v1alpha1"
			case tm.Kind == "ReplicationController" && labels["deploymentconfig"] != "":
				meta.Name = labels["deploymentconfig"]
				tm.Kind = "DeploymentConfig"
			case tm.Kind == "Job":
				if m := cronJobName(ref.Name); m != "" {
					meta.Name = m
					tm.Kind = "CronJob"
					tm.APIVersion = "batch/v1"
				}
			}
		}
	}
	if meta.Name == "" {
		meta.Name = pod.ObjectMeta.Name
	}
	return meta, tm
}

// cronJobName strips the "-<8 to 10 digit timestamp>" suffix a CronJob gives its Jobs.
func cronJobName(job string) string {
	i := strings.LastIndex(job, "-")
	if i <= 0 {
		return ""
	}
	suffix := job[i+1:]
	if len(suffix) < 8 || len(suffix) > 10 {
		return ""
	}
	for _, r := range suffix {
		if r < '0' || r > '9' {
			return ""
		}
	}
	return job[:i]
}

func run(in harnessInput) (map[string]any, []string, error) {
	if in.Workload == nil {
		return nil, nil, fmt.Errorf("input: workload is required")
	}
	config, err := unmarshalInjectorConfig(in.Config)
	if err != nil {
		return nil, nil, err
	}
	values := map[string]any{}
	if strings.TrimSpace(in.Values) != "" {
		if err := json.Unmarshal([]byte(in.Values), &values); err != nil {
			return nil, nil, fmt.Errorf("could not parse configuration values: %v", err)
		}
	}
	mesh, err := parseMeshConfig(in.MeshConfig)
	if err != nil {
		return nil, nil, err
	}

	workload := in.Workload
	loc, err := podLocation(workload)
	if err != nil {
		return nil, nil, err
	}
	// Decoding into the typed pod is what the API server and istiod do before injection.
	b, err := json.Marshal(map[string]any{"metadata": loc["metadata"], "spec": loc["spec"]})
	if err != nil {
		return nil, nil, err
	}
	pod := &Pod{}
	if err := json.Unmarshal(b, pod); err != nil {
		return nil, nil, fmt.Errorf("could not decode the pod: %v", err)
	}

	wMeta, _ := workload["metadata"].(map[string]any)
	wName, _ := wMeta["name"].(string)
	wNamespace, _ := wMeta["namespace"].(string)
	inputNamespace := pod.ObjectMeta.Namespace
	// The webhook fills an unset pod namespace from the admission request.
	if pod.ObjectMeta.Namespace == "" {
		pod.ObjectMeta.Namespace = wNamespace
	}
	if pod.ObjectMeta.Namespace == "" {
		pod.ObjectMeta.Namespace = "default"
	}

	var deployMeta NamespacedName
	var typeMeta TypeMeta
	if workload["kind"] == "Pod" {
		deployMeta, typeMeta = deployMetaFromPod(pod)
	} else {
		apiVersion, _ := workload["apiVersion"].(string)
		kind, _ := workload["kind"].(string)
		typeMeta = TypeMeta{Kind: kind, APIVersion: apiVersion}
		ns := wNamespace
		if ns == "" {
			ns = pod.ObjectMeta.Namespace
		}
		deployMeta = NamespacedName{Name: wName, Namespace: ns}
	}

	p := &injectionParams{
		pod:              pod,
		deployMeta:       deployMeta,
		typeMeta:         typeMeta,
		config:           config,
		meshConfig:       mesh,
		proxyConfig:      effectiveProxyConfig(mesh, pod.ObjectMeta.Annotations),
		values:           values,
		revision:         in.Revision,
		nativeSidecar:    in.NativeSidecars,
		proxyEnvs:        parseInjectEnvs(in.InjectionPath),
		compliancePolicy: in.CompliancePolicy,
	}
	if !injectRequired(config, pod) {
		p.warnf("injection not required for this pod (policy %q, host network, namespace or sidecar.istio.io/inject); returned unchanged", config.Policy)
		return workload, p.warnings, nil
	}
	injected, err := injectPod(p)
	if err != nil {
		return nil, p.warnings, err
	}
	injected.ObjectMeta.Namespace = inputNamespace

	ib, err := json.Marshal(injected)
	if err != nil {
		return nil, p.warnings, err
	}
	var im map[string]any
	if err := json.Unmarshal(ib, &im); err != nil {
		return nil, p.warnings, err
	}
	loc["metadata"] = im["metadata"]
	loc["spec"] = im["spec"]
	return workload, p.warnings, nil
}
