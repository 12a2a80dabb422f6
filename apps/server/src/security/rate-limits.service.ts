import { Inject, Injectable } from '@nestjs/common';
import { ackError, type AckError, ErrorCode } from '@parley/protocol';
import type { Redis } from 'ioredis';
import {
  BurstyRateLimiter,
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
} from 'rate-limiter-flexible';

import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { REDIS } from '../redis/redis.module.js';

export type LimitedAction =
  'message' | 'rename' | 'history' | 'typing' | 'rooms' | 'moderate' | 'report';

/** Pages of history a session may ask for per second, plus a burst (scrolling back fast). */
const HISTORY_PER_SECOND = 5;
const HISTORY_BURST = 20;
/**
 * Typing notices a session may send per second, plus a burst. The web app sends one every 2 s
 * while keys are pressed and one when the box empties; past this it is a flood, and counts
 * toward the strikes that disconnect.
 */
const TYPING_PER_SECOND = 4;
const TYPING_BURST = 10;

/** What a refusal says is being limited. */
const LIMITED_WHAT: Record<LimitedAction, string> = {
  message: 'messages',
  rename: 'name changes',
  history: 'history requests',
  typing: 'typing notices',
  rooms: 'room list requests',
  moderate: 'moderation requests',
  report: 'reports',
};

/**
 * Reports a person may file per minute: enough to flag a burst of spam, too few to flood the
 * moderators' queue.
 */
const REPORTS_PER_MINUTE = 10;

export type Verdict = { ok: true } | { ok: false; retryAfterMs: number };

/**
 * Connections over the limit an address may still open only to be told why (a readable
 * `connect_error`) per minute; past them its handshakes get engine.io's bare HTTP 403.
 */
const CONNECTION_REFUSALS_SHOWN_PER_MINUTE = 10;

const BURST_WINDOW_SECONDS = 10;
const STRIKE_WINDOW_SECONDS = 10;

interface LimiterOptions {
  keyPrefix: string;
  points: number;
  /** Seconds. */
  duration: number;
}
type LimiterFactory = (options: LimiterOptions) => RateLimiterAbstract;

/**
 * Counters in memory (one node), or in Redis when it is configured, so a limit holds across the
 * cluster. While Redis does not answer, each node falls back to its own memory counters rather
 * than waiting or letting everything through.
 */
function limiterFactory(redis: Redis | null, redisPrefix: string): LimiterFactory {
  if (!redis) {
    return (options) => new RateLimiterMemory(options);
  }
  return (options) =>
    new RateLimiterRedis({
      ...options,
      storeClient: redis,
      keyPrefix: `${redisPrefix}rl:${options.keyPrefix}`,
      rejectIfRedisNotReady: true,
      insuranceLimiter: new RateLimiterMemory(options),
    });
}

/** A steady rate with a burst on top: a short flurry is fine, a flood is not. */
function bursty(
  create: LimiterFactory,
  prefix: string,
  perSecond: number,
  burst: number,
): RateLimiterAbstract {
  const steady = create({ keyPrefix: prefix, points: perSecond, duration: 1 });
  if (burst === 0) {
    return steady;
  }
  return new BurstyRateLimiter(
    steady,
    create({ keyPrefix: `${prefix}:burst`, points: burst, duration: BURST_WINDOW_SECONDS }),
  ) as unknown as RateLimiterAbstract;
}

async function take(limiter: RateLimiterAbstract, key: string): Promise<Verdict> {
  try {
    await limiter.consume(key);
    return { ok: true };
  } catch (refusal) {
    if (refusal instanceof RateLimiterRes) {
      return { ok: false, retryAfterMs: Math.max(1, Math.ceil(refusal.msBeforeNext)) };
    }
    throw refusal;
  }
}

/**
 * Flood control, per session and per client address: messages (a burst, then a steady rate),
 * renames (a few a minute), history pages, typing notices and new connections per address. Clients that keep hitting the limits
 * collect strikes and are disconnected. Counters are shared through Redis when it is configured
 * (the cluster holds one limit), in memory otherwise; strikes are per socket, so always local.
 */
@Injectable()
export class RateLimitsService {
  private readonly perSession: Record<LimitedAction, RateLimiterAbstract>;
  private readonly perAddress: Record<LimitedAction, RateLimiterAbstract>;
  private readonly connections: RateLimiterAbstract;
  private readonly connectionRefusals: RateLimiterAbstract;
  private readonly strikes: RateLimiterAbstract;
  private readonly create: LimiterFactory;
  /** Slow mode's limiters, one per interval in use (shared through Redis like the others). */
  private readonly slowModes = new Map<number, RateLimiterAbstract>();

  constructor(
    @Inject(APP_CONFIG) { limits, redisKeyPrefix }: AppConfig,
    @Inject(REDIS) redis: Redis | null,
  ) {
    const ip = limits.perIpMultiplier;
    const create = limiterFactory(redis, redisKeyPrefix);
    this.perSession = {
      message: bursty(create, 'msg:s', limits.messagesPerSecond, limits.messageBurst),
      rename: create({ keyPrefix: 'ren:s', points: limits.renamesPerMinute, duration: 60 }),
      history: bursty(create, 'hist:s', HISTORY_PER_SECOND, HISTORY_BURST),
      typing: bursty(create, 'typ:s', TYPING_PER_SECOND, TYPING_BURST),
      // A read like a history page: the room switcher asks each time it opens.
      rooms: bursty(create, 'rooms:s', HISTORY_PER_SECOND, HISTORY_BURST),
      // Moderators' requests and their lists (audit log, bans, reports) read like history pages.
      moderate: bursty(create, 'mod:s', HISTORY_PER_SECOND, HISTORY_BURST),
      report: create({ keyPrefix: 'rep:s', points: REPORTS_PER_MINUTE, duration: 60 }),
    };
    this.perAddress = {
      message: bursty(create, 'msg:ip', limits.messagesPerSecond * ip, limits.messageBurst * ip),
      rename: create({ keyPrefix: 'ren:ip', points: limits.renamesPerMinute * ip, duration: 60 }),
      history: bursty(create, 'hist:ip', HISTORY_PER_SECOND * ip, HISTORY_BURST * ip),
      typing: bursty(create, 'typ:ip', TYPING_PER_SECOND * ip, TYPING_BURST * ip),
      rooms: bursty(create, 'rooms:ip', HISTORY_PER_SECOND * ip, HISTORY_BURST * ip),
      moderate: bursty(create, 'mod:ip', HISTORY_PER_SECOND * ip, HISTORY_BURST * ip),
      report: create({ keyPrefix: 'rep:ip', points: REPORTS_PER_MINUTE * ip, duration: 60 }),
    };
    this.connections = create({
      keyPrefix: 'conn:ip',
      points: limits.connectionsPerMinute,
      duration: 60,
    });
    this.connectionRefusals = create({
      keyPrefix: 'connref:ip',
      points: CONNECTION_REFUSALS_SHOWN_PER_MINUTE,
      duration: 60,
    });
    this.create = create;
    this.strikes = new RateLimiterMemory({
      keyPrefix: 'strike',
      points: limits.floodDisconnectAfter,
      duration: STRIKE_WINDOW_SECONDS,
    });
  }

  /** Counts one `action` for a session and its address; refused if either is over its limit. */
  async consume(action: LimitedAction, sessionId: string, address: string): Promise<Verdict> {
    const bySession = await take(this.perSession[action], sessionId);
    if (!bySession.ok) {
      return bySession;
    }
    return take(this.perAddress[action], address);
  }

  /**
   * {@link consume}, answered as the client hears it: nothing when allowed, otherwise a
   * `rate_limited` refusal saying what and for how long.
   */
  async check(
    action: LimitedAction,
    sessionKey: string,
    address: string,
  ): Promise<AckError | undefined> {
    const verdict = await this.consume(action, sessionKey, address);
    if (verdict.ok) {
      return undefined;
    }
    const seconds = Math.ceil(verdict.retryAfterMs / 1000);
    return ackError(
      ErrorCode.RateLimited,
      `Too many ${LIMITED_WHAT[action]}. Try again in ${seconds} second${seconds === 1 ? '' : 's'}.`,
      verdict.retryAfterMs,
    );
  }

  /**
   * Slow mode: one message per `key` (a person in a room) per `seconds`, across the cluster when
   * Redis is configured.
   */
  slowMode(key: string, seconds: number): Promise<Verdict> {
    let limiter = this.slowModes.get(seconds);
    if (!limiter) {
      limiter = this.create({ keyPrefix: `slow:${seconds}`, points: 1, duration: seconds });
      this.slowModes.set(seconds, limiter);
    }
    return take(limiter, key);
  }

  /** Counts a new connection from `address`. */
  connect(address: string): Promise<Verdict> {
    return take(this.connections, address);
  }

  /** Whether a connection refused for `address` may still be admitted to be told why. */
  async connectRefusalShown(address: string): Promise<boolean> {
    return (await take(this.connectionRefusals, address)).ok;
  }

  /** Records a refused request; true once the socket has collected enough to be disconnected. */
  async strike(socketId: string): Promise<boolean> {
    return !(await take(this.strikes, socketId)).ok;
  }
}
