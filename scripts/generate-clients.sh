#!/usr/bin/env bash
# Generates the Python and Go client stubs into gen/clients/ from proto/ (buf.gen.clients.*.yaml), offline, with
# Debian's plugins. It installs nothing: when a tool is missing it names the Debian package and stops.
set -euo pipefail
cd "$(dirname "$0")/.."

declare -A PACKAGE_OF=(
  [protoc]=protobuf-compiler
  [grpc_python_plugin]=protobuf-compiler-grpc
  [protoc-gen-go]=protoc-gen-go
  [protoc-gen-go-grpc]=protoc-gen-go-grpc
)
missing=()
for tool in protoc grpc_python_plugin protoc-gen-go protoc-gen-go-grpc; do
  command -v "$tool" >/dev/null || missing+=("${PACKAGE_OF[$tool]}")
done
if ((${#missing[@]} > 0)); then
  echo "generate:clients needs Debian packages that are not installed: ${missing[*]}" >&2
  echo "install them with: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
if [[ ! -x node_modules/.bin/buf ]]; then
  echo "generate:clients needs the npm dependencies: run npm ci first" >&2
  exit 1
fi
npx buf generate --template buf.gen.clients.python.yaml
npx buf generate --template buf.gen.clients.go.yaml
echo "generated Python stubs in gen/clients/python and Go stubs in gen/clients/go/src"
