import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['examples/middleware-author/**/*.test.ts'],
    globalSetup: ['examples/middleware-author/global-setup.ts'],
    // Browsers start slowly on a busy machine; probes themselves are quick.
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
