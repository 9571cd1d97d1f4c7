# The serving image: `mlops serve` answering for one registered model version, baked in.
#
#   npm run pipeline                                    # registers a version in .mlops/registry
#   docker build --build-arg MODEL_VERSION=1.0.0 -t ghcr.io/OWNER/REPO:1.0.0 .
#   docker run --rm -p 127.0.0.1:8080:8080 ghcr.io/OWNER/REPO:1.0.0
#
# With podman, add `--format docker` to the build: the OCI image format has no HEALTHCHECK.
# scripts/container/README.md has the details (local base image, offline builds, GHCR).
#
# Build arguments:
#   MODEL_VERSION  required: the registered version to serve (MAJOR.MINOR.PATCH)
#   REGISTRY_DIR   the registry folder in the build context (the config's registry.path)
#   BASE_IMAGE     the Node.js 20 image both stages start from. Any image with node and npm on
#                  PATH, a POSIX sh and /usr/bin/env works: hosts that cannot pull from Docker
#                  Hub pass one built by scripts/container/build-base-image.sh
#   NPM_OFFLINE    true: install dependencies from a mounted npm cache only (see below)
#   VCS_REF, SOURCE_URL  the commit and the repository URL, for the OCI labels
#
# Only sh builtins, node and npm run in RUN steps, so a minimal base (no coreutils, no
# useradd) builds the same image as node:20-bookworm-slim.

ARG BASE_IMAGE=node:20-bookworm-slim

# ---------------------------------------------------------------------------------------------
# Build stage: dependencies, the compiled CLI, and the registry of the one version to serve.
FROM ${BASE_IMAGE} AS build
WORKDIR /app

# Dependencies first, so that a source change reuses this layer. Scripts are skipped here:
# `prepare` would compile before the sources are copied, and the only install script that
# matters, the optional native @tensorflow/tfjs-node addon's (it downloads libtensorflow for
# this platform), runs on its own below.
#
# On GitHub's runners (and any host whose builds reach registry.npmjs.org) this is a plain
# `npm ci`. A host whose build containers cannot reach the registry (this project's CI machine
# intercepts TLS with its own CA) mounts its warm npm cache at /root/.npm and sets
# NPM_OFFLINE=true: `podman build -v ~/.npm:/root/.npm:O --build-arg NPM_OFFLINE=true ...`.
# npm then installs from that cache alone and leaves out the optional addon, which could not
# download libtensorflow there anyway; the server falls back to the WebAssembly backend
# (src/model/backend.ts). Only sh builtins, node and npm are used: `set --` holds the flags.
COPY package.json package-lock.json ./
ARG NPM_OFFLINE=false
RUN if [ "${NPM_OFFLINE}" = true ]; then set -- --offline --omit=optional; fi \
 && npm ci --ignore-scripts --no-audit --no-fund "$@"

COPY tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY src ./src
# Compile, drop the dev dependencies, then give the native addon its install script. If that
# fails (no prebuilt binary or libtensorflow download for this platform), the addon and the
# packages only it needs (@tensorflow/tfjs with its converter, data and webgl parts, about
# 200 MB) are pruned, and the server uses the WebAssembly backend.
RUN if [ "${NPM_OFFLINE}" = true ]; then set -- --offline --omit=optional; fi \
 && npm run build \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund "$@" \
 && if [ -d node_modules/@tensorflow/tfjs-node ] && ! npm rebuild @tensorflow/tfjs-node; then \
      echo "@tensorflow/tfjs-node could not be installed here: the image serves with the WebAssembly backend." \
      && npm prune --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund --offline; \
    fi

# The registered version, alone in a registry of its own and its champion: the image serves
# exactly this version, needs no volume, and fails to build when the version is missing or its
# files are corrupt.
ARG REGISTRY_DIR=.mlops/registry
COPY ${REGISTRY_DIR} /tmp/source-registry
ARG MODEL_VERSION
RUN node dist/src/container/bake-registry-main.js /tmp/source-registry "${MODEL_VERSION}" /app/registry

# ---------------------------------------------------------------------------------------------
# Runtime stage: node, the compiled CLI and dashboard, production dependencies and the baked registry. The
# files belong to root and are read-only for the server's user. What every version shares (the
# user, the dependencies, the compiled code) comes before anything of this version (its build
# arguments, labels and registry): built with a layer cache, those layers are then the same for
# every version of the same code, so only the last ones are rebuilt, a registry stores the rest
# once, and a host running one version pulls only the other's own layers.
FROM ${BASE_IMAGE}

# A named, unprivileged user; USER below is numeric so that runtimes enforcing runAsNonRoot
# (Kubernetes) can check it without reading /etc/passwd.
RUN echo "mlops:x:10001:10001:mlops model server:/app:/usr/sbin/nologin" >> /etc/passwd \
 && echo "mlops:x:10001:" >> /etc/group

WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/bin ./bin
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
# The dashboard's browser code (ES modules the server sends under /assets/js/).
COPY --from=build /app/dist/browser ./dist/browser

ARG MODEL_VERSION
ARG VCS_REF=unknown
ARG SOURCE_URL=""
LABEL org.opencontainers.image.title="mlops model server" \
      org.opencontainers.image.description="mlops serve: a TensorFlow.js model behind /predict, /health, /ready, /metrics and /model" \
      org.opencontainers.image.version="${MODEL_VERSION}" \
      org.opencontainers.image.revision="${VCS_REF}" \
      org.opencontainers.image.source="${SOURCE_URL}" \
      org.opencontainers.image.licenses="MIT" \
      mlops.model.version="${MODEL_VERSION}"
COPY --from=build /app/registry ./registry

ENV NODE_ENV=production \
    MODEL_VERSION=${MODEL_VERSION} \
    PORT=8080
USER 10001:10001
EXPOSE 8080

# node is PID 1 and nothing forwards signals: the server itself handles SIGTERM (stop
# accepting, finish in-flight requests, exit 0), so `docker stop` takes well under its 10 s.
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "dist/src/container/healthcheck-main.js"]
ENTRYPOINT ["node", "bin/mlops.js", "serve"]
CMD ["--registry", "/app/registry", "--host", "0.0.0.0"]
