import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // The example imports 'cors-lab' as a user's project does; in this clone
  // that name means the source (an installed package has the built dist/).
  resolve: { alias: { 'cors-lab': fileURLToPath(new URL('../../harness/index.ts', import.meta.url)) } },
  test: {
    include: ['examples/middleware-author/**/*.test.ts'],
    globalSetup: ['examples/middleware-author/global-setup.ts'],
    // Browsers start slowly on a busy machine; probes themselves are quick.
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
