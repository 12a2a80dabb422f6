import { z } from 'zod';

import { MESSAGE_MAX_LENGTH } from './limits.js';
import { checkMessage, checkUsername, normalizeMessage, normalizeUsername } from './text.js';
import { DEFAULT_ERROR_MESSAGES, type ErrorCode } from './errors.js';

/** Attaches one of our error codes to a zod issue, so a failed parse maps to a whitelisted code. */
function refuse(ctx: z.RefinementCtx, code: ErrorCode, message: string): void {
  ctx.addIssue({ code: 'custom', message, params: { code } });
}

// ---------------------------------------------------------------------------------------------
// Building blocks
// ---------------------------------------------------------------------------------------------

/** Message text as a client sends it; the output is the normalised text the room will see. */
export const messageTextSchema = z
  .string()
  .transform(normalizeMessage)
  .superRefine((text, ctx) => {
    const problem = checkMessage(text);
    if (problem === 'message_too_long') {
      refuse(ctx, problem, `A message can be at most ${MESSAGE_MAX_LENGTH} characters long.`);
    } else if (problem) {
      refuse(ctx, problem, DEFAULT_ERROR_MESSAGES[problem]);
    }
  });

/** A display name as a client proposes it; the output is the normalised name. */
export const usernameSchema = z
  .string()
  .transform(normalizeUsername)
  .superRefine((name, ctx) => {
    const problem = checkUsername(name);
    if (problem) {
      refuse(ctx, problem.error, problem.message);
    }
  });

/** Avatar URL as the server hands it out (same-origin path or absolute URL). */
export const avatarSchema = z.string().min(1);

// ---------------------------------------------------------------------------------------------
// Client → server payloads
// ---------------------------------------------------------------------------------------------

export const sendMessagePayloadSchema = z.object({ message: messageTextSchema });
export const updateUsernamePayloadSchema = z.object({ username: usernameSchema });

/** What a client may send (before normalising). */
export type SendMessagePayload = z.input<typeof sendMessagePayloadSchema>;
export type UpdateUsernamePayload = z.input<typeof updateUsernamePayloadSchema>;

// ---------------------------------------------------------------------------------------------
// Server → client payloads
// ---------------------------------------------------------------------------------------------

export const userJoinedPayloadSchema = z.object({ username: z.string(), avatar: avatarSchema });
export const userLeftPayloadSchema = z.object({ username: z.string() });
export const setUsernamePayloadSchema = z.object({ username: z.string(), avatar: avatarSchema });
export const newMessagePayloadSchema = z.object({
  username: z.string(),
  avatar: avatarSchema,
  message: z.string(),
});
export const usernameUpdatedPayloadSchema = z.object({
  old_username: z.string(),
  new_username: z.string(),
  /** Added field: lets clients keep the renamed user's avatar without a lookup. */
  avatar: avatarSchema.optional(),
});
export const requestRefusedPayloadSchema = z.object({
  /** The client event that was refused, e.g. `send_message`. */
  event: z.string(),
  error: z.string(),
  message: z.string(),
});

export type UserJoinedPayload = z.output<typeof userJoinedPayloadSchema>;
export type UserLeftPayload = z.output<typeof userLeftPayloadSchema>;
export type SetUsernamePayload = z.output<typeof setUsernamePayloadSchema>;
export type NewMessagePayload = z.output<typeof newMessagePayloadSchema>;
export type UsernameUpdatedPayload = z.output<typeof usernameUpdatedPayloadSchema>;
export type RequestRefusedPayload = z.output<typeof requestRefusedPayloadSchema> & {
  error: ErrorCode;
};
