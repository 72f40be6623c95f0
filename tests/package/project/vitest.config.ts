// The README's vitest.config.ts for the shared-lab pattern: one lab with warm
// browsers for the whole run (global-setup.ts), which the test files connect to.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    globalSetup: ['./global-setup.ts'],
    // A browser launch can take a while on a busy machine; a probe is quick.
    hookTimeout: 120_000,
    testTimeout: 60_000,
  },
});
