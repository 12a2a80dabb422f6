import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { isIP, isIPv4 } from 'node:net';

import proxyAddr from 'proxy-addr';

/**
 * Which peers are reverse proxies whose X-Forwarded-For entry we believe: `false` (none), a
 * number of hops in front of the server, or proxy addresses and subnets (`loopback`,
 * `10.0.0.0/8`, ...), as Express's `trust proxy` setting takes them.
 */
export type ProxyTrust = false | number | readonly string[];

/** More hops than any real deployment has: a larger number is a typo. */
const MAX_HOPS = 10;

/**
 * Reads TRUST_PROXY: `false`/`0`, `true` (one proxy: the one in front of us), a number of hops,
 * or a comma-separated list of proxy addresses and subnets. Throws with the reason otherwise.
 */
export function parseTrustProxy(value: string): ProxyTrust {
  const text = value.trim();
  if (text === 'false' || text === '0') {
    return false;
  }
  if (text === 'true') {
    return 1;
  }
  if (/^\d+$/.test(text)) {
    const hops = Number(text);
    if (hops > MAX_HOPS) {
      throw new Error(`must be at most ${MAX_HOPS} proxy hops`);
    }
    return hops;
  }
  const list = text.split(',').map((entry) => entry.trim());
  if (list.some((entry) => entry === '')) {
    throw new Error('must not have an empty entry in its list of proxy addresses');
  }
  try {
    proxyAddr.compile(list);
  } catch (error) {
    throw new Error(
      `must be true, false, a number of proxy hops, or a list of proxy addresses and subnets ` +
        `(loopback, 10.0.0.0/8, ...): ${(error as Error).message}`,
      { cause: error },
    );
  }
  return list;
}

type TrustFunction = (address: string, hop: number) => boolean;
const compiled = new WeakMap<readonly string[], TrustFunction>();

/**
 * The setting as a function of (address, hop) → "is a proxy", the form Express's `trust proxy`
 * and proxy-addr take, so HTTP (`req.ip`) and the socket handshake agree.
 */
export function proxyTrustFunction(trust: ProxyTrust): TrustFunction {
  if (trust === false) {
    return () => false;
  }
  if (typeof trust === 'number') {
    return (_address, hop) => hop < trust;
  }
  let fn = compiled.get(trust);
  if (!fn) {
    fn = proxyAddr.compile([...trust]);
    compiled.set(trust, fn);
  }
  return fn;
}

/**
 * The client's address for rate limiting: the socket's peer or, when the peer is a trusted
 * proxy, the X-Forwarded-For entry that the trusted hops give, read from the right as Express
 * does. The leftmost entry is whatever the client wrote, so it is never taken on its own.
 */
export function clientAddress(
  peer: string | undefined,
  headers: IncomingHttpHeaders,
  trustProxy: ProxyTrust,
): string {
  const direct = normalise(peer ?? 'unknown');
  if (trustProxy === false || peer === undefined) {
    return direct;
  }
  const request = { headers, socket: { remoteAddress: peer } } as unknown as IncomingMessage;
  const address = proxyAddr(request, proxyTrustFunction(trustProxy));
  // A proxy writes an address; anything else came from a client that reached us directly.
  return isIP(address) ? normalise(address) : direct;
}

/** `::ffff:1.2.3.4` is `1.2.3.4`: one client, one key, however it reached us. */
function normalise(address: string): string {
  const mapped = address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : undefined;
  return mapped !== undefined && isIPv4(mapped) ? mapped : address;
}
