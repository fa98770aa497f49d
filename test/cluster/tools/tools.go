//go:build tools

// Package tools pins the Go modules whose binaries the API-server test tier builds
// (go build go.etcd.io/etcd/server/v3 and k8s.io/kubernetes/cmd/kube-apiserver from this module).
package tools

import (
	_ "go.etcd.io/etcd/server/v3"
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
)
