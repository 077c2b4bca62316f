import type { Config } from 'jest';

type ProjectConfig = NonNullable<Config['projects']>[number] & object;

/** What both projects share: they differ only in which folder of tests they run. */
const common = {
  testEnvironment: 'node',
  testMatch: ['**/*.test.ts'],
  transform: {
    // Each file transpiled alone, as CommonJS like the build: type-checking every test file's imports took over half of
    // a cold unit run; `npm run typecheck` checks the types.
    '^.+\\.ts$': ['ts-jest', { tsconfig: { isolatedModules: true } }],
  },
} satisfies ProjectConfig;

const config: Config = {
  projects: [
    // No store engine, network server, child process or SDK exporter: `npm test -- --selectProjects unit`.
    { ...common, displayName: 'unit', roots: ['<rootDir>/test/unit'] },
    // Stores, the receiver, the CLI, the exporters end to end and the examples.
    { ...common, displayName: 'integration', roots: ['<rootDir>/test/integration'] },
  ],
  // At the top level, not in the projects: jest-circus takes the timeout from the global config.
  testTimeout: 60_000,
};

export default config;
