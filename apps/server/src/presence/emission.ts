import type { ServerToClientEvents } from '@parley/protocol';

type ServerEventName = keyof ServerToClientEvents;

/**
 * One event the presence service decided to send: `to` a channel (Socket.IO room) or a socket id,
 * leaving out `except` (a channel or socket id). The gateway sends it as it is.
 */
export type Emission = {
  [E in ServerEventName]: {
    event: E;
    payload: Parameters<ServerToClientEvents[E]>[0];
    to: string;
    except?: string;
  };
}[ServerEventName];

/**
 * Where the presence service sends what it decides later, away from any request (a batching
 * window closing, a grace period ending, a cluster node found dead, a held-back typing start).
 */
export interface PresenceOutlet {
  emit(emissions: readonly Emission[]): void;
  /** How many of this node's sockets are in `channel`. */
  localListeners(channel: string): number;
}

/** A channel's sockets as Socket.IO reaches them (`server`, or `server.local` for this node's). */
interface Channels {
  to(channel: string): unknown;
}
interface Broadcast {
  except(channel: string): Broadcast;
  emit(event: string, payload: unknown): boolean;
}

/** Sends each emission as it is: to its channel or socket id, leaving out `except`. */
export function sendEmissions(io: Channels, emissions: readonly Emission[]): void {
  for (const { event, payload, to, except } of emissions) {
    // Each emission pairs an event with its own payload type (see `Emission`).
    const target = io.to(to) as Broadcast;
    (except === undefined ? target : target.except(except)).emit(event, payload);
  }
}
