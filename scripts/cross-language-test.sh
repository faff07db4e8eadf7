#!/usr/bin/env bash
# Runs the Python client test (test/python) and vets the Go stubs and example against the service on the
# embedded emulator. Needs `npm run build` and `npm run generate:clients` first, Debian's python3-grpcio,
# python3-protobuf, golang-go, golang-google-grpc-dev and golang-github-golang-protobuf-1-5-dev.
set -euo pipefail
cd "$(dirname "$0")/.."

log=$(mktemp)
GRPC_PORT=0 EMULATOR_PORT=0 METRICS_PORT=0 RECONNECT_SHUTDOWN_DRAIN_DELAY_MS=0 node dist/src/main.js >"$log" 2>&1 &
service=$!
trap 'kill "$service" 2>/dev/null || true; wait "$service" 2>/dev/null || true; rm -f "$log"' EXIT

# The first log line names the ports it bound (ephemeral, so parallel runs never collide).
for _ in $(seq 1 100); do
  grep -q '"grpcPort"' "$log" && break
  kill -0 "$service" 2>/dev/null || { cat "$log" >&2; exit 1; }
  sleep 0.1
done
first_line=$(grep -m1 '"grpcPort"' "$log")
grpc_port=$(sed -E 's/.*"grpcPort":([0-9]+).*/\1/' <<<"$first_line")
emulator_endpoint=$(sed -E 's/.*"emulatorEndpoint":"([^"]+)".*/\1/' <<<"$first_line")

echo "python: cross-language test against 127.0.0.1:$grpc_port (emulator $emulator_endpoint)"
RECONNECT_ADDRESS="127.0.0.1:$grpc_port" EMULATOR_ENDPOINT="$emulator_endpoint" \
  /usr/bin/python3 test/python/test_cross_language.py

echo "go: vet the generated stubs and the example"
export GOPATH="$PWD/gen/clients/go:/usr/share/gocode" GO111MODULE=off GOFLAGS= GOCACHE="${GOCACHE:-$(mktemp -d)}"
(cd gen/clients/go && go vet example.com/gameliftstreams-reconnect/gen/go/... && go vet ../../../examples/go/reconnect.go && go vet ../../../examples/go/watch.go)
echo "go: vet passed"
