import { tsJestEsm } from '../../jest.base.js';

export default tsJestEsm({
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.e2e-spec.ts'],
  testTimeout: 20_000,
});
