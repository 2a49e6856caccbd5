import { defineConfig } from 'vitest/config';

// `npm test`: unit tests and integration tests against Spindle over real sockets.
// Side-by-side checks against a live redis-server run from recorded golden files here, and
// live in `npm run test:interop` (vitest.interop.config.ts) where Debian's redis packages exist.
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
