// vitest.config.ts: one lab with warm browsers for the whole run, started in
// global-setup.ts, which every test file connects to.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    globalSetup: ['./global-setup.ts'],
    // A browser launch can take a while on a busy machine; a probe is quick.
    hookTimeout: 120_000,
    testTimeout: 60_000,
  },
});
