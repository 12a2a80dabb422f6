import type { Ack } from './ack.js';
import type { ClientEvent, ServerEvent } from './events.js';
import type {
  ActiveRoom,
  DeleteMessagePayload,
  EditMessagePayload,
  HistoryPayload,
  MessageDeletedPayload,
  MessageEditedPayload,
  ListRoomsPayload,
  LoadHistoryPayload,
  NewMessagePayload,
  RequestRefusedPayload,
  SendMessagePayload,
  SetUsernamePayload,
  TypingPayload,
  UserListPayload,
  PresenceChangedPayload,
  UserTypingPayload,
  UpdateUsernamePayload,
  UserJoinedPayload,
  UserLeftPayload,
  UsernameUpdatedPayload,
} from './schemas.js';

export type SendMessageAck = Ack<{ id: number; ts: number }>;
export type LoadHistoryAck = Ack<{ messages: NewMessagePayload[]; has_more: boolean }>;
export type EditMessageAck = Ack<{ id: number; edited_ts: number }>;
export type DeleteMessageAck = Ack<{ id: number }>;
export type UpdateUsernameAck = Ack<{ username: string }>;
export type ListRoomsAck = Ack<{ rooms: ActiveRoom[] }>;

/**
 * Events a client emits. Typed clients always pass the ack; on the wire it stays optional, since
 * tutorial-era clients never pass one (they hear of refusals through `request_refused`).
 */
export interface ClientToServerEvents {
  [ClientEvent.SendMessage]: (
    payload: SendMessagePayload,
    ack: (res: SendMessageAck) => void,
  ) => void;
  [ClientEvent.UpdateUsername]: (
    payload: UpdateUsernamePayload,
    ack: (res: UpdateUsernameAck) => void,
  ) => void;
  [ClientEvent.LoadHistory]: (
    payload: LoadHistoryPayload,
    ack: (res: LoadHistoryAck) => void,
  ) => void;
  /** Fire and forget (send it volatile); no ack. */
  [ClientEvent.Typing]: (payload: TypingPayload) => void;
  [ClientEvent.EditMessage]: (
    payload: EditMessagePayload,
    ack: (res: EditMessageAck) => void,
  ) => void;
  [ClientEvent.DeleteMessage]: (
    payload: DeleteMessagePayload,
    ack: (res: DeleteMessageAck) => void,
  ) => void;
  [ClientEvent.ListRooms]: (payload: ListRoomsPayload, ack: (res: ListRoomsAck) => void) => void;
}

/** Events the server emits. */
export interface ServerToClientEvents {
  [ServerEvent.UserJoined]: (payload: UserJoinedPayload) => void;
  [ServerEvent.UserLeft]: (payload: UserLeftPayload) => void;
  [ServerEvent.SetUsername]: (payload: SetUsernamePayload) => void;
  [ServerEvent.NewMessage]: (payload: NewMessagePayload) => void;
  [ServerEvent.UsernameUpdated]: (payload: UsernameUpdatedPayload) => void;
  [ServerEvent.RequestRefused]: (payload: RequestRefusedPayload) => void;
  [ServerEvent.History]: (payload: HistoryPayload) => void;
  [ServerEvent.UserList]: (payload: UserListPayload) => void;
  [ServerEvent.PresenceChanged]: (payload: PresenceChangedPayload) => void;
  [ServerEvent.UserTyping]: (payload: UserTypingPayload) => void;
  [ServerEvent.MessageEdited]: (payload: MessageEditedPayload) => void;
  [ServerEvent.MessageDeleted]: (payload: MessageDeletedPayload) => void;
}

/** Events between server nodes (none yet: a single node uses the in-memory adapter). */
export type InterServerEvents = Record<never, never>;

/** What the server keeps on each socket (`socket.data`). */
export interface SocketData {
  /** Internal id of the session (never sent to anyone); presence is per session, not per socket. */
  sessionId: string;
  username: string;
  avatar: string;
  /** Session token to hand back in `set_username` (only set while connecting). */
  sessionToken?: string;
  /**
   * Last message id the client saw, from the handshake (`auth.server_offset`, or a numeric
   * `auth.offset`), for the resume on connect.
   */
  resumeAfter?: number;
  /** The client's address (for per-address limits). */
  address?: string;
  /** The room this socket is in (normalised). */
  room: string;
  /** The client announced `presence_batch`: in big rooms it gets `presence_changed`. */
  presenceBatch?: boolean;
}

/**
 * The ack type of a client request, e.g. `AckOf<'send_message'>`. Socket.IO's own inference loses
 * it under `socket.timeout(ms)`, so callers cast `emitWithAck`'s result to this.
 */
export type AckOf<E extends keyof ClientToServerEvents> = ClientToServerEvents[E] extends (
  payload: never,
  ack: (res: infer R) => void,
) => void
  ? R
  : never;
