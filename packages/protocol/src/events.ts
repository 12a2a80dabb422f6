/**
 * Event names on the wire. The first six are the tutorial's contract and never change;
 * every new event follows the same snake_case style.
 */
export const ClientEvent = {
  /** `{ message }` → everyone gets `new_message`. */
  SendMessage: 'send_message',
  /** `{ username }` → everyone gets `username_updated`. */
  UpdateUsername: 'update_username',
  /** `{ before, limit? }` → ack with the messages just older than `before` (paging back). */
  LoadHistory: 'load_history',
  /** `{ is_typing }`, volatile: the others get `user_typing`. */
  Typing: 'typing',
  /** `{ id, message }`: change one of your own messages; everyone gets `message_edited`. */
  EditMessage: 'edit_message',
  /** `{ id }`: remove one of your own messages; everyone gets `message_deleted`. */
  DeleteMessage: 'delete_message',
  /**
   * `{ limit? }` → ack with the rooms people are in now (the whole cluster's), most people first,
   * the asker's own room left out. Nothing is broadcast. A server may switch the directory off;
   * it then answers an empty list.
   */
  ListRooms: 'list_rooms',
  /**
   * `{ action, user_id, … }` (owners and moderators): mute, unmute, kick, ban, unban or clean up
   * one person; the room gets `member_moderated`. See `moderatePayloadSchema`.
   */
  Moderate: 'moderate',
  /** `{ user_id, role }` (the owner): make or unmake a moderator, or hand over the room. */
  SetRole: 'set_role',
  /** `{ topic?, slow_mode_s?, locked? }` (owners and moderators); the room gets `room_updated`. */
  UpdateRoom: 'update_room',
  /** `{ rotate? }` (owners and moderators) → ack with the invite of the locked room. */
  RoomInvite: 'room_invite',
  /** `{}` (the owner) → ack with a new recovery code, shown once; it replaces the last one. */
  RecoveryCode: 'recovery_code',
  /** `{ code }`: a recovery code makes this session the room's owner. */
  ClaimOwnership: 'claim_ownership',
  /** `{ id, reason? }`: anyone reports a message; moderators present get `message_reported`. */
  ReportMessage: 'report_message',
  /** `{ before? }` (owners and moderators) → ack with the open reports, newest first. */
  ListReports: 'list_reports',
  /** `{ report_id }` (owners and moderators): the report was dealt with; moderators get `report_resolved`. */
  ResolveReport: 'resolve_report',
  /** `{ before? }` (owners and moderators) → ack with the audit log, newest first. */
  ListAudit: 'list_audit',
  /** `{}` (owners and moderators) → ack with the bans in force. */
  ListBans: 'list_bans',
} as const;
export type ClientEventName = (typeof ClientEvent)[keyof typeof ClientEvent];

export const ServerEvent = {
  /** Broadcast to everyone, the newcomer included, when someone comes online. */
  UserJoined: 'user_joined',
  /** Broadcast to everyone when someone goes offline. */
  UserLeft: 'user_left',
  /** Sent to the newcomer alone: the name (and avatar) the server gave it. */
  SetUsername: 'set_username',
  /** Broadcast to everyone, the sender included. */
  NewMessage: 'new_message',
  /** Broadcast to everyone after a rename. */
  UsernameUpdated: 'username_updated',
  /**
   * Sent to a client alone right after `set_username`: the newest messages, or exactly those it
   * missed since the message id its handshake carried (`auth.server_offset`, or a numeric
   * `auth.offset`).
   */
  History: 'history',
  /**
   * Sent to a client alone on connect: who is online now (the first `USER_LIST_LIMIT` by name in a
   * bigger room, with `count` the whole number and `truncated` set).
   */
  UserList: 'user_list',
  /**
   * To clients that announced the `presence_batch` feature, in rooms of at least the server's
   * batching threshold: the net joins and leaves of the last window (at most one event per
   * window, e.g. 500 ms), instead of one `user_joined` / `user_left` each.
   */
  PresenceChanged: 'presence_changed',
  /** To everyone but the typist's own tabs: someone started or stopped typing. */
  UserTyping: 'user_typing',
  /** To the room: a message was changed by its author. */
  MessageEdited: 'message_edited',
  /** To the room: a message was removed by its author (history keeps a tombstone). */
  MessageDeleted: 'message_deleted',
  /**
   * Sent to one client alone when a request it made without an ack callback was refused,
   * so tutorial-era clients (which never pass acks) still learn why.
   */
  RequestRefused: 'request_refused',
  /** To the room: an owner, a moderator or the operator acted on someone (see `MemberAction`). */
  MemberModerated: 'member_moderated',
  /** To a newcomer after `set_username`, and to the room on every change: topic, slow mode, lock. */
  RoomUpdated: 'room_updated',
  /** To the owner and moderators present: someone reported a message. */
  MessageReported: 'message_reported',
  /** To the owner and moderators present: a report was dealt with. */
  ReportResolved: 'report_resolved',
} as const;
export type ServerEventName = (typeof ServerEvent)[keyof typeof ServerEvent];

/**
 * Optional abilities a client announces in `auth.features`. Servers never require them: a client
 * that announces nothing (a tutorial-era one) gets the tutorial's events.
 */
export const ClientFeature = {
  /** Understands `presence_changed`: in big rooms, presence arrives in batches. */
  PresenceBatch: 'presence_batch',
} as const;
export type ClientFeatureName = (typeof ClientFeature)[keyof typeof ClientFeature];
