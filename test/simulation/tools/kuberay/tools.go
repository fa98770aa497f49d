//go:build tools

// Package tools pins the KubeRay operator (github.com/ray-project/kuberay/ray-operator), which
// the simulated cluster tier builds from this module (docs/testing.md).
package tools

import (
	_ "github.com/ray-project/kuberay/ray-operator"
)
