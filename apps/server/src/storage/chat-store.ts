/** A message as stored: the wire's `new_message` fields plus who sent it. */
export interface StoredMessage {
  id: number;
  ts: number;
  sessionId: string;
  clientId: string | null;
  username: string;
  avatar: string;
  message: string;
}

export type NewStoredMessage = Omit<StoredMessage, 'id'>;

export interface SessionRecord {
  id: string;
  username: string;
  avatar: string;
  createdAt: number;
  lastSeenAt: number;
}

export interface MessagePage {
  /** Oldest first. */
  messages: StoredMessage[];
  /** More messages exist beyond this page in the direction asked. */
  more: boolean;
}

/**
 * Where messages and sessions live. SQLite implements it by default; a shared database (PostgreSQL)
 * can implement it later and must pass the same contract tests (`chat-store.contract.ts`).
 * Methods are async so that a networked store fits the same shape.
 */
export interface ChatStore {
  /**
   * Stores a message and gives it the next id. When the same session already stored a message with
   * the same `clientId`, nothing is written and that earlier message comes back with `duplicate`.
   */
  appendMessage(message: NewStoredMessage): Promise<{ message: StoredMessage; duplicate: boolean }>;
  /** The newest `limit` messages, oldest first; `more` when older ones exist. */
  latestMessages(limit: number): Promise<MessagePage>;
  /** Up to `limit` messages just older than `beforeId`, oldest first; `more` when older ones exist. */
  messagesBefore(beforeId: number, limit: number): Promise<MessagePage>;
  /** Up to `limit` messages just newer than `afterId`, oldest first; `more` when newer ones exist. */
  messagesAfter(afterId: number, limit: number): Promise<MessagePage>;

  /** Creates a session reachable by the hash of its token. */
  createSession(session: SessionRecord, tokenHash: string): Promise<void>;
  /** The session whose token hashes to `tokenHash`, if it exists and was seen after `seenAfter`. */
  findSession(tokenHash: string, seenAfter: number): Promise<SessionRecord | undefined>;
  updateSessionIdentity(id: string, username: string, avatar: string): Promise<void>;
  touchSession(id: string, lastSeenAt: number): Promise<void>;

  close(): Promise<void>;
}
