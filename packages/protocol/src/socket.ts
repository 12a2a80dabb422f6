import type { Ack } from './ack.js';
import type { ClientEvent, ServerEvent } from './events.js';
import type {
  AuditEntry,
  Ban,
  ClaimOwnershipPayload,
  MemberModeratedPayload,
  ModeratePayload,
  PageBackPayload,
  Report,
  ReportMessagePayload,
  ReportResolvedPayload,
  ResolveReportPayload,
  RoomInvitePayload,
  RoomSettings,
  RoomUpdatedPayload,
  SetRolePayload,
  UpdateRoomPayload,
} from './moderation.js';
import type { MemberAction, RoomRole } from './roles.js';
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
export type ModerateAck = Ack<{
  action: MemberAction;
  user_id: string;
  until?: number;
  /** `ban`: the address they connected from is banned too (known while they are or were here). */
  by_address?: boolean;
  /** `clean_up`: the ids of the messages removed. */
  ids?: number[];
}>;
export type SetRoleAck = Ack<{ user_id: string; role: RoomRole | null }>;
export type UpdateRoomAck = Ack<{ room: RoomSettings }>;
/** The invite secret: put it in the link's fragment (`/r/<room>#invite=<invite>`). */
export type RoomInviteAck = Ack<{ invite: string }>;
/** Shown once: only its hash is kept. */
export type RecoveryCodeAck = Ack<{ code: string }>;
export type ClaimOwnershipAck = Ack<{ role: RoomRole }>;
export type ReportMessageAck = Ack<{ report_id: number }>;
export type ListReportsAck = Ack<{ reports: Report[]; has_more: boolean }>;
export type ResolveReportAck = Ack<{ report_id: number }>;
export type ListAuditAck = Ack<{ entries: AuditEntry[]; has_more: boolean }>;
export type ListBansAck = Ack<{ bans: Ban[] }>;

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
  [ClientEvent.Moderate]: (payload: ModeratePayload, ack: (res: ModerateAck) => void) => void;
  [ClientEvent.SetRole]: (payload: SetRolePayload, ack: (res: SetRoleAck) => void) => void;
  [ClientEvent.UpdateRoom]: (payload: UpdateRoomPayload, ack: (res: UpdateRoomAck) => void) => void;
  [ClientEvent.RoomInvite]: (payload: RoomInvitePayload, ack: (res: RoomInviteAck) => void) => void;
  [ClientEvent.RecoveryCode]: (
    payload: Record<string, never>,
    ack: (res: RecoveryCodeAck) => void,
  ) => void;
  [ClientEvent.ClaimOwnership]: (
    payload: ClaimOwnershipPayload,
    ack: (res: ClaimOwnershipAck) => void,
  ) => void;
  [ClientEvent.ReportMessage]: (
    payload: ReportMessagePayload,
    ack: (res: ReportMessageAck) => void,
  ) => void;
  [ClientEvent.ListReports]: (payload: PageBackPayload, ack: (res: ListReportsAck) => void) => void;
  [ClientEvent.ResolveReport]: (
    payload: ResolveReportPayload,
    ack: (res: ResolveReportAck) => void,
  ) => void;
  [ClientEvent.ListAudit]: (payload: PageBackPayload, ack: (res: ListAuditAck) => void) => void;
  [ClientEvent.ListBans]: (payload: Record<string, never>, ack: (res: ListBansAck) => void) => void;
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
  [ServerEvent.MemberModerated]: (payload: MemberModeratedPayload) => void;
  [ServerEvent.RoomUpdated]: (payload: RoomUpdatedPayload) => void;
  [ServerEvent.MessageReported]: (payload: Report) => void;
  [ServerEvent.ReportResolved]: (payload: ReportResolvedPayload) => void;
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
  /**
   * The client's address as limits and bans know it: a keyed hash of the IPv4 address or IPv6
   * /64 (set at admission; the address itself is kept nowhere).
   */
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
