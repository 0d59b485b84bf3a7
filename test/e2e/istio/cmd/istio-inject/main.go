// Command istio-inject runs Istio's own sidecar-injection webhook (pkg/kube/inject) on pods,
// configured with the ConfigMaps a meshc render holds, so that tests judge meshc's injector by
// upstream's code rather than by a copy of it.
//
// It reads one JSON request per line on stdin and writes one JSON response per line on stdout.
// istiod's feature flags (ENABLE_NATIVE_SIDECARS, COMPLIANCE_POLICY, ...) are read from this
// process's environment at start, as istiod reads them: run one process per istiod environment.
package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"

	jsonpatch "github.com/evanphx/json-patch/v5"
	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"

	"istio.io/istio/pilot/pkg/model"
	"istio.io/istio/pkg/cluster"
	"istio.io/istio/pkg/config/mesh"
	"istio.io/istio/pkg/config/mesh/meshwatcher"
	"istio.io/istio/pkg/kube"
	"istio.io/istio/pkg/kube/inject"
	"istio.io/istio/pkg/kube/multicluster"
	"istio.io/istio/pkg/log"
)

type request struct {
	// Config and Values are the `config` and `values` keys of the injector ConfigMap.
	Config string `json:"config"`
	Values string `json:"values"`
	// Mesh is the `mesh` key of the mesh ConfigMap.
	Mesh     string `json:"mesh"`
	Revision string `json:"revision"`
	// Path is the webhook path the MutatingWebhookConfiguration calls (e.g. /inject/cluster/c1/net/n1).
	Path string `json:"path"`
	// ClusterID is istiod's CLUSTER_ID: the cluster whose nodes decide native-sidecar support.
	ClusterID string `json:"clusterId"`
	// KubeletVersion of the cluster's one node (e.g. v1.33.0).
	KubeletVersion string `json:"kubeletVersion"`
	Namespace      string `json:"namespace"`
	// NamespaceAnnotations of the pod's namespace as the cluster holds it (on OpenShift istiod
	// reads the namespace's UID range from them).
	NamespaceAnnotations map[string]string `json:"namespaceAnnotations"`
	Pod                  json.RawMessage   `json:"pod"`
}

type response struct {
	Allowed bool            `json:"allowed"`
	Message string          `json:"message,omitempty"`
	Patched bool            `json:"patched"`
	Pod     json.RawMessage `json:"pod,omitempty"`
	Error   string          `json:"error,omitempty"`
}

type injector struct {
	handler http.Handler
	stop    chan struct{}
}

var (
	mu        sync.Mutex
	injectors = map[[32]byte]*injector{}
)

// staticWatcher serves one injector configuration, as istiod's ConfigMap watcher would.
type staticWatcher struct {
	config *inject.Config
	values string
}

func (w *staticWatcher) SetHandler(func(*inject.Config, string) error) {}
func (w *staticWatcher) Run(<-chan struct{})                           {}
func (w *staticWatcher) Get() (*inject.Config, string, error)          { return w.config, w.values, nil }

func newInjector(r *request) (*injector, error) {
	cfg, err := inject.UnmarshalConfig([]byte(r.Config))
	if err != nil {
		return nil, fmt.Errorf("injector config: %v", err)
	}
	meshConfig, err := mesh.ApplyMeshConfigDefaults(r.Mesh)
	if err != nil {
		return nil, fmt.Errorf("mesh config: %v", err)
	}
	env := &model.Environment{Watcher: meshwatcher.NewTestWatcher(meshConfig)}
	// No ProxyConfig resources: the effective proxy config is the mesh default merged with the
	// pod's proxy.istio.io/config annotation, as in istiod with none applied.
	env.SetPushContext(&model.PushContext{ProxyConfigs: &model.ProxyConfigs{}})

	clusters := multicluster.NewFakeController()
	mux := http.NewServeMux()
	if _, err := inject.NewWebhook(inject.WebhookParameters{
		Watcher:      &staticWatcher{config: &cfg, values: r.Values},
		Env:          env,
		Mux:          mux,
		Revision:     r.Revision,
		MultiCluster: clusters,
	}); err != nil {
		return nil, err
	}
	clusterID := r.ClusterID
	if clusterID == "" {
		clusterID = "Kubernetes"
	}
	node := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: "node-1"},
		Status:     corev1.NodeStatus{NodeInfo: corev1.NodeSystemInfo{KubeletVersion: r.KubeletVersion}},
	}
	objects := []runtime.Object{node}
	if r.Namespace != "" {
		objects = append(objects, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: r.Namespace, Annotations: r.NamespaceAnnotations}})
	}
	client := kube.NewFakeClient(objects...)
	stop := make(chan struct{})
	clusters.Add(cluster.ID(clusterID), client, stop)
	client.RunAndWait(stop)
	return &injector{handler: mux, stop: stop}, nil
}

func injectorFor(r *request) (*injector, error) {
	namespace, err := json.Marshal(r.NamespaceAnnotations)
	if err != nil {
		return nil, err
	}
	key := sha256.Sum256([]byte(fmt.Sprintf("%q|%q|%q|%q|%q|%q|%q|%q", r.Config, r.Values, r.Mesh, r.Revision, r.ClusterID, r.KubeletVersion, r.Namespace, namespace)))
	mu.Lock()
	defer mu.Unlock()
	if i, ok := injectors[key]; ok {
		return i, nil
	}
	i, err := newInjector(r)
	if err != nil {
		return nil, err
	}
	injectors[key] = i
	return i, nil
}

func handle(r *request) response {
	inj, err := injectorFor(r)
	if err != nil {
		return response{Error: err.Error()}
	}
	review := admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: "admission.k8s.io/v1", Kind: "AdmissionReview"},
		Request: &admissionv1.AdmissionRequest{
			UID:       types.UID("meshc-test"),
			Kind:      metav1.GroupVersionKind{Version: "v1", Kind: "Pod"},
			Resource:  metav1.GroupVersionResource{Version: "v1", Resource: "pods"},
			Namespace: r.Namespace,
			Operation: admissionv1.Create,
			Object:    runtime.RawExtension{Raw: r.Pod},
		},
	}
	body, err := json.Marshal(review)
	if err != nil {
		return response{Error: err.Error()}
	}
	path := r.Path
	if path == "" {
		path = "/inject"
	}
	httpReq := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
	httpReq.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	inj.handler.ServeHTTP(rec, httpReq)
	if rec.Code != http.StatusOK {
		return response{Error: fmt.Sprintf("webhook answered %d: %s", rec.Code, rec.Body.String())}
	}
	var answer admissionv1.AdmissionReview
	if err := json.Unmarshal(rec.Body.Bytes(), &answer); err != nil {
		return response{Error: fmt.Sprintf("webhook answer: %v", err)}
	}
	res := answer.Response
	if res == nil {
		return response{Error: "webhook answered without a response"}
	}
	out := response{Allowed: res.Allowed}
	if res.Result != nil {
		out.Message = res.Result.Message
	}
	if !res.Allowed || len(res.Patch) == 0 {
		return out
	}
	patch, err := jsonpatch.DecodePatch(res.Patch)
	if err != nil {
		return response{Error: fmt.Sprintf("patch: %v", err)}
	}
	// The API server applies the patch to the pod as it holds it, typed; so does istiod compute it.
	var typed corev1.Pod
	if err := json.Unmarshal(r.Pod, &typed); err != nil {
		return response{Error: fmt.Sprintf("pod: %v", err)}
	}
	original, err := json.Marshal(&typed)
	if err != nil {
		return response{Error: err.Error()}
	}
	patched, err := patch.Apply(original)
	if err != nil {
		return response{Error: fmt.Sprintf("applying the patch: %v", err)}
	}
	out.Patched = true
	out.Pod = patched
	return out
}

func main() {
	// Injection logs go to stderr; stdout carries only responses.
	opts := log.DefaultOptions()
	opts.OutputPaths = []string{"stderr"}
	opts.ErrorOutputPaths = []string{"stderr"}
	opts.SetDefaultOutputLevel("all", log.WarnLevel)
	if err := log.Configure(opts); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 64<<20)
	out := bufio.NewWriter(os.Stdout)
	enc := json.NewEncoder(out)
	for in.Scan() {
		var r request
		var res response
		if err := json.Unmarshal(in.Bytes(), &r); err != nil {
			res = response{Error: fmt.Sprintf("request: %v", err)}
		} else {
			res = handle(&r)
		}
		if err := enc.Encode(res); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		if err := out.Flush(); err != nil {
			os.Exit(1)
		}
	}
	if err := in.Err(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
