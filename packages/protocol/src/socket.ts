import type { Ack } from './ack.js';
import type { ClientEvent, ServerEvent } from './events.js';
import type {
  NewMessagePayload,
  RequestRefusedPayload,
  SendMessagePayload,
  SetUsernamePayload,
  UpdateUsernamePayload,
  UserJoinedPayload,
  UserLeftPayload,
  UsernameUpdatedPayload,
} from './schemas.js';

export type SendMessageAck = Ack;
export type UpdateUsernameAck = Ack<{ username: string }>;

/** Events a client emits. The ack callback is optional: tutorial-era clients never pass one. */
export interface ClientToServerEvents {
  [ClientEvent.SendMessage]: (
    payload: SendMessagePayload,
    ack?: (res: SendMessageAck) => void,
  ) => void;
  [ClientEvent.UpdateUsername]: (
    payload: UpdateUsernamePayload,
    ack?: (res: UpdateUsernameAck) => void,
  ) => void;
}

/** Events the server emits. */
export interface ServerToClientEvents {
  [ServerEvent.UserJoined]: (payload: UserJoinedPayload) => void;
  [ServerEvent.UserLeft]: (payload: UserLeftPayload) => void;
  [ServerEvent.SetUsername]: (payload: SetUsernamePayload) => void;
  [ServerEvent.NewMessage]: (payload: NewMessagePayload) => void;
  [ServerEvent.UsernameUpdated]: (payload: UsernameUpdatedPayload) => void;
  [ServerEvent.RequestRefused]: (payload: RequestRefusedPayload) => void;
}

/** Events between server nodes (none yet: a single node uses the in-memory adapter). */
export type InterServerEvents = Record<never, never>;

/** What the server keeps on each socket (`socket.data`). */
export interface SocketData {
  username: string;
  avatar: string;
}

/**
 * The ack type of a client request, e.g. `AckOf<'send_message'>`. Socket.IO's own inference loses
 * it under `socket.timeout(ms)`, so callers cast `emitWithAck`'s result to this.
 */
export type AckOf<E extends keyof ClientToServerEvents> = Parameters<
  Parameters<ClientToServerEvents[E]>[1]
>[0];
