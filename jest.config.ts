import type { Config } from 'jest';

type ProjectConfig = NonNullable<Config['projects']>[number] & object;

/** What both projects share: they differ only in which folder of tests they run. */
const common = {
  testEnvironment: 'node',
  testMatch: ['**/*.test.ts'],
  transform: {
    // 151002 warns that Node16 modules want isolatedModules; the tests compile as CommonJS, as the build does.
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: { ignoreCodes: [151002] } }],
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
