import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Files and tests in a random order, in every project: no test may depend on another having
    // run before it. Vitest prints the seed on its banner ("Running tests with seed N"); the same
    // order again: `npx vitest run --sequence.seed=N ...`. A describe that is a story (each step
    // starts from the state the one before left) opts out with `{ shuffle: false }`. Set here,
    // at the root: vitest takes `sequence.shuffle` and the seed from the root config, not a project.
    sequence: { shuffle: { files: true, tests: true } },
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
