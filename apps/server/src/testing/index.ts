// Helpers for tests and tools outside this package (browser tests, benchmarks, the local cluster):
// run the built server, a local cluster, and throwaway databases and Redis prefixes.
export * from './local-cluster.js';
export * from './spawn-server.js';
export * from './test-postgres.js';
export * from './test-redis.js';
