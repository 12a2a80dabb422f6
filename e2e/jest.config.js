import { tsJestEsm } from '../jest.base.js';

export default tsJestEsm({ testMatch: ['<rootDir>/src/**/*.spec.ts'], testTimeout: 60_000 });
