// Playwright Test: the project's own real-browser tests of what people look
// at, such as the HTML report. Uses the system Chromium (no browser download).
import { defineConfig } from '@playwright/test';
import { existsSync } from 'node:fs';

const executablePath = [process.env.CORS_LAB_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find(
  (path) => path !== undefined && existsSync(path),
);

export default defineConfig({
  testDir: 'tests/report',
  globalSetup: './tests/global-setup.ts',
  timeout: 120_000,
  reporter: process.env.CI ? 'list' : 'line',
  use: {
    browserName: 'chromium',
    headless: true,
    launchOptions: {
      ...(executablePath ? { executablePath } : {}),
      args: [
        '--disable-background-networking',
        '--disable-component-update',
        ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
      ],
    },
  },
});
