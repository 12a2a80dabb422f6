import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { MESSAGE_MAX_LENGTH, USER_LIST_LIMIT } from '@parley/protocol';
import { z } from 'zod';

import { parseTrustProxy, type ProxyTrust } from '../security/client-address.js';

/** Nest injection token for the parsed {@link AppConfig}. */
export const APP_CONFIG = Symbol('APP_CONFIG');

const DEFAULT_WEB_DIST_DIR = fileURLToPath(new URL('../../../web/dist', import.meta.url));

const portSchema = z.coerce
  .number({ error: 'must be a whole number' })
  .int('must be a whole number')
  .min(0, 'must be between 0 and 65535')
  .max(65535, 'must be between 0 and 65535');

const envSchema = z.object({
  PORT: portSchema.default(3000),
  HOST: z.string().trim().min(1, 'must not be empty').default('0.0.0.0'),
  /** Folder holding the built web app; served at `/` when it exists. */
  WEB_DIST_DIR: z.string().trim().min(1, 'must not be empty').default(DEFAULT_WEB_DIST_DIR),
  LOG_LEVEL: z.enum(['error', 'warn', 'log', 'debug', 'verbose']).default('log'),
  /**
   * `json`: one structured line per event (pino), for log collectors; `text`: for people. Unset:
   * `text` when stdout is a terminal, `json` otherwise.
   */
  LOG_FORMAT: z.enum(['json', 'text']).optional(),
  /** PostgreSQL for history and sessions shared by several nodes; unset: SQLite under DATA_DIR. */
  DATABASE_URL: z
    .string()
    .trim()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional(),
  /** Redis for cross-node fan-out (several nodes behind a load balancer); unset: one node. */
  REDIS_URL: z
    .string()
    .trim()
    .regex(/^rediss?:\/\//, 'must be a redis:// URL')
    .optional(),
  /** With Redis: how often a node says it is alive; after 3 missed beats its users are gone. */
  NODE_HEARTBEAT_MS: z.coerce.number().int().min(100).max(60_000).default(5000),
  /** Prefix of every Redis key and channel this deployment uses. */
  REDIS_KEY_PREFIX: z.string().trim().min(1).max(64).default('parley:'),
  /** Folder for the SQLite database (created if missing). */
  DATA_DIR: z.string().trim().min(1, 'must not be empty').default('./data'),
  /** How long a session whose last tab closed still counts as online (reloads, flaky networks). */
  PRESENCE_GRACE_MS: z.coerce.number().int().min(0).max(600_000).default(5000),
  /** A session unused this long is forgotten; its token then gets a fresh identity. */
  SESSION_TTL_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  /**
   * Most messages replayed to a client resuming from the last message id its handshake carried
   * (`auth.server_offset`, or a numeric `auth.offset`); past that it is told so.
   */
  RESUME_MAX_MESSAGES: z.coerce.number().int().min(1).max(10_000).default(500),
  /**
   * Memory for the newest page of recently active rooms (SQLite only), estimated per page: a page
   * of long messages retains up to ≈210 KB, so a count of rooms alone bounds nothing.
   */
  HISTORY_CACHE_BYTES: z.coerce
    .number()
    .int()
    .min(0)
    .max(16 * 1024 * 1024 * 1024)
    .default(32 * 1024 * 1024),
  /**
   * Window in which Socket.IO's connection state recovery restores a dropped socket; 0 (the
   * default): off. It keeps every packet sent, each newcomer's welcome included, for the whole
   * window (about 45 KB per connection in a 10,000-person room); the app's own resume
   * (`auth.server_offset`, from the store) gives clients the same result without that memory.
   */
  RECOVERY_WINDOW_MS: z.coerce.number().int().min(0).max(3_600_000).default(0),
  /** How long someone kicked from a room must wait before coming back. */
  KICK_COOLDOWN_S: z.coerce.number().int().min(1).max(86_400).default(60),
  /**
   * How often each node reads the audit log for moderation changes made elsewhere (the operator's
   * command line, other nodes); with Redis they are also announced at once.
   */
  MODERATION_POLL_MS: z.coerce.number().int().min(100).max(60_000).default(2000),
  /**
   * Rooms with at least this many people get presence in batches (`presence_changed`, or the net
   * `user_joined`/`user_left` for clients that do not know it) instead of one event per change.
   */
  PRESENCE_BATCH_THRESHOLD: z.coerce.number().int().min(1).max(10_000_000).default(100),
  /** Most people `user_list` names; a bigger room's list says the count and `truncated`. */
  USER_LIST_LIMIT: z.coerce.number().int().min(1).max(100_000).default(USER_LIST_LIMIT),
  /** How long a big room's presence changes are gathered before they go out together. */
  PRESENCE_BATCH_MS: z.coerce.number().int().min(10).max(60_000).default(500),
  /**
   * `websocket,polling` (default): long-polling as a fallback for networks that block WebSocket.
   * `websocket`: WebSocket only, lighter per connection and no sticky sessions needed.
   */
  TRANSPORTS: z
    .enum(['websocket,polling', 'polling,websocket', 'websocket'], {
      error: 'must be "websocket,polling" or "websocket"',
    })
    .default('websocket,polling'),
  /** Longest message, in characters. */
  MESSAGE_MAX_LENGTH: z.coerce.number().int().min(1).max(20_000).default(MESSAGE_MAX_LENGTH),
  /** Messages a session may send per second, steadily... */
  MESSAGE_RATE_PER_SECOND: z.coerce.number().int().min(1).max(100_000).default(2),
  /** ...plus this many more in a burst (refilled over 10 seconds). */
  MESSAGE_BURST: z.coerce.number().int().min(0).max(100_000).default(10),
  /** Renames a session may make per minute. */
  RENAMES_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(5),
  /** An address may do this many times what one session may (people behind one NAT). */
  PER_IP_MULTIPLIER: z.coerce.number().int().min(1).max(1000).default(4),
  /** New connections per address per minute (reloads, tabs, several people behind one NAT). */
  CONNECTIONS_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(60),
  /** Refused requests within 10 seconds after which a flooding client is disconnected. */
  FLOOD_DISCONNECT_AFTER: z.coerce.number().int().min(1).max(1_000_000).default(20),
  /**
   * Origins (scheme://host[:port]) allowed to connect besides the server's own, comma-separated;
   * `*` allows any. Browsers send Origin on WebSockets, and CORS does not guard them.
   */
  ALLOWED_ORIGINS: z
    .string()
    .default('')
    .transform((value) =>
      value
        .split(',')
        .map((origin) => origin.trim())
        .filter(Boolean),
    )
    .pipe(
      z.array(
        z.union([
          z.literal('*'),
          z.url({ error: 'must be a list of origins like https://example.com' }),
        ]),
      ),
    ),
  /**
   * Behind reverse proxies: which peers are proxies whose X-Forwarded-For entry is believed
   * (`false`; `true` = 1 hop; a number of hops; or addresses/subnets like `loopback, 10.0.0.0/8`).
   */
  TRUST_PROXY: z
    .string()
    .default('false')
    .transform((value, context): ProxyTrust => {
      try {
        return parseTrustProxy(value);
      } catch (error) {
        context.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    }),
  /** A second HTTP listener that serves only `/metrics`; unset: none. */
  METRICS_PORT: portSchema.optional(),
  /** Bearer token that `/metrics` requires; on the public port, unset means no `/metrics`. */
  METRICS_TOKEN: z.string().trim().min(16, 'must be at least 16 characters').optional(),
  /** Avatars an address may have drawn per second (cached ones are free)... */
  AVATAR_RENDERS_PER_SECOND: z.coerce.number().int().min(1).max(100_000).default(20),
  /** ...plus this many more in a burst (refilled over 10 s): a big room opened cold. */
  AVATAR_RENDER_BURST: z.coerce.number().int().min(0).max(1_000_000).default(300),
  /**
   * Coalesce broadcast frames into one write per connection per event-loop round (see
   * `FanoutWriter`). `false` leaves every write to Socket.IO: a switch for comparisons.
   */
  FANOUT_COALESCING: z
    .enum(['true', 'false', '1', '0'], { error: 'must be true or false' })
    .default('true')
    .transform((value) => value === 'true' || value === '1'),
  /**
   * Bytes a connection may have waiting in the server (beyond the kernel's own socket buffer)
   * before it is closed as too slow: a client that stops reading must not make the server keep
   * every broadcast for it. Its client reconnects and resumes from its last message.
   */
  SLOW_CLIENT_BUFFER_BYTES: z.coerce
    .number()
    .int()
    .min(16 * 1024)
    .max(1024 * 1024 * 1024)
    .default(4 * 1024 * 1024),
  /**
   * How long an Engine.IO connection may go without a Socket.IO connect before it is dropped
   * (Socket.IO's own default is 45 s: a handshake flood kept every one that long).
   */
  CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5000),
  /**
   * `on` (default): `list_rooms` tells anyone connected which rooms have people in them and how
   * many. `off`: it answers an empty list, so a room whose name is passed around privately stays
   * unlisted (room names are the only thing that keeps a room to itself).
   */
  ROOM_DIRECTORY: z
    .enum(['on', 'off', 'true', 'false', '1', '0'], { error: 'must be on or off' })
    .default('on')
    .transform((value) => value === 'on' || value === 'true' || value === '1'),
});

export interface AppConfig {
  port: number;
  host: string;
  webDistDir: string;
  logLevel: 'error' | 'warn' | 'log' | 'debug' | 'verbose';
  logFormat: 'json' | 'text';
  /** SQLite file, `:memory:` when DATA_DIR is `:memory:` (tests). */
  databaseFile: string;
  /** PostgreSQL connection string; when set, it is the store instead of SQLite. */
  databaseUrl: string | undefined;
  /** Redis URL; when set, nodes share fan-out through it. */
  redisUrl: string | undefined;
  redisKeyPrefix: string;
  nodeHeartbeatMs: number;
  presenceGraceMs: number;
  kickCooldownS: number;
  moderationPollMs: number;
  sessionTtlMs: number;
  resumeMaxMessages: number;
  historyCacheBytes: number;
  recoveryWindowMs: number;
  presenceBatchThreshold: number;
  presenceBatchMs: number;
  userListLimit: number;
  /** Socket.IO transports offered to clients. */
  transports: Array<'polling' | 'websocket'>;
  messageMaxLength: number;
  limits: RateLimitConfig;
  /** Extra origins allowed to connect (normalised `scheme://host[:port]`), or `*`. */
  allowedOrigins: string[];
  /** Which peers are proxies whose X-Forwarded-For entry is believed (see client-address.ts). */
  trustProxy: ProxyTrust;
  /** Port of the private listener that serves `/metrics`; undefined: none. */
  metricsPort: number | undefined;
  /** Bearer token `/metrics` requires; undefined: not served on the public port. */
  metricsToken: string | undefined;
  /** Renders of avatars not in the cache, per address: a steady rate and a burst. */
  avatarRendersPerSecond: number;
  avatarRenderBurst: number;
  fanoutCoalescing: boolean;
  slowClientBufferBytes: number;
  /** Engine.IO connections that send no Socket.IO connect within this are dropped. */
  connectTimeoutMs: number;
  /** `list_rooms` names the rooms people are in; false: it answers an empty list. */
  roomDirectory: boolean;
}

export interface RateLimitConfig {
  messagesPerSecond: number;
  messageBurst: number;
  renamesPerMinute: number;
  perIpMultiplier: number;
  connectionsPerMinute: number;
  floodDisconnectAfter: number;
}

export class InvalidConfigError extends Error {
  override name = 'InvalidConfigError';
}

/**
 * Reads the configuration from the environment once, at boot. Any bad value stops the process
 * with one line per problem, naming the variable, instead of failing later in odd ways.
 */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  /** Whether a person is reading the logs (they go to stdout). */
  stdoutIsTerminal = process.stdout.isTTY === true,
): AppConfig {
  // Empty strings mean "unset", as in most shells' `VAR= command`.
  const present = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );
  const result = envSchema.safeParse(present);
  if (!result.success) {
    const problems = result.error.issues.map(
      (issue) =>
        `  ${issue.path.join('.')}=${JSON.stringify(env[String(issue.path[0])])}: ${issue.message}`,
    );
    throw new InvalidConfigError(`Invalid environment variables:\n${problems.join('\n')}`);
  }
  const parsed = result.data;
  return {
    port: parsed.PORT,
    host: parsed.HOST,
    webDistDir: parsed.WEB_DIST_DIR,
    logLevel: parsed.LOG_LEVEL,
    logFormat: parsed.LOG_FORMAT ?? (stdoutIsTerminal ? 'text' : 'json'),
    databaseUrl: parsed.DATABASE_URL,
    redisUrl: parsed.REDIS_URL,
    redisKeyPrefix: parsed.REDIS_KEY_PREFIX,
    nodeHeartbeatMs: parsed.NODE_HEARTBEAT_MS,
    databaseFile:
      parsed.DATA_DIR === ':memory:' ? ':memory:' : resolve(parsed.DATA_DIR, 'parley.sqlite'),
    presenceGraceMs: parsed.PRESENCE_GRACE_MS,
    kickCooldownS: parsed.KICK_COOLDOWN_S,
    moderationPollMs: parsed.MODERATION_POLL_MS,
    sessionTtlMs: parsed.SESSION_TTL_DAYS * 24 * 60 * 60 * 1000,
    resumeMaxMessages: parsed.RESUME_MAX_MESSAGES,
    historyCacheBytes: parsed.HISTORY_CACHE_BYTES,
    recoveryWindowMs: parsed.RECOVERY_WINDOW_MS,
    presenceBatchThreshold: parsed.PRESENCE_BATCH_THRESHOLD,
    presenceBatchMs: parsed.PRESENCE_BATCH_MS,
    userListLimit: parsed.USER_LIST_LIMIT,
    transports: parsed.TRANSPORTS === 'websocket' ? ['websocket'] : ['polling', 'websocket'],
    messageMaxLength: parsed.MESSAGE_MAX_LENGTH,
    limits: {
      messagesPerSecond: parsed.MESSAGE_RATE_PER_SECOND,
      messageBurst: parsed.MESSAGE_BURST,
      renamesPerMinute: parsed.RENAMES_PER_MINUTE,
      perIpMultiplier: parsed.PER_IP_MULTIPLIER,
      connectionsPerMinute: parsed.CONNECTIONS_PER_MINUTE,
      floodDisconnectAfter: parsed.FLOOD_DISCONNECT_AFTER,
    },
    allowedOrigins: parsed.ALLOWED_ORIGINS.map((origin) =>
      origin === '*' ? origin : new URL(origin).origin,
    ),
    trustProxy: parsed.TRUST_PROXY,
    metricsPort: parsed.METRICS_PORT,
    metricsToken: parsed.METRICS_TOKEN,
    avatarRendersPerSecond: parsed.AVATAR_RENDERS_PER_SECOND,
    avatarRenderBurst: parsed.AVATAR_RENDER_BURST,
    fanoutCoalescing: parsed.FANOUT_COALESCING,
    slowClientBufferBytes: parsed.SLOW_CLIENT_BUFFER_BYTES,
    connectTimeoutMs: parsed.CONNECT_TIMEOUT_MS,
    roomDirectory: parsed.ROOM_DIRECTORY,
  };
}
