// Command flux-apply reconciles Flux Kustomization objects the way Flux's kustomize-controller
// does, with the libraries it is built on: fluxcd/pkg/kustomize generates and builds each
// Kustomization's path (from a copy of the source, as the controller works on an artifact), and
// fluxcd/pkg/ssa applies the result with server-side apply in stages and waits for it to become
// ready when the Kustomization asks for it.
//
// Usage: flux-apply --kubeconfig FILE --source DIR [--max-timeout D] KUSTOMIZATION.yaml...
// Kustomizations are reconciled in the order given; the caller orders them by dependsOn.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fluxcd/cli-utils/pkg/kstatus/polling"
	"github.com/fluxcd/pkg/kustomize"
	"github.com/fluxcd/pkg/ssa"
	ssautil "github.com/fluxcd/pkg/ssa/utils"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"
)

func main() {
	kubeconfig := flag.String("kubeconfig", "", "kubeconfig of the cluster (required)")
	source := flag.String("source", "", "root of the source the Kustomizations' paths are relative to (required)")
	flag.DurationVar(&maxTimeout, "max-timeout", 0, "cap on each Kustomization's timeout (0: none)")
	flag.Parse()
	if *kubeconfig == "" || *source == "" || flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*kubeconfig, *source, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "flux-apply:", err)
		os.Exit(1)
	}
}

func run(kubeconfig, source string, files []string) error {
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return err
	}
	kube, err := client.New(cfg, client.Options{})
	if err != nil {
		return err
	}
	poller := polling.NewStatusPoller(kube, kube.RESTMapper(), polling.Options{})
	manager := ssa.NewResourceManager(kube, poller, ssa.Owner{Field: "kustomize-controller", Group: "kustomize.toolkit.fluxcd.io"})

	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		var ks unstructured.Unstructured
		if err := yaml.Unmarshal(data, &ks.Object); err != nil {
			return fmt.Errorf("%s: %w", file, err)
		}
		if err := reconcile(manager, source, &ks); err != nil {
			return fmt.Errorf("Kustomization %s/%s: %w", ks.GetNamespace(), ks.GetName(), err)
		}
	}
	return nil
}

func reconcile(manager *ssa.ResourceManager, source string, ks *unstructured.Unstructured) error {
	path, _, _ := unstructured.NestedString(ks.Object, "spec", "path")
	// The controller builds from an extracted artifact it may modify (the generator writes a
	// kustomization.yaml): work on a copy.
	root, err := os.MkdirTemp("", "flux-apply-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(root)
	if err := os.CopyFS(root, os.DirFS(source)); err != nil {
		return err
	}
	dir, err := securePath(root, path)
	if err != nil {
		return err
	}
	if _, err := kustomize.NewGenerator(root, *ks).WriteFile(dir); err != nil {
		return fmt.Errorf("generate: %w", err)
	}
	resources, err := kustomize.SecureBuild(root, dir, false)
	if err != nil {
		return fmt.Errorf("build: %w", err)
	}
	manifests, err := resources.AsYaml()
	if err != nil {
		return err
	}
	objects, err := ssautil.ReadObjects(bytes.NewReader(manifests))
	if err != nil {
		return err
	}
	manager.SetOwnerLabels(objects, ks.GetName(), ks.GetNamespace())

	ctx, cancel := context.WithTimeout(context.Background(), timeoutOf(ks))
	defer cancel()
	changes, err := manager.ApplyAllStaged(ctx, objects, ssa.DefaultApplyOptions())
	if err != nil {
		return fmt.Errorf("apply: %w", err)
	}
	for _, entry := range changes.Entries {
		fmt.Printf("%s/%s %s\n", ks.GetName(), entry.Subject, entry.Action)
	}
	if wait, _, _ := unstructured.NestedBool(ks.Object, "spec", "wait"); wait {
		if err := manager.WaitForSet(changes.ToObjMetadataSet(), ssa.WaitOptions{Interval: time.Second, Timeout: timeoutOf(ks)}); err != nil {
			return fmt.Errorf("wait: %w", err)
		}
		fmt.Printf("%s ready\n", ks.GetName())
	}
	return nil
}

// securePath joins a Kustomization's spec.path to the source root, refusing paths that leave it.
func securePath(root, path string) (string, error) {
	dir := filepath.Join(root, filepath.Clean("/"+path))
	if !strings.HasPrefix(dir, filepath.Clean(root)+string(filepath.Separator)) && dir != filepath.Clean(root) {
		return "", fmt.Errorf("path %q leaves the source", path)
	}
	return dir, nil
}

var maxTimeout time.Duration

func timeoutOf(ks *unstructured.Unstructured) time.Duration {
	d := specTimeout(ks)
	if maxTimeout > 0 && d > maxTimeout {
		return maxTimeout
	}
	return d
}

// specTimeout is the controller's rule: spec.timeout, else spec.interval.
func specTimeout(ks *unstructured.Unstructured) time.Duration {
	if s, ok, _ := unstructured.NestedString(ks.Object, "spec", "timeout"); ok {
		if d, err := time.ParseDuration(s); err == nil {
			return d
		}
	}
	if s, ok, _ := unstructured.NestedString(ks.Object, "spec", "interval"); ok {
		if d, err := time.ParseDuration(s); err == nil {
			return d
		}
	}
	return 10 * time.Minute
}
