/**
 * `pnpm cluster`: two Parley nodes sharing PostgreSQL and Redis behind a local proxy, the same
 * shape as compose.yaml, from local processes. Needs the build (`pnpm build`) and DATABASE_URL and
 * REDIS_URL in the environment. Ctrl+C stops everything.
 */
import { startLocalCluster } from './local-cluster.js';

const { DATABASE_URL, REDIS_URL } = process.env;
if (!DATABASE_URL || !REDIS_URL) {
  console.error('pnpm cluster needs DATABASE_URL (postgres://…) and REDIS_URL (redis://…).');
  process.exit(1);
}
const nodes = Number(process.env.CLUSTER_NODES ?? 2);
const port = Number(process.env.PORT ?? 8080);
const cluster = await startLocalCluster(
  nodes,
  { PORT: '0', ALLOWED_ORIGINS: `http://localhost:${port},http://127.0.0.1:${port}` },
  port,
);
console.log(`Parley cluster: ${cluster.nodes.map((node) => node.url).join(', ')}`);
console.log(
  `Open ${cluster.url.replace('127.0.0.1', 'localhost')} (proxy; fails over to the next node)`,
);
const stop = () => {
  void cluster.stop().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
