import { createHmac } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';

/**
 * What an address ban holds on to: an IPv4 address, or the /64 network of an IPv6 one (one
 * household or phone gets a whole /64 and can walk through it freely). IPv4-mapped IPv6
 * (`::ffff:1.2.3.4`, as dual-stack sockets report IPv4 clients) counts as the IPv4 address.
 * Anything else (a socket path, `unknown`) is kept as it is.
 */
export function addressKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/iu.exec(address);
  if (mapped?.[1] !== undefined && isIPv4(mapped[1])) {
    return mapped[1];
  }
  if (!isIPv6(address)) {
    return address;
  }
  const [head = '', tail] = address.toLowerCase().split('%')[0]!.split('::');
  const front = head === '' ? [] : head.split(':');
  const back = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups =
    tail === undefined
      ? front
      : [...front, ...Array<string>(8 - front.length - back.length).fill('0'), ...back];
  return `${groups
    .slice(0, 4)
    .map((group) => group.replace(/^0+(?=.)/u, ''))
    .join(':')}::/64`;
}

/**
 * A keyed hash of a client's address (see {@link addressKey}): equal for the same network, useless
 * to anyone without the server's key for finding the address again (an unkeyed hash of the 2^32
 * IPv4 addresses is reversed in minutes).
 */
export function addressHash(key: string, address: string): string {
  return createHmac('sha256', key).update(addressKey(address)).digest('base64url').slice(0, 32);
}
