# One image for every Switchboard process (api, worker, mllp, sandbox, migrate);
# docker-compose.yml picks the entry point per service.
FROM node:20-slim

WORKDIR /app

# Dependencies first, for layer caching. Install scripts are not needed (Prisma's
# client runs on the pg driver adapter, no downloaded engine). devDependencies stay:
# the build needs them, and migrations run on @prisma/schema-engine-wasm.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund

# Sources named one by one so that a local .env, node_modules or dist never
# reaches the image.
COPY tsconfig.json .swcrc prisma.config.ts ./
COPY prisma ./prisma
COPY libs ./libs
COPY apps ./apps
COPY scripts ./scripts
COPY test ./test
RUN npm run build

ENV NODE_ENV=production
USER node
EXPOSE 3000 2575 4000
CMD ["node", "dist/apps/api/src/main.js"]
