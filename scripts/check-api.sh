#!/usr/bin/env bash
# API governance for proto/: STANDARD lint, canonical formatting, and no breaking change (buf's FILE rules)
# against any version of the contract that main has had: what clients were generated from must keep working.
set -euo pipefail
cd "$(dirname "$0")/.."

npx buf lint
npx buf format --diff --exit-code

# A shallow clone has no history to compare with; deepen it from origin when possible.
if [[ "$(git rev-parse --is-shallow-repository)" == "true" ]]; then
  git fetch --quiet --unshallow origin 2>/dev/null || echo "check-api: shallow clone without reachable history; comparing with what is here"
fi

baselines=$(git log --format=%H -- proto/ | grep -v "^$(git rev-parse HEAD)\$" || true)
if git rev-parse --verify --quiet origin/main >/dev/null && [[ "$(git rev-parse HEAD)" != "$(git rev-parse origin/main)" ]]; then
  baselines="$(git merge-base HEAD origin/main) $baselines"
fi
count=0
for ref in $baselines; do
  npx buf breaking --against ".git#ref=${ref}" || {
    echo "check-api: proto/ breaks compatibility with commit ${ref}: $(git log -1 --format=%s "$ref")" >&2
    exit 1
  }
  count=$((count + 1))
done
echo "check-api: lint and format clean; no breaking change against ${count} earlier versions of proto/"
