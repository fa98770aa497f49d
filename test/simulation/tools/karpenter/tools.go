//go:build tools

// Package tools pins Karpenter's kwok provider (sigs.k8s.io/karpenter/kwok), which the simulated
// cluster tier builds from this module (docs/testing.md).
package tools

import (
	_ "sigs.k8s.io/karpenter/kwok"
)
