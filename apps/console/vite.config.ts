import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));
const api = process.env.SB_CONSOLE_API ?? 'http://127.0.0.1:3000';

/**
 * The console: static files the api serves at /console (SPA fallback there).
 * JSX goes through Vite 8's built-in oxc transform (no @vitejs/plugin-react, so no Fast Refresh).
 */
export default defineConfig({
  root,
  base: '/console/',
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    // The entry (React, Mantine, router, query) is ~160 KB gzipped; the 250 KB budget is checked in the bench.
    chunkSizeWarningLimit: 700,
    rolldownOptions: {
      onwarn(warning, warn) {
        // Mantine marks its modules "use client" (for React Server Components); meaningless in an SPA bundle.
        if (warning.code === 'MODULE_LEVEL_DIRECTIVE') return;
        warn(warning);
      },
    },
  },
  server: {
    proxy: {
      '/v1': api,
      '/graphql': api,
      '/.well-known': api,
      '/fhir': api,
    },
  },
  test: {
    root,
    environment: 'jsdom',
    include: ['src/**/*.test.tsx'],
    setupFiles: ['src/test/setup.ts'],
    css: false,
    restoreMocks: true,
    unstubGlobals: true,
    // A shared 2-core machine: user-event typing through Mantine inputs is slow there.
    testTimeout: 15_000,
  },
});
