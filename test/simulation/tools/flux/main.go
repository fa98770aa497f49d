// Command flux-build builds one Flux Kustomization the way kustomize-controller does and prints
// the result as multi-document YAML: a kustomization.yaml generated where the path has none,
// `kustomize build` through Flux's secure file system, then post-build variable substitution
// from the Kustomization's spec.postBuild (substituteFrom read from the cluster). It calls the
// same functions of github.com/fluxcd/pkg/kustomize as kustomize-controller's build step
// (fluxcd/kustomize-controller@v1.9.4:internal/controller/kustomization_controller.go,
// functions generate and build); decryption and remote bases are not used by this project.
//
// Usage: flux-build -kubeconfig FILE -kustomization FILE -workdir DIR
//
// DIR is a scratch copy of the repository (the generator writes kustomization.yaml into it);
// the Kustomization's spec.path is resolved against it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/fluxcd/pkg/kustomize"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"
)

func main() {
	kubeconfig := flag.String("kubeconfig", "", "kubeconfig of the cluster holding the substituteFrom ConfigMaps and Secrets")
	kustomizationFile := flag.String("kustomization", "", "file holding one kustomize.toolkit.fluxcd.io Kustomization")
	workDir := flag.String("workdir", "", "scratch copy of the repository that spec.path is relative to")
	flag.Parse()
	if *kubeconfig == "" || *kustomizationFile == "" || *workDir == "" {
		fmt.Fprintln(os.Stderr, "flux-build: -kubeconfig, -kustomization and -workdir are required")
		os.Exit(2)
	}
	out, err := build(context.Background(), *kubeconfig, *kustomizationFile, *workDir)
	if err != nil {
		fmt.Fprintf(os.Stderr, "flux-build: %v\n", err)
		os.Exit(1)
	}
	_, _ = os.Stdout.Write(out)
}

func build(ctx context.Context, kubeconfig, kustomizationFile, workDir string) ([]byte, error) {
	raw, err := os.ReadFile(kustomizationFile)
	if err != nil {
		return nil, err
	}
	var obj unstructured.Unstructured
	if err := yaml.Unmarshal(raw, &obj.Object); err != nil {
		return nil, fmt.Errorf("%s: %w", kustomizationFile, err)
	}
	if obj.GetKind() != "Kustomization" {
		return nil, fmt.Errorf("%s: kind %q, want Kustomization", kustomizationFile, obj.GetKind())
	}
	path, _, err := unstructured.NestedString(obj.Object, "spec", "path")
	if err != nil {
		return nil, err
	}
	root, err := filepath.Abs(workDir)
	if err != nil {
		return nil, err
	}
	dirPath, err := filepath.Abs(filepath.Join(root, path))
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(dirPath); err != nil {
		return nil, fmt.Errorf("spec.path %q: %w", path, err)
	}

	// kustomize-controller: generate, then build (SecureBuild, no remote bases here).
	if _, err := kustomize.NewGenerator(root, obj).WriteFile(dirPath); err != nil {
		return nil, fmt.Errorf("generating kustomization.yaml: %w", err)
	}
	m, err := kustomize.SecureBuild(root, dirPath, false)
	if err != nil {
		return nil, fmt.Errorf("kustomize build failed: %w", err)
	}

	_, hasPostBuild, _ := unstructured.NestedMap(obj.Object, "spec", "postBuild")
	strategy, _, _ := unstructured.NestedString(obj.Object, "spec", "postBuild", "substituteStrategy")
	var kubeClient client.Client
	if hasPostBuild {
		cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
		if err != nil {
			return nil, err
		}
		// No client-side rate limit, as kustomize-controller runs when the API server has API
		// Priority and Fairness (the default): fluxcd/pkg/runtime@v0.110.1 (the version
		// kustomize-controller v1.9.4's go.mod pins) client/client.go GetConfigOrDie sets QPS -1.
		// With client-go's default of 5 per second (k8s.io/client-go@v0.36.2 rest/config.go
		// DefaultQPS), the one read of substituteFrom per resource made each layer's build wait
		// for seconds.
		cfg.QPS = -1
		kubeClient, err = client.New(cfg, client.Options{})
		if err != nil {
			return nil, err
		}
	}
	for _, res := range m.Resources() {
		if res.GetName() == "" || res.GetKind() == "" || res.GetApiVersion() == "" {
			return nil, fmt.Errorf("failed to decode Kubernetes apiVersion, kind and name from: %v", res.String())
		}
		if !hasPostBuild {
			continue
		}
		// kustomize-controller's defaults: StrictPostBuildSubstitutions off, strategy WithVariables.
		outRes, err := kustomize.SubstituteVariables(ctx, kubeClient, obj, res,
			kustomize.SubstituteWithStrict(false),
			kustomize.SubstituteWithAlways(strategy == "Always"))
		if err != nil {
			return nil, fmt.Errorf("post build failed for '%s/%s': %w", res.GetGvk(), res.GetName(), err)
		}
		if outRes != nil {
			if _, err := m.Replace(res); err != nil {
				return nil, err
			}
		}
	}
	out, err := m.AsYaml()
	if err != nil {
		return nil, errors.Join(errors.New("kustomize build failed"), err)
	}
	return out, nil
}
