# One image for every process; APP selects which one runs (see docker-compose.yml).

# manifests: the workspace with only its package.json files. The next stage copies this
# result, whose content changes only when a manifest does, so `npm ci` stays cached.
FROM node:20-bookworm-slim AS manifests
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/ packages/
COPY apps/ apps/
RUN find packages apps -mindepth 2 -not -name package.json -not -type d -delete

# deps: install exactly the lockfile.
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY --from=manifests /app/ ./
RUN npm ci --no-audit --no-fund

# build: type-check and compile every workspace.
FROM deps AS build
COPY tsconfig.base.json tsconfig.build.json ./
COPY packages/ packages/
COPY apps/ apps/
RUN npx tsc -b tsconfig.build.json \
 && npm prune --omit=dev --no-audit --no-fund

# runtime: production dependencies and compiled output only, as the unprivileged node user.
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production APP=ingress
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json ./
COPY --from=build --chown=node:node /app/node_modules/ node_modules/
COPY --from=build --chown=node:node /app/packages/ packages/
COPY --from=build --chown=node:node /app/apps/ apps/
USER node
# The apps handle SIGTERM themselves (stop taking work, finish in-flight jobs, close).
STOPSIGNAL SIGTERM
# An app's Node flags are the `nodeOptions` of its package.json (scripts/node-options.mjs reads them for npm start).
CMD ["sh", "-c", "exec node $(node -p \"require('./apps/$APP/package.json').nodeOptions || ''\") apps/$APP/dist/main.js"]
