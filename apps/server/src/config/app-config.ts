import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { z } from 'zod';

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
  /** Folder for the SQLite database (created if missing). */
  DATA_DIR: z.string().trim().min(1, 'must not be empty').default('./data'),
  /** How long a session whose last tab closed still counts as online (reloads, flaky networks). */
  PRESENCE_GRACE_MS: z.coerce.number().int().min(0).max(600_000).default(5000),
  /** A session unused this long is forgotten; its token then gets a fresh identity. */
  SESSION_TTL_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  /** Most messages replayed to a client resuming from `auth.offset`; past that it is told so. */
  RESUME_MAX_MESSAGES: z.coerce.number().int().min(1).max(10_000).default(500),
  /** Window in which Socket.IO's connection state recovery restores a dropped socket. */
  RECOVERY_WINDOW_MS: z.coerce.number().int().min(0).max(3_600_000).default(120_000),
});

export interface AppConfig {
  port: number;
  host: string;
  webDistDir: string;
  logLevel: 'error' | 'warn' | 'log' | 'debug' | 'verbose';
  /** SQLite file, `:memory:` when DATA_DIR is `:memory:` (tests). */
  databaseFile: string;
  presenceGraceMs: number;
  sessionTtlMs: number;
  resumeMaxMessages: number;
  recoveryWindowMs: number;
}

export class InvalidConfigError extends Error {
  override name = 'InvalidConfigError';
}

/**
 * Reads the configuration from the environment once, at boot. Any bad value stops the process
 * with one line per problem, naming the variable, instead of failing later in odd ways.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
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
    databaseFile:
      parsed.DATA_DIR === ':memory:' ? ':memory:' : resolve(parsed.DATA_DIR, 'parley.sqlite'),
    presenceGraceMs: parsed.PRESENCE_GRACE_MS,
    sessionTtlMs: parsed.SESSION_TTL_DAYS * 24 * 60 * 60 * 1000,
    resumeMaxMessages: parsed.RESUME_MAX_MESSAGES,
    recoveryWindowMs: parsed.RECOVERY_WINDOW_MS,
  };
}
