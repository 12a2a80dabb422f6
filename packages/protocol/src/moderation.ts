import { z } from 'zod';

import {
  AUDIT_PAGE_SIZE,
  CLEAN_UP_MAX,
  INVITE_MAX_LENGTH,
  MODERATION_DURATION_MAX_S,
  MODERATION_REASON_MAX_LENGTH,
  REPORTS_PAGE_SIZE,
  SLOW_MODE_MAX_S,
  TOPIC_MAX_LENGTH,
} from './limits.js';
import { MemberAction } from './roles.js';
import { messageIdSchema, roomRoleSchema } from './schemas.js';
import { characterCount, normalizeMessage } from './text.js';

/**
 * Rooms a community can run: roles, what owners and moderators may do to people and to the room,
 * reports and the audit log. Nobody may act on someone of an equal or higher role.
 */

/** Free text a moderator adds (a reason, a topic): one line, normalised, at most `max`. */
function shortText(max: number) {
  return z
    .string()
    .transform((raw) =>
      normalizeMessage(raw)
        .replace(/\s*\n\s*/gu, ' ')
        .trim(),
    )
    .refine((text) => characterCount(text) <= max, {
      message: `At most ${max} characters.`,
    });
}

export const moderationReasonSchema = shortText(MODERATION_REASON_MAX_LENGTH);
export const topicSchema = shortText(TOPIC_MAX_LENGTH);

const targetUserIdSchema = z.string().min(1).max(64);
const durationSchema = z.number().int().min(1).max(MODERATION_DURATION_MAX_S);
const reason = moderationReasonSchema.optional();

/**
 * `moderate`: one action on one person of the room (present or not), by its owner or a moderator
 * who ranks above them. `duration_s` for a mute (default 10 minutes) or a ban (absent: for good).
 */
export const moderatePayloadSchema = z.discriminatedUnion('action', [
  z.strictObject({
    action: z.literal(MemberAction.Mute),
    user_id: targetUserIdSchema,
    duration_s: durationSchema.optional(),
    reason,
  }),
  z.strictObject({ action: z.literal(MemberAction.Unmute), user_id: targetUserIdSchema }),
  z.strictObject({ action: z.literal(MemberAction.Kick), user_id: targetUserIdSchema, reason }),
  z.strictObject({
    action: z.literal(MemberAction.Ban),
    user_id: targetUserIdSchema,
    duration_s: durationSchema.optional(),
    reason,
  }),
  z.strictObject({ action: z.literal(MemberAction.Unban), user_id: targetUserIdSchema }),
  z.strictObject({
    action: z.literal(MemberAction.CleanUp),
    user_id: targetUserIdSchema,
    count: z.number().int().min(1).max(CLEAN_UP_MAX),
    reason,
  }),
]);

/**
 * `set_role`: the owner makes someone present a moderator or takes it back (`role: null`), or hands
 * them the room (`owner`: the old owner becomes a moderator).
 */
export const setRolePayloadSchema = z.strictObject({
  user_id: targetUserIdSchema,
  role: roomRoleSchema.nullable(),
});

/** `update_room`: any of the room's settings, by its owner or a moderator. */
export const updateRoomPayloadSchema = z
  .strictObject({
    topic: topicSchema.optional(),
    slow_mode_s: z.number().int().min(0).max(SLOW_MODE_MAX_S).optional(),
    locked: z.boolean().optional(),
  })
  .refine((update) => Object.keys(update).length > 0, { message: 'Nothing to change.' });

/** `room_invite`: the invite of a locked room (made when missing), or a new one (`rotate`). */
export const roomInvitePayloadSchema = z.strictObject({ rotate: z.boolean().optional() });

/** `claim_ownership`: a recovery code the owner was shown makes this session the owner. */
export const claimOwnershipPayloadSchema = z.strictObject({ code: z.string().min(1).max(128) });

/** `report_message`: anyone may report a message of the room to its moderators. */
export const reportMessagePayloadSchema = z.strictObject({ id: messageIdSchema, reason });

export const resolveReportPayloadSchema = z.strictObject({
  report_id: z.number().int().positive(),
});

/** Paging back through a moderator's list: the entries older than `before` (an entry id). */
export const pageBackPayloadSchema = z.strictObject({
  before: z.number().int().positive().optional(),
});

/** An invite as a handshake may carry it (`auth.invite`). */
export const inviteSchema = z.string().min(1).max(INVITE_MAX_LENGTH);

// ---------------------------------------------------------------------------------------------
// Server → client
// ---------------------------------------------------------------------------------------------

/** The room's settings: sent to each newcomer after `set_username`, and on every change. */
export const roomSettingsSchema = z.object({
  /** Empty when none. */
  topic: z.string(),
  /** One message per person per this many seconds; 0 when off. Owners and moderators are exempt. */
  slow_mode_s: z.number().int().nonnegative(),
  /** Only people with the invite (or a role) may enter. */
  locked: z.boolean(),
});

export const roomUpdatedPayloadSchema = roomSettingsSchema.extend({
  /** Who changed it, when it was a change (absent in the newcomer's copy). */
  by: z.string().optional(),
  by_username: z.string().optional(),
});

/** To the room: an owner or moderator (or the operator) acted on someone. */
export const memberModeratedPayloadSchema = z.object({
  action: z.enum(Object.values(MemberAction) as [MemberAction, ...MemberAction[]]),
  user_id: z.string(),
  /** Their name when known (present, or the author of the removed messages). */
  username: z.string().optional(),
  /** The actor's user id, or `operator`. */
  by: z.string(),
  by_username: z.string(),
  /** Mute or ban: until when (ms since the epoch); absent for a ban for good. */
  until: z.number().int().optional(),
  reason: z.string().optional(),
  /** `role`: the new role (absent: none). */
  role: roomRoleSchema.optional(),
  /** `clean_up`: how many messages were removed. */
  count: z.number().int().optional(),
});

export const auditEntrySchema = z.object({
  id: z.number().int().positive(),
  ts: z.number().int(),
  action: z.string(),
  by: z.string(),
  by_username: z.string(),
  user_id: z.string().optional(),
  username: z.string().optional(),
  until: z.number().int().optional(),
  reason: z.string().optional(),
  /** What changed, in words (e.g. `slow mode 30 s`, `message 42`). */
  detail: z.string().optional(),
});

export const reportSchema = z.object({
  report_id: z.number().int().positive(),
  /** The reported message's id. */
  id: messageIdSchema,
  /** Its text when reported (the first characters). */
  message: z.string(),
  author_user_id: z.string(),
  author_username: z.string(),
  reporter_user_id: z.string(),
  reporter_username: z.string(),
  reason: z.string().optional(),
  ts: z.number().int(),
});

export const banSchema = z.object({
  user_id: z.string(),
  username: z.string().optional(),
  /** Absent: for good. */
  until: z.number().int().optional(),
  reason: z.string().optional(),
  by_username: z.string(),
  ts: z.number().int(),
  /** The address they connected from is banned too. */
  by_address: z.boolean(),
});

export const reportResolvedPayloadSchema = z.object({ report_id: z.number().int().positive() });

export type ModeratePayload = z.input<typeof moderatePayloadSchema>;
export type SetRolePayload = z.input<typeof setRolePayloadSchema>;
export type UpdateRoomPayload = z.input<typeof updateRoomPayloadSchema>;
export type RoomInvitePayload = z.input<typeof roomInvitePayloadSchema>;
export type ClaimOwnershipPayload = z.input<typeof claimOwnershipPayloadSchema>;
export type ReportMessagePayload = z.input<typeof reportMessagePayloadSchema>;
export type ResolveReportPayload = z.input<typeof resolveReportPayloadSchema>;
export type PageBackPayload = z.input<typeof pageBackPayloadSchema>;
export type RoomSettings = z.output<typeof roomSettingsSchema>;
export type RoomUpdatedPayload = z.output<typeof roomUpdatedPayloadSchema>;
export type MemberModeratedPayload = z.output<typeof memberModeratedPayloadSchema>;
export type AuditEntry = z.output<typeof auditEntrySchema>;
export type Report = z.output<typeof reportSchema>;
export type Ban = z.output<typeof banSchema>;
export type ReportResolvedPayload = z.output<typeof reportResolvedPayloadSchema>;

/** Page sizes of the moderators' lists. */
export const MODERATION_PAGES = { audit: AUDIT_PAGE_SIZE, reports: REPORTS_PAGE_SIZE } as const;
