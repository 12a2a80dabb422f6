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
  internal_error: 'Something went wrong on our side. Please try again.',
};

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}
