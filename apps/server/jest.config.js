import { tsJestEsm } from '../../jest.base.js';

export default {
  ...tsJestEsm({
    testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.e2e-spec.ts'],
    testTimeout: 20_000,
  }),
  // Engine.IO gives a long-polling transport that closes while no GET is pending 30 s to flush
  // (a timer it does not unref), so after the fuzz suite's hostile polling sessions the process
  // would idle that long after every test has finished and every app is closed.
  forceExit: true,
};
