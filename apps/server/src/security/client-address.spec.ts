import { describe, expect, it } from '@jest/globals';

import { loadConfig } from '../config/app-config.js';
import { clientAddress, parseTrustProxy } from './client-address.js';

describe('parseTrustProxy', () => {
  it.each([
    ['false', false],
    ['0', false],
    // `true` keeps its old promise, one proxy in front, but no longer means "believe every hop".
    ['true', 1],
    ['1', 1],
    ['2', 2],
  ])('reads %j as %j', (value, expected) => {
    expect(parseTrustProxy(value)).toEqual(expected);
  });

  it('reads a list of proxy addresses and subnets, with the named ranges', () => {
    expect(parseTrustProxy('loopback, 10.0.0.0/8 ,192.168.1.7,fd00::/8,uniquelocal')).toEqual([
      'loopback',
      '10.0.0.0/8',
      '192.168.1.7',
      'fd00::/8',
      'uniquelocal',
    ]);
  });

  it.each(['yes', '10.0.0.0/33', '300.1.1.1', 'loopback,', '-1', '1.5', 'caddy', '100'])(
    'refuses %j',
    (value) => {
      expect(() => parseTrustProxy(value)).toThrow(/proxy/);
    },
  );
});

describe('clientAddress', () => {
  const via = (xff: string) => ({ 'x-forwarded-for': xff });

  it('is the peer when no proxy is trusted, whatever the headers say', () => {
    expect(clientAddress('203.0.113.9', via('1.2.3.4'), false)).toBe('203.0.113.9');
    expect(clientAddress(undefined, {}, false)).toBe('unknown');
  });

  it('takes the address the trusted hop appended, not the one the client wrote first', () => {
    // What a proxy that appends (nginx, a load balancer, Caddy behind a trusted proxy) passes on
    // when the client forged the header: its own entry is the last one.
    expect(clientAddress('10.0.0.2', via('1.2.3.4, 198.51.100.7'), 1)).toBe('198.51.100.7');
    // What the shipped Caddy passes on: it replaces an untrusted client's header with its address.
    expect(clientAddress('10.0.0.2', via('198.51.100.7'), 1)).toBe('198.51.100.7');
    expect(clientAddress('10.0.0.2', via('1.2.3.4, 198.51.100.7, 10.0.0.1'), 2)).toBe(
      '198.51.100.7',
    );
  });

  it('is the peer when the header is missing, and never goes past the leftmost entry', () => {
    expect(clientAddress('10.0.0.2', {}, 1)).toBe('10.0.0.2');
    expect(clientAddress('10.0.0.2', via('198.51.100.7'), 5)).toBe('198.51.100.7');
  });

  it('with a list, skips only the listed proxies, from the right', () => {
    const trusted = parseTrustProxy('loopback, 10.0.0.0/8');
    expect(clientAddress('10.1.2.3', via('1.2.3.4, 198.51.100.7, 10.0.0.1'), trusted)).toBe(
      '198.51.100.7',
    );
    // A peer that is not a listed proxy is the client, whatever it sends.
    expect(clientAddress('198.51.100.9', via('1.2.3.4'), trusted)).toBe('198.51.100.9');
    expect(clientAddress('::ffff:127.0.0.1', via('1.2.3.4, 198.51.100.7'), trusted)).toBe(
      '198.51.100.7',
    );
  });

  it('keeps to the peer when the trusted entry is not an address (a proxy always writes one)', () => {
    expect(clientAddress('10.0.0.2', via(`1.2.3.4, ${'x'.repeat(5000)}`), 1)).toBe('10.0.0.2');
  });

  it('writes IPv4-mapped IPv6 peers as IPv4, so one client has one key', () => {
    expect(clientAddress('::ffff:198.51.100.7', {}, false)).toBe('198.51.100.7');
    expect(clientAddress('::1', {}, false)).toBe('::1');
  });
});

describe('TRUST_PROXY in the configuration', () => {
  it('defaults to no proxy, and names the variable when it is wrong', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'true' }).trustProxy).toBe(1);
    expect(loadConfig({ TRUST_PROXY: 'loopback,10.0.0.0/8' }).trustProxy).toEqual([
      'loopback',
      '10.0.0.0/8',
    ]);
    expect(() => loadConfig({ TRUST_PROXY: 'yes' })).toThrow(/TRUST_PROXY="yes": .*proxy/);
  });
});
