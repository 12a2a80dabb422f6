import type {
  ClientToServerEvents,
  InterServerEvents,
  ServerToClientEvents,
  SocketData,
} from '@parley/protocol';
import type { Server, Socket } from 'socket.io';

export type ChatServer = Server<
  ClientToServerEvents,
  ServerToClientEvents,
  InterServerEvents,
  SocketData
>;
export type ChatSocket = Socket<
  ClientToServerEvents,
  ServerToClientEvents,
  InterServerEvents,
  SocketData
>;
/** The optional callback a client passes as the last argument of an emit. */
export type AckCallback<T> = ((response: T) => void) | undefined;
