//go:build tools

// Package tools pins kwok (sigs.k8s.io/kwok/cmd/kwok), which the simulated cluster tier builds
// from this module to play the kubelet of fake nodes and pods (docs/testing.md).
package tools

import (
	_ "sigs.k8s.io/kwok/cmd/kwok"
)
