//go:build tools

// Package tools pins the Go modules whose binaries the API-server and simulated cluster test
// tiers build from this module, in one `go build`: etcd (go.etcd.io/etcd/server/v3) and the
// control plane of the pinned Kubernetes release (kube-apiserver, kube-controller-manager,
// kube-scheduler from k8s.io/kubernetes/cmd/...).
package tools

import (
	_ "go.etcd.io/etcd/server/v3"
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
)
