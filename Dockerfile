# One image for every Switchboard process. docker-compose.yml and the Helm chart
# (deploy/helm/switchboard) pick the command per process, as `npm start`
# (scripts/start.ts) does:
#   api      node dist/apps/api/src/main.js          (HTTP :3000, also serves the console)
#   worker   node dist/apps/worker/src/main.js
#   mllp     node dist/apps/mllp/src/main.js         (HL7 v2 over MLLP :2575)
#   sandbox  node dist/apps/sandbox/src/main.js      (simulated EHRs :4000, HL7 site :2576)
#   migrate  node --experimental-wasm-modules --disable-warning=ExperimentalWarning dist/scripts/db-migrate.js
#   rotate   node dist/scripts/vault-rotate.js       (`npm run vault:rotate`)
ARG NODE_IMAGE=node:20-bookworm-slim

# --- build: every dependency, compile, then drop the devDependencies -----------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
# A compiler for argon2 (console passwords): its prebuilt linux-x64 binary crashed
# node (SIGSEGV on load) on the machines this project is developed on, so it is built
# from source against the image's own Node headers.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*

# Dependencies first, for layer caching. package.json overrides isomorphic-webcrypto
# with a local folder, which `npm ci` needs to see. No other install script is
# needed: Prisma's client runs on the pg driver adapter (no downloaded engine) and the
# other native packages ship prebuilt binaries.
COPY package.json package-lock.json ./
COPY test/vendor ./test/vendor
RUN npm ci --ignore-scripts --no-audit --no-fund \
 && npm_config_nodedir=/usr/local npm rebuild argon2 --build-from-source

# Sources named one by one so that a local .env, node_modules or dist never reaches
# the image (.dockerignore keeps them out of the context as well).
COPY tsconfig.json .swcrc prisma.config.ts ./
COPY prisma ./prisma
COPY libs ./libs
COPY apps ./apps
COPY scripts ./scripts
COPY test ./test
# prisma generate + SWC (apps, libs, prisma, scripts, test → dist/), the API schema
# files, the console (GraphQL codegen + Vite → apps/console/dist).
RUN npm run build \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund

# --- runtime: compiled code, production dependencies, migrations, the console ------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# db-migrate reads prisma/migrations relative to the working directory.
COPY --from=build /app/prisma ./prisma
# The api finds the built console at apps/console/dist (apps/api/src/console/console-static.ts).
COPY --from=build /app/apps/console/dist ./apps/console/dist
# Writable places for the unprivileged user: SB_STATE_DIR (the sandbox's client
# registry) and SB_EXPORT_DIR (Bulk Data files with SB_EXPORT_STORAGE=local; shared
# by api and worker through a volume). Named volumes mounted here inherit the owner.
RUN mkdir -p /data/state /data/exports && chown node:node /data/state /data/exports
USER node
EXPOSE 3000 2575 4000 2576
CMD ["node", "dist/apps/api/src/main.js"]
