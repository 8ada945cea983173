import type { DynamicModule } from '@nestjs/common';
import { ServeStaticModule } from '@nestjs/serve-static';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ServerResponse } from 'node:http';

/** The built console (`npm run build` → apps/console/dist), found from this file whether it runs from src or dist. */
export function consoleDistDir(from = __dirname): string | null {
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir)) {
    const candidate = join(dir, 'apps', 'console', 'dist');
    if (existsSync(join(candidate, 'index.html'))) return candidate;
  }
  return null;
}

/**
 * Serves the console at /console with an SPA fallback (any /console/… path gets
 * index.html). Hashed assets are cached for a year; index.html is revalidated so a
 * new build is picked up at once.
 */
export function consoleStaticModules(): DynamicModule[] {
  const rootPath = consoleDistDir();
  if (!rootPath) return [];
  return [
    ServeStaticModule.forRoot({
      rootPath,
      serveRoot: '/console',
      serveStaticOptions: {
        index: 'index.html',
        // `GET /console` answers the app itself (200), not a redirect to `/console/`.
        redirect: false,
        setHeaders: (res: ServerResponse, path: string) => {
          res.setHeader('Cache-Control', path.includes(`${join('dist', 'assets')}`) ? 'public, max-age=31536000, immutable' : 'no-cache');
          res.setHeader('X-Content-Type-Options', 'nosniff');
          res.setHeader('Referrer-Policy', 'no-referrer');
        },
      },
    }),
  ];
}
