// Shared jest setup for every TypeScript workspace: ts-jest in ESM mode (NestJS 12 is ESM-only),
// with `.js` stripped from relative imports so NodeNext-style sources resolve to their `.ts` files.
/** @param {{ testMatch: string[], tsconfig?: string, testTimeout?: number }} options */
export function tsJestEsm({ testMatch, tsconfig = 'tsconfig.json', testTimeout = 10_000 }) {
  return {
    testEnvironment: 'node',
    testMatch,
    testTimeout,
    extensionsToTreatAsEsm: ['.ts'],
    moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
    transform: {
      '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig, diagnostics: { ignoreCodes: [151002] } }],
    },
  };
}
