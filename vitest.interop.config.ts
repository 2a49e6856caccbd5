import { defineConfig } from 'vitest/config';

// `npm run test:interop`: live side-by-side comparison of Spindle with the real redis-server
// (skipped when redis-server is not installed). See test/interop/side-by-side.test.ts.
export default defineConfig({
  test: {
    include: ['test/interop/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
