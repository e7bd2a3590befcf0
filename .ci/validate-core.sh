#!/usr/bin/env bash
# An independent second opinion on the core Kubernetes objects in generated/: the
# kubernetes-validate schemas (from Kubernetes' own OpenAPI, not from our Rust types), strict,
# for the oldest Kubernetes the lab supports. Custom resources are covered by `xtask validate`.
set -euo pipefail
cd "$(dirname "$0")/.."
version=${KUBERNETES_VERSION:-1.34.0}
core='^apiVersion: (v1|apps/v1|batch/v1|rbac\.authorization\.k8s\.io/v1|storage\.k8s\.io/v1|networking\.k8s\.io/v1|policy/v1|apiextensions\.k8s\.io/v1)$'
mapfile -t files < <(grep -rlE "$core" generated --include='*.yaml' | sort)
[ "${#files[@]}" -gt 0 ] || { echo "no core objects found in generated/" >&2; exit 1; }
kubernetes-validate --kubernetes-version "$version" --strict --quiet "${files[@]}"
echo "kubernetes-validate $version --strict: ${#files[@]} core objects valid"
