/** Every reason the server may give for refusing a request. Nothing else is ever sent to a client. */
export const ErrorCode = {
  InvalidPayload: 'invalid_payload',
  EmptyMessage: 'empty_message',
  MessageTooLong: 'message_too_long',
  NameInvalid: 'name_invalid',
  NameTaken: 'name_taken',
  NameReserved: 'name_reserved',
  /** Too many requests: wait `retry_after` milliseconds. */
  RateLimited: 'rate_limited',
  /** The request is well-formed but this client may not do it (e.g. not its message). */
  NotAllowed: 'not_allowed',
  /** No message with that id in this room. */
  MessageNotFound: 'message_not_found',
  /** The room name in the handshake breaks the room name rules. */
  RoomInvalid: 'room_invalid',
  /** A moderator muted this person here: wait `retry_after` milliseconds. */
  Muted: 'muted',
  /** Slow mode: one message per person per N seconds here; wait `retry_after` milliseconds. */
  SlowMode: 'slow_mode',
  /** Refused at the handshake: banned from this room, until `until` (absent: for good). */
  Banned: 'banned',
  /** Refused at the handshake: kicked a moment ago; come back after `retry_after` milliseconds. */
  Kicked: 'kicked',
  /** Refused at the handshake: the room is locked and the handshake carried no valid invite. */
  RoomLocked: 'room_locked',
  /** Nobody with that user id is in, or has written in, this room. */
  UserNotFound: 'user_not_found',
  /** No report with that id is open in this room. */
  ReportNotFound: 'report_not_found',
  Internal: 'internal_error',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export const ERROR_CODES: readonly ErrorCode[] = Object.values(ErrorCode);

/** Plain-words default text for each code, used when nothing more specific is known. */
export const DEFAULT_ERROR_MESSAGES: Readonly<Record<ErrorCode, string>> = {
  invalid_payload: 'That request was not understood.',
  empty_message: 'A message cannot be empty.',
  message_too_long: 'That message is too long.',
  name_invalid: 'That name cannot be used.',
  name_taken: 'Someone online already uses that name.',
  name_reserved: 'That name is reserved.',
  rate_limited: 'You are going a bit fast. Please wait a moment.',
  not_allowed: 'You are not allowed to do that.',
  message_not_found: 'That message does not exist (any more).',
  room_invalid: 'Room names are 1 to 32 letters, digits, - or _.',
  muted: 'A moderator muted you in this room for now.',
  slow_mode: 'Slow mode is on in this room: wait a moment before your next message.',
  banned: 'You are banned from this room.',
  kicked: 'A moderator removed you from this room. You can come back in a moment.',
  room_locked: 'This room is locked: you need an invite link to enter.',
  user_not_found: 'Nobody with that id is in this room.',
  report_not_found: 'That report does not exist or was already dealt with.',
  internal_error: 'Something went wrong on our side. Please try again.',
};

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}
