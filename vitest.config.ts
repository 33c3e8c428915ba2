import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/testbed/global-setup.ts'],
          // After each test, every run log it made is replayed and compared with the live run.
          setupFiles: ['test/testbed/replay-equals-live.ts'],
          // One replica and one sshd are shared: files run one after another.
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 900_000,
        },
      },
      {
        // `npm run bench` only: prints ratios against the raw ssh pipeline, asserts no timings.
        test: {
          name: 'bench',
          include: ['bench/**/*.bench.ts'],
          globalSetup: ['test/testbed/global-setup.ts'],
          fileParallelism: false,
          hookTimeout: 900_000,
        },
      },
    ],
  },
});
