import { defineConfig } from 'vitest/config';

// Three layers, one runner: `vitest run --project unit|gpu|e2e`.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['tests/unit/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'gpu',
          include: ['tests/gpu/**/*.test.ts'],
          environment: 'node',
          setupFiles: ['tests/gpu/setup.ts'],
          // One process holds the Dawn instance for the whole run (see tests/gpu/setup.ts).
          pool: 'forks',
          maxWorkers: 1,
          isolate: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['tests/e2e/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['tests/e2e/global-setup.ts'],
          pool: 'forks',
          maxWorkers: 1,
          fileParallelism: false,
          // Generation on a software WebGPU adapter takes seconds per step.
          testTimeout: 600_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
