# Studio Ops Bot — the production image (see README, "Run it in a container").
# Build stage: compile TypeScript and build better-sqlite3's native module, then keep only the
# production dependencies. Runtime stage: the compiled bot, non-root, the database on a volume.
# CI runs these stages' commands without Docker too: scripts/docker-stages.mjs reads this file.

FROM node:20-bookworm-slim AS build
WORKDIR /app
# node-gyp's tools, for better-sqlite3 when no prebuilt binary matches.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
COPY handlers ./handlers
RUN npm run build && npm prune --omit=dev --no-audit --no-fund && mkdir -p data

FROM node:20-bookworm-slim
ENV NODE_ENV=production PORT=3000 DATABASE_PATH=/data/studio-ops.db
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json manifest.yml ./
COPY bin ./bin
COPY knowledge ./knowledge
# The database directory, owned by the user the bot runs as (a volume mounted here keeps it).
COPY --from=build --chown=node:node /app/data /data
USER node
VOLUME /data
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then((r)=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "--max-old-space-size=192", "dist/main.js"]
