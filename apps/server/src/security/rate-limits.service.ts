import { Inject, Injectable } from '@nestjs/common';
import {
  BurstyRateLimiter,
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRes,
} from 'rate-limiter-flexible';

import { APP_CONFIG, type AppConfig } from '../config/app-config.js';

export type LimitedAction = 'message' | 'rename' | 'history';

/** Pages of history a session may ask for per second, plus a burst (scrolling back fast). */
const HISTORY_PER_SECOND = 5;
const HISTORY_BURST = 20;

export type Verdict = { ok: true } | { ok: false; retryAfterMs: number };

const BURST_WINDOW_SECONDS = 10;
const STRIKE_WINDOW_SECONDS = 10;

/** A steady rate with a burst on top: a short flurry is fine, a flood is not. */
function bursty(prefix: string, perSecond: number, burst: number): RateLimiterAbstract {
  const steady = new RateLimiterMemory({ keyPrefix: `${prefix}`, points: perSecond, duration: 1 });
  if (burst === 0) {
    return steady;
  }
  return new BurstyRateLimiter(
    steady,
    new RateLimiterMemory({
      keyPrefix: `${prefix}:burst`,
      points: burst,
      duration: BURST_WINDOW_SECONDS,
    }),
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
 * renames (a few a minute) and new connections per address. Clients that keep hitting the limits
 * collect strikes and are disconnected. Counters live in memory (one node); a shared store comes
 * with multi-node deployments.
 */
@Injectable()
export class RateLimitsService {
  private readonly perSession: Record<LimitedAction, RateLimiterAbstract>;
  private readonly perAddress: Record<LimitedAction, RateLimiterAbstract>;
  private readonly connections: RateLimiterAbstract;
  private readonly strikes: RateLimiterAbstract;

  constructor(@Inject(APP_CONFIG) { limits }: AppConfig) {
    const ip = limits.perIpMultiplier;
    this.perSession = {
      message: bursty('msg:s', limits.messagesPerSecond, limits.messageBurst),
      rename: new RateLimiterMemory({
        keyPrefix: 'ren:s',
        points: limits.renamesPerMinute,
        duration: 60,
      }),
      history: bursty('hist:s', HISTORY_PER_SECOND, HISTORY_BURST),
    };
    this.perAddress = {
      message: bursty('msg:ip', limits.messagesPerSecond * ip, limits.messageBurst * ip),
      rename: new RateLimiterMemory({
        keyPrefix: 'ren:ip',
        points: limits.renamesPerMinute * ip,
        duration: 60,
      }),
      history: bursty('hist:ip', HISTORY_PER_SECOND * ip, HISTORY_BURST * ip),
    };
    this.connections = new RateLimiterMemory({
      keyPrefix: 'conn:ip',
      points: limits.connectionsPerMinute,
      duration: 60,
    });
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

  /** Counts a new connection from `address`. */
  connect(address: string): Promise<Verdict> {
    return take(this.connections, address);
  }

  /** Records a refused request; true once the socket has collected enough to be disconnected. */
  async strike(socketId: string): Promise<boolean> {
    return !(await take(this.strikes, socketId)).ok;
  }
}
