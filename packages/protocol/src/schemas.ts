import { z } from 'zod';

import {
  CLIENT_ID_MAX_LENGTH,
  HISTORY_PAGE_MAX,
  INVITE_MAX_LENGTH,
  MESSAGE_MAX_LENGTH,
  ROOM_LIST_MAX,
  SESSION_TOKEN_MAX_LENGTH,
} from './limits.js';
import { ClientFeature } from './events.js';
import { checkUsernameStrictly } from './names.js';
import { checkMessage, normalizeMessage, normalizeUsername } from './text.js';
import { DEFAULT_ERROR_MESSAGES, type ErrorCode } from './errors.js';

/** Attaches one of our error codes to a zod issue, so a failed parse maps to a whitelisted code. */
function refuse(ctx: z.RefinementCtx, code: ErrorCode, message: string): void {
  ctx.addIssue({ code: 'custom', message, params: { code } });
}

// ---------------------------------------------------------------------------------------------
// Building blocks
// ---------------------------------------------------------------------------------------------

/**
 * Message text as a client sends it, up to `maxLength` characters (a server may configure its
 * own limit); the output is the normalised text the room will see.
 */
export function messageText(maxLength = MESSAGE_MAX_LENGTH) {
  return z
    .string()
    .transform(normalizeMessage)
    .superRefine((text, ctx) => {
      const problem = checkMessage(text, maxLength);
      if (problem === 'message_too_long') {
        refuse(ctx, problem, `A message can be at most ${maxLength} characters long.`);
      } else if (problem) {
        refuse(ctx, problem, DEFAULT_ERROR_MESSAGES[problem]);
      }
    });
}

/** Message text under the default limit. */
export const messageTextSchema = messageText();

/** A display name as a client proposes it; the output is the normalised name. */
export const usernameSchema = z
  .string()
  .transform(normalizeUsername)
  .superRefine((name, ctx) => {
    const problem = checkUsernameStrictly(name);
    if (problem) {
      refuse(ctx, problem.error, problem.message);
    }
  });

/** Avatar URL as the server hands it out (same-origin path or absolute URL). */
export const avatarSchema = z.string().min(1);

// ---------------------------------------------------------------------------------------------
// Client → server payloads
// ---------------------------------------------------------------------------------------------

/** A client's own id for one message, so a retried send is recognised and never doubled. */
export const clientIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]+$/, 'client_id may hold letters, digits, - and _ only')
  .min(1)
  .max(CLIENT_ID_MAX_LENGTH);

/**
 * Server ids of messages: positive integers that count each room's messages in the order the room
 * sees them (every room starts at 1, so an id says nothing of other rooms).
 */
export const messageIdSchema = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

/** `send_message` with a message limit of `maxLength` characters. */
export function sendMessagePayload(maxLength = MESSAGE_MAX_LENGTH) {
  return z.object({ message: messageText(maxLength), client_id: clientIdSchema.optional() });
}

export const sendMessagePayloadSchema = sendMessagePayload();
export const typingPayloadSchema = z.object({ is_typing: z.boolean() });

/** `edit_message` with a message limit of `maxLength` characters. */
export function editMessagePayload(maxLength = MESSAGE_MAX_LENGTH) {
  return z.object({ id: messageIdSchema, message: messageText(maxLength) });
}
export const editMessagePayloadSchema = editMessagePayload();
export const deleteMessagePayloadSchema = z.object({ id: messageIdSchema });
export const loadHistoryPayloadSchema = z.object({
  before: messageIdSchema,
  limit: z.number().int().min(1).max(HISTORY_PAGE_MAX).optional(),
});

/** `list_rooms`: at most `limit` rooms (default and most: `ROOM_LIST_MAX`). */
export const listRoomsPayloadSchema = z.object({
  limit: z.number().int().min(1).max(ROOM_LIST_MAX).optional(),
});

const offsetSchema = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/**
 * What a client may put in the Socket.IO handshake (`auth`). Parsed leniently: anything wrong is
 * dropped (a bad token just gets a fresh identity, a bad offset a normal history), never refused.
 *
 * The last message id seen goes in `server_offset`. Socket.IO's connection state recovery puts
 * its own string `offset` in the same object (and overwrites ours), so a numeric `offset` is
 * honoured too, for clients that do not use recovery.
 */
export const handshakeAuthSchema = z
  .object({
    session: z.string().min(1).max(SESSION_TOKEN_MAX_LENGTH).optional().catch(undefined),
    /** The room to join (checked by the server: a bad name is refused, not replaced). */
    room: z.string().max(200).optional().catch(undefined),
    server_offset: z.coerce.number().pipe(offsetSchema).optional().catch(undefined),
    offset: offsetSchema.optional().catch(undefined),
    /** Optional abilities (`ClientFeature`); unknown ones are ignored. */
    features: z.array(z.string().max(64)).max(32).optional().catch(undefined),
    /** The invite of a locked room (from the invite link). */
    invite: z.string().min(1).max(INVITE_MAX_LENGTH).optional().catch(undefined),
  })
  .catch({})
  .transform(({ session, room, server_offset, offset, features, invite }) => ({
    session,
    room,
    invite,
    offset: server_offset ?? offset,
    presenceBatch: features?.includes(ClientFeature.PresenceBatch) ?? false,
  }));

export const updateUsernamePayloadSchema = z.object({ username: usernameSchema });

/** What a client may send (before normalising). */
export type SendMessagePayload = z.input<typeof sendMessagePayloadSchema>;
export type UpdateUsernamePayload = z.input<typeof updateUsernamePayloadSchema>;
export type LoadHistoryPayload = z.input<typeof loadHistoryPayloadSchema>;
export type TypingPayload = z.input<typeof typingPayloadSchema>;
export type EditMessagePayload = z.input<typeof editMessagePayloadSchema>;
export type DeleteMessagePayload = z.input<typeof deleteMessagePayloadSchema>;
export type ListRoomsPayload = z.input<typeof listRoomsPayloadSchema>;
export type HandshakeAuth = z.output<typeof handshakeAuthSchema>;

// ---------------------------------------------------------------------------------------------
// Server → client payloads
// ---------------------------------------------------------------------------------------------

/** Public id of a session in one room (see `new_message.user_id`). */
const userIdSchema = z.string();
/** `owner` or `moderator` (see `RoomRole`); absent for everyone else. */
export const roomRoleSchema = z.enum(['owner', 'moderator']);
const roleSchema = roomRoleSchema;

export const userJoinedPayloadSchema = z.object({
  username: z.string(),
  avatar: avatarSchema,
  user_id: userIdSchema.optional(),
  role: roleSchema.optional(),
});
export const userLeftPayloadSchema = z.object({
  username: z.string(),
  user_id: userIdSchema.optional(),
});
/** One person online. */
export const onlineUserSchema = z.object({
  username: z.string(),
  avatar: avatarSchema,
  user_id: userIdSchema,
  role: roleSchema.optional(),
});
export const userListPayloadSchema = z.object({
  /** Sorted by name; in a big room only the first `USER_LIST_LIMIT` (the newcomer among them). */
  users: z.array(onlineUserSchema),
  /** How many people are online in the room (more than `users.length` when truncated). */
  count: z.number().int().nonnegative().optional(),
  /** `users` is the first part of a longer list. */
  truncated: z.boolean().optional(),
});
export const presenceChangedPayloadSchema = z.object({
  /** People who came online during the window (and are still online). */
  joined: z.array(onlineUserSchema),
  /** People who went offline during the window (and are still offline). */
  left: z.array(z.object({ username: z.string(), user_id: userIdSchema })),
  /** How many people are online in the room now. */
  count: z.number().int().nonnegative(),
});
export const userTypingPayloadSchema = z.object({
  username: z.string(),
  user_id: userIdSchema,
  is_typing: z.boolean(),
});
export const setUsernamePayloadSchema = z.object({
  username: z.string(),
  avatar: avatarSchema,
  /** Opaque token: keep it (e.g. localStorage) and send it back as `auth.session`. Secret. */
  session: z.string().optional(),
  /**
   * Your public id in this room: `new_message.user_id` equals it on your own messages, from any
   * tab. Another room knows you by another one.
   */
  user_id: z.string().optional(),
  /** The room this connection is in (normalised: lowercase). */
  room: z.string().optional(),
  /** This server's limits, where they differ from the protocol's defaults. */
  limits: z.object({ message_max_length: z.number().int().positive() }).optional(),
  /** Your role in this room, if any. */
  role: roleSchema.optional(),
});
export const newMessagePayloadSchema = z.object({
  username: z.string(),
  avatar: avatarSchema,
  message: z.string(),
  /** Server id: the room's messages are numbered 1, 2, … in the order the room sees them. */
  id: messageIdSchema,
  /** Server time the message was stored, in milliseconds since the epoch. */
  ts: z.number().int(),
  /** The sender's own id for it, when it gave one (lets its tabs match pending sends). */
  client_id: z.string().optional(),
  /**
   * Public id of the author's session in this room: the same for all its messages here whatever
   * name it had, so clients can tell people (and their own messages) apart. Different in every
   * room, so rooms cannot match people by it. Not a secret; reveals nothing.
   */
  user_id: z.string().optional(),
  /** User ids of the people the message mentions (`@name` of someone online in the room). */
  mentions: z.array(z.string()).optional(),
  /** Set once the author changed the message (ms since the epoch). */
  edited_ts: z.number().int().optional(),
  /** The author removed the message: `message` is empty, the tombstone keeps its place. */
  deleted: z.boolean().optional(),
  /** With `deleted`: an owner or moderator removed it, not its author. */
  removed: z.boolean().optional(),
});
export const messageEditedPayloadSchema = z.object({
  id: messageIdSchema,
  message: z.string(),
  edited_ts: z.number().int(),
  /** Who the edited text mentions (as in `new_message`); absent when nobody. */
  mentions: z.array(z.string()).optional(),
});
export const messageDeletedPayloadSchema = z.object({
  id: messageIdSchema,
  /** An owner or moderator removed it, not its author. */
  removed: z.boolean().optional(),
});
export const historyPayloadSchema = z.object({
  /** Oldest first, each shaped like `new_message`. */
  messages: z.array(newMessagePayloadSchema),
  /** Older messages exist before the first one (page back with `load_history`). */
  has_more: z.boolean(),
  /** The client asked to resume from an offset but missed more than could be replayed. */
  truncated: z.boolean().optional(),
  /**
   * More of this replay follows in the next `history` (a resume goes out a page at a time, each
   * once the previous one has reached the client); absent on the last or only one.
   */
  more_follows: z.boolean().optional(),
});
export const usernameUpdatedPayloadSchema = z.object({
  old_username: z.string(),
  new_username: z.string(),
  /** Added field: lets clients keep the renamed user's avatar without a lookup. */
  avatar: avatarSchema.optional(),
  user_id: userIdSchema.optional(),
});
/** One room of a `list_rooms` answer. */
export const activeRoomSchema = z.object({
  /** The room's (normalised) name. */
  room: z.string(),
  /** People online in it now, across the cluster (one per person, however many tabs). */
  count: z.number().int().positive(),
});
export const listRoomsAckSchema = z.object({
  ok: z.literal(true),
  /** Most people first (then by name), at most the `limit` asked for; never the asker's room. */
  rooms: z.array(activeRoomSchema),
});

export const requestRefusedPayloadSchema = z.object({
  /** The client event that was refused, e.g. `send_message`. */
  event: z.string(),
  error: z.string(),
  message: z.string(),
  /** With `rate_limited`: milliseconds to wait before trying again. */
  retry_after: z.number().optional(),
  /** With `muted` or `banned`: until when (ms since the epoch). */
  until: z.number().optional(),
  /** With `banned` or `kicked`: the reason the moderator gave. */
  reason: z.string().optional(),
});

export type UserJoinedPayload = z.output<typeof userJoinedPayloadSchema>;
export type UserLeftPayload = z.output<typeof userLeftPayloadSchema>;
export type SetUsernamePayload = z.output<typeof setUsernamePayloadSchema>;
export type NewMessagePayload = z.output<typeof newMessagePayloadSchema>;
export type HistoryPayload = z.output<typeof historyPayloadSchema>;
export type MessageEditedPayload = z.output<typeof messageEditedPayloadSchema>;
export type MessageDeletedPayload = z.output<typeof messageDeletedPayloadSchema>;
export type OnlineUser = z.output<typeof onlineUserSchema>;
export type UserListPayload = z.output<typeof userListPayloadSchema>;
export type PresenceChangedPayload = z.output<typeof presenceChangedPayloadSchema>;
export type UserTypingPayload = z.output<typeof userTypingPayloadSchema>;
export type UsernameUpdatedPayload = z.output<typeof usernameUpdatedPayloadSchema>;
export type ActiveRoom = z.output<typeof activeRoomSchema>;
export type RequestRefusedPayload = z.output<typeof requestRefusedPayloadSchema> & {
  error: ErrorCode;
};
