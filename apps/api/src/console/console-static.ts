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
/**
 * The console's Content-Security-Policy: its own scripts only (no inline or eval), styles from
 * itself (Mantine sets inline style attributes), data: images and fonts, API calls to its own
 * origin, no plugins, no framing, no <base> or foreign form targets.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers of every console response (the HTML and its assets). */
export function setConsoleHeaders(res: Pick<ServerResponse, 'setHeader'>, cacheControl: string): void {
  res.setHeader('Cache-Control', cacheControl);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Content-Security-Policy', CONSOLE_CSP);
}

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
        setHeaders: (res: ServerResponse, path: string) => setConsoleHeaders(res, path.includes(`${join('dist', 'assets')}`) ? 'public, max-age=31536000, immutable' : 'no-cache'),
      },
    }),
  ];
}
