import { connect, createServer, type Server, type Socket } from 'node:net';

import { type RunningServer, startServer } from './spawn-server.js';

export interface LocalCluster {
  /** The proxy's URL: what clients (and people) open. */
  url: string;
  nodes: RunningServer[];
  /** Where the proxy sends new connections now. */
  activeNode: () => number;
  stop: () => Promise<void>;
}

/**
 * The deployment of `compose.yaml` from local processes, for tests and for trying a cluster
 * without Docker: `nodes` servers sharing `env` (DATABASE_URL, REDIS_URL, …) behind a TCP proxy.
 * The proxy sends every new connection to the first node that is up (fail-over, which also keeps
 * long-polling sticky); when that node dies, clients reconnect through it to the next one.
 */
export async function startLocalCluster(
  nodes: number,
  env: NodeJS.ProcessEnv,
  proxyPort = 0,
): Promise<LocalCluster> {
  const servers: RunningServer[] = [];
  const down = new Set<number>();
  for (let i = 0; i < nodes; i++) {
    const server = await startServer(env);
    const index = i;
    void server.exited.then(() => down.add(index));
    servers.push(server);
  }
  const activeNode = () => servers.findIndex((_, i) => !down.has(i));
  const sockets = new Set<Socket>();
  const proxy: Server = createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    const target = servers[activeNode()];
    if (!target) {
      client.destroy();
      return;
    }
    const { hostname, port } = new URL(target.url);
    const upstream = connect(Number(port), hostname === 'localhost' ? '127.0.0.1' : hostname);
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    client.pipe(upstream).pipe(client);
    const drop = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop);
    upstream.on('error', drop);
    upstream.on('close', drop);
    client.on('close', drop);
  });
  await new Promise<void>((resolve) => proxy.listen(proxyPort, '127.0.0.1', resolve));
  const address = proxy.address();
  const port = typeof address === 'object' && address ? address.port : proxyPort;
  return {
    url: `http://127.0.0.1:${port}`,
    nodes: servers,
    activeNode,
    stop: async () => {
      for (const socket of sockets) {
        socket.destroy();
      }
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
      await Promise.all(servers.map((server) => server.stop()));
    },
  };
}
