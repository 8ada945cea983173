// Prisma CLI configuration (used by `prisma generate` and, on machines that can
// download Prisma's engine, `prisma migrate deploy`). The application itself reads
// DATABASE_URL through libs/config only.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/switchboard' },
});
