# syntax=docker/dockerfile:1
#
# One image definition for all four services, plus the migration runner. The services build and run
# the same way and differ only in their name and port, so one parameterised file replaces four
# near-identical copies that would drift apart.
#
# Build context: the repository root (see /.dockerignore).
#
#   docker build -f infra/docker/service.Dockerfile --build-arg SERVICE=booking --build-arg PORT=8081 -t ticketing/booking .
#   docker build -f infra/docker/service.Dockerfile --target migrate -t ticketing/migrate .
#
# infra/docker-compose.yml builds it once per service with `build.args` (and `target: migrate` once).
#
# Stages:
#   base         node + the npm version pinned in package.json#packageManager
#   deps         npm ci on the manifests only (cached until a package.json or the lock file changes)
#   prod-deps    deps pruned to what runs in production (no sources involved, so also cached)
#   sources      deps + the TypeScript sources
#   build        turbo builds @ticketing/$SERVICE and the workspaces it depends on
#   build-migrate turbo builds @ticketing/prisma-migrate and the workspaces it depends on
#   migrate      runtime image of the migration CLI
#   service      runtime image of one service (the default target)

ARG NODE_IMAGE=node:22-bookworm-slim

# ---------------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS base
ENV CHECKPOINT_DISABLE=1 \
    PRISMA_HIDE_UPDATE_MESSAGE=1 \
    TURBO_TELEMETRY_DISABLED=1 \
    DO_NOT_TRACK=1 \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false
WORKDIR /app
COPY package.json package-lock.json ./
# The npm bundled with node:22 is 10.x, which ignores package.json#allowScripts: prisma's and
# @prisma/engines' install scripts would then run and download engines from Prisma's binary host.
# The npm the lock file was made with honours that policy, so the build needs only the npm registry.
RUN --mount=type=cache,target=/root/.npm \
    npm_version="$(node -p "const pm = require('./package.json').packageManager || ''; if (!/^npm@[0-9]/.test(pm)) throw new Error('package.json#packageManager must be npm@<version>, got: ' + pm); pm.slice(4).split('+')[0]")" \
 && npm install --global "npm@${npm_version}" \
 && test "$(npm --version)" = "${npm_version}"

# ---------------------------------------------------------------------------------------------------
FROM base AS deps
# Every workspace manifest, so that npm ci sees the same workspace set as the lock file.
# A new workspace needs a line here (npm ci fails loudly if one is missing).
COPY packages/contracts/package.json      packages/contracts/
COPY packages/devstack/package.json       packages/devstack/
COPY packages/prisma-migrate/package.json packages/prisma-migrate/
COPY packages/service-kit/package.json    packages/service-kit/
COPY services/booking/package.json           services/booking/
COPY services/dataplatform-sink/package.json services/dataplatform-sink/
COPY services/payment/package.json           services/payment/
COPY services/queue-gateway/package.json     services/queue-gateway/
RUN --mount=type=cache,target=/root/.npm \
    npm ci

# ---------------------------------------------------------------------------------------------------
FROM deps AS prod-deps
# --omit=optional as well as --omit=dev: prisma (the CLI), typescript and their trees are optional
# peers of @prisma/client, so npm marks them "devOptional" and --omit=dev alone would keep them
# (~410 MB of node_modules instead of ~155 MB). The only runtime optional deps are msgpackr-extract (a native accelerator msgpackr
# falls back from) and pg-cloudflare (unused on Node).
# Workspace-local node_modules (packages/x/node_modules, only present on version conflicts) are kept.
RUN npm prune --omit=dev --omit=optional \
 && mkdir /deps \
 && mv node_modules /deps/ \
 && for ws in packages/* services/*; do \
      if [ -d "$ws/node_modules" ]; then mkdir -p "/deps/$ws" && mv "$ws/node_modules" "/deps/$ws/"; fi; \
    done

# ---------------------------------------------------------------------------------------------------
FROM deps AS sources
COPY tsconfig.base.json turbo.json ./
COPY packages/ packages/
COPY services/ services/
# Copies the package.json + dist of a workspace and of every workspace it reaches through
# `dependencies` into the runtime tree. turbo's `--filter=X...` also builds the workspaces X has as
# devDependencies (e.g. devstack, used by tests), and those must not ship.
COPY <<'EOF' /usr/local/lib/ship-workspaces.cjs
const fs = require('node:fs');
const [out, entry] = process.argv.slice(2);
const manifest = (dir) => JSON.parse(fs.readFileSync(dir + '/package.json', 'utf8'));
const workspaces = ['packages', 'services']
  .flatMap((root) => fs.readdirSync(root).map((name) => root + '/' + name))
  .filter((dir) => fs.existsSync(dir + '/package.json'));
const dirOf = new Map(workspaces.map((dir) => [manifest(dir).name, dir]));
const shipped = new Set();
const visit = (dir) => {
  if (shipped.has(dir)) return;
  shipped.add(dir);
  for (const name of Object.keys(manifest(dir).dependencies ?? {})) if (dirOf.has(name)) visit(dirOf.get(name));
};
visit(entry);
for (const dir of shipped) {
  if (!fs.existsSync(dir + '/dist')) throw new Error(dir + ' is a runtime dependency of ' + entry + ' but has no dist/');
  for (const item of ['package.json', 'dist']) fs.cpSync(dir + '/' + item, out + '/' + dir + '/' + item, { recursive: true });
  console.log('ships ' + dir);
}
EOF

# ---------------------------------------------------------------------------------------------------
FROM sources AS build
ARG SERVICE
ARG PORT
RUN if [ -z "${SERVICE}" ] || [ ! -f "services/${SERVICE}/package.json" ]; then \
      echo "build arg SERVICE must name a folder under services/ (got '${SERVICE}')" >&2; exit 1; \
    fi; \
    case "${PORT}" in ''|*[!0-9]*) echo "build arg PORT must be the service's port number (got '${PORT}')" >&2; exit 1;; esac
# `--filter=X...` builds X and every workspace it depends on, in dependency order (`npm run build -w X`
# would build X alone). `prisma generate` runs offline: each prisma.config.ts points
# PRISMA_SCHEMA_ENGINE_BINARY at a local file. It never connects either, but a prisma.config.ts that
# read DATABASE_URL through Prisma's env() would throw when it is unset, so the placeholders below
# exist for this command only (--env-mode=loose lets turbo pass them on) and end up in no image.
RUN DATABASE_URL=postgresql://build:build@127.0.0.1:5432/build DATABASE_SCHEMA=build \
    node_modules/.bin/turbo run build --filter="@ticketing/${SERVICE}..." --env-mode=loose --output-logs=errors-only
# /out = the runtime tree minus node_modules: the service and its runtime workspaces (package.json +
# dist; the Prisma client is generated into src/ and compiled into dist/), plus the service's prisma/
# folder so that schema and migrations travel with the code that expects them.
RUN node /usr/local/lib/ship-workspaces.cjs /out "services/${SERVICE}" \
 && test -f "/out/services/${SERVICE}/dist/main.js" \
 && cp -a "services/${SERVICE}/prisma" "/out/services/${SERVICE}/"

# ---------------------------------------------------------------------------------------------------
FROM sources AS build-migrate
RUN DATABASE_URL=postgresql://build:build@127.0.0.1:5432/build DATABASE_SCHEMA=build \
    node_modules/.bin/turbo run build --filter="@ticketing/prisma-migrate..." --env-mode=loose --output-logs=errors-only
# The CLI with its runtime workspaces, and every service's package.json + prisma/ (schema, migrations).
RUN node /usr/local/lib/ship-workspaces.cjs /out packages/prisma-migrate \
 && test -f /out/packages/prisma-migrate/dist/cli.js \
 && for svc in services/*; do \
      mkdir -p "/out/$svc" && cp -a "$svc/package.json" "$svc/prisma" "/out/$svc/"; \
    done

# ---------------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
# node_modules first: it changes only with the dependencies, so this layer is shared by all service
# images and survives code-only rebuilds. Files stay root-owned: the app user can read, not modify them.
COPY --from=prod-deps /deps/ ./

# ---------------------------------------------------------------------------------------------------
# The migration runner: `docker run <image> deploy services/booking ...` (compose passes the arguments).
FROM runtime AS migrate
COPY --from=build-migrate /out/ ./
USER node
ENTRYPOINT ["node", "packages/prisma-migrate/dist/cli.js"]

# ---------------------------------------------------------------------------------------------------
# One service. Last stage, so it is what a build without --target produces.
FROM runtime AS service
ARG SERVICE
ARG PORT
LABEL org.opencontainers.image.title="ticketing-${SERVICE}"
ENV HOST=0.0.0.0 \
    PORT=${PORT}
COPY --from=build /out/ ./
WORKDIR /app/services/${SERVICE}
USER node
EXPOSE ${PORT}
# Liveness only (the process answers HTTP); readiness (/health/ready) depends on Postgres, Redis and
# Kafka and is what compose's own healthcheck asks. No curl in the slim image: Node's fetch does it.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.PORT + '/health/live', { signal: AbortSignal.timeout(4000) }).then((res) => process.exit(res.ok ? 0 : 1), () => process.exit(1))"]
# node directly, never `npm start`: an npm process between Docker and node adds nothing but another
# hop for SIGTERM, which must reach service-kit's graceful shutdown (compose adds `init: true`).
CMD ["node", "dist/main.js"]
