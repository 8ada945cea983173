import { defineConfig, devices } from '@playwright/test';

/**
 * Journeys: a person using the console in Chromium against the real api, worker,
 * mllp and sandbox processes (started by e2e/global-setup.ts on a fresh database).
 * Playwright never downloads a browser here: it drives Debian's chromium.
 */
export default defineConfig({
  testDir: 'e2e',
  testMatch: '**/*.journey.ts',
  globalSetup: './e2e/global-setup.ts',
  outputDir: '../../test-results/console',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 90_000,
  expect: { timeout: 15_000 },
  reporter: [['list']],
  use: {
    ...devices['Desktop Chrome'],
    viewport: { width: 1280, height: 860 },
    launchOptions: {
      executablePath: process.env.SB_CHROMIUM ?? '/usr/bin/chromium',
      // The closed network here refuses Chromium's background connections; these keep it quiet.
      args: ['--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    },
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
  },
});
