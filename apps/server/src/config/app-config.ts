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
});

export interface AppConfig {
  port: number;
  host: string;
  webDistDir: string;
  logLevel: 'error' | 'warn' | 'log' | 'debug' | 'verbose';
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
  };
}
