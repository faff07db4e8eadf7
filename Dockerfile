# The gameliftstreams-reconnect image: the production dependencies and the built service, run as a non-root user
# on a distroless Node 24, calling Amazon GameLift Streams. Deploying it: docs/deploy.md.
#
# Not built in CI: no Docker engine runs there and no registry is reachable. `npm run test:production-install`
# (test/deploy/production-install.ts) stands in for a build: it assembles every stage as written, in clean folders
# (COPY from the checkout less .dockerignore or from an earlier stage, RUN run for real, Node 24 standing for the
# base images' Node), then runs the last stage's ENTRYPOINT with its ENV, as its USER, on a tree it cannot write.
# test/deploy/dockerfile.test.ts checks the rest. Both refuse instructions they do not understand: keep to these.
#
#   docker build -t gameliftstreams-reconnect:0.1.0 .

# The build: every dependency (buf, ts-proto, TypeScript), the protos' code generated and compiled into dist/.
# Node 24.22.3 is the version scripts/node24.sh gives CI; no install script of any dependency runs.
FROM node:24.22.3-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY buf.yaml buf.gen.yaml tsconfig.json ./
COPY proto ./proto
COPY src ./src
RUN npm run build

# What runs needs only the production dependencies: none of the devDependencies above.
FROM node:24.22.3-bookworm-slim AS production-dependencies
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# The image: Node 24 and nothing else (no shell, no npm), the service's files owned by root and read-only to it.
# Pin the base by digest when you build (`gcr.io/distroless/nodejs24-debian12:nonroot@sha256:...`).
FROM gcr.io/distroless/nodejs24-debian12:nonroot AS runtime
WORKDIR /app
COPY --from=production-dependencies /app/package.json ./package.json
COPY --from=production-dependencies /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
COPY --from=build /app/dist/descriptor-set.binpb ./dist/descriptor-set.binpb
# Off loopback the service refuses to start without TLS and authentication (GRPC_TLS_*, RECONNECT_CALLERS_FILE):
# the deployment provides them. The kubelet probes health on GRPC_HEALTH_PORT, in plaintext.
ENV RECONNECT_BACKEND=aws \
    GRPC_HOST=0.0.0.0 \
    GRPC_PORT=50051 \
    GRPC_HEALTH_PORT=8081 \
    METRICS_HOST=0.0.0.0 \
    METRICS_PORT=9464 \
    LOG_FORMAT=json
# distroless's nonroot, by number, so that Kubernetes' runAsNonRoot can verify it.
USER 65532:65532
# gRPC (TLS), health for probes (plaintext), Prometheus metrics (HTTP).
EXPOSE 50051 8081 9464
# V8 bounds its young generation (where each call's short-lived objects live) by the memory the process may use: in
# the pod's limit the bound is so low that the service collects garbage many times a second under load, and on a large
# node it is higher than the service needs. Node's documented --max-semi-space-size sets the bound instead
# (docs/deploy.md, "Memory and the young generation"); npm start runs node with the same flags.
ENTRYPOINT ["/nodejs/bin/node", "--max-semi-space-size=16", "dist/src/main.js"]
