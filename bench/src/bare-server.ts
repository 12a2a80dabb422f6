/**
 * The reference for the fan-out benchmark: a bare Socket.IO server (default options but
 * `serveClient: false`) implementing the tutorial's events exactly, and nothing else: no
 * storage, no validation, no limits, no rooms. What our server costs on top of this is what the
 * benchmark's ratios show.
 *
 * Usage: PORT=0 HOST=127.0.0.1 node dist/bare-server.js (prints `Listening on http://…`, the line
 * our server prints, which the benchmark waits for).
 */
import { createServer } from 'node:http';

import { Server } from 'socket.io';

interface User {
  username: string;
  avatar: string;
}

const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? '127.0.0.1';

const httpServer = createServer();
const io = new Server(httpServer, { serveClient: false });
const users = new Map<string, User>();

const randomName = () => `User_${1000 + Math.floor(Math.random() * 9000)}`;
// The tutorial's random two-way choice of avatar style.
const avatarOf = (username: string) =>
  `https://api.dicebear.com/9.x/${Math.random() < 0.5 ? 'lorelei' : 'notionists'}/svg?seed=${username}`;

io.on('connection', (socket) => {
  const username = randomName();
  const user: User = { username, avatar: avatarOf(username) };
  users.set(socket.id, user);
  io.emit('user_joined', { username: user.username, avatar: user.avatar });
  socket.emit('set_username', { username: user.username });

  socket.on('send_message', (data: { message?: unknown } | undefined, ack?: unknown) => {
    io.emit('new_message', {
      username: user.username,
      avatar: user.avatar,
      message: data?.message,
    });
    if (typeof ack === 'function') {
      (ack as (response: { ok: true }) => void)({ ok: true });
    }
  });

  socket.on('update_username', (data: { username?: unknown } | undefined) => {
    const oldUsername = user.username;
    user.username = typeof data?.username === 'string' ? data.username : oldUsername;
    io.emit('username_updated', { old_username: oldUsername, new_username: user.username });
  });

  socket.on('disconnect', () => {
    users.delete(socket.id);
    io.emit('user_left', { username: user.username });
  });
});

// Exit at once (and cleanly, so `--cpu-prof` writes its profile): closing every socket first would
// broadcast one `user_left` per socket to all the others.
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => process.exit(0));
}

httpServer.listen(port, host, () => {
  const address = httpServer.address();
  const actual = typeof address === 'object' && address ? address.port : port;
  console.log(`Listening on http://${host}:${actual}`);
});
