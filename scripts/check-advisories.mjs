#!/usr/bin/env node
// Offline guard for the Socket.IO stack: every version of these packages in pnpm-lock.yaml must be
// at or past the release that fixed each published advisory on its major line. `pnpm audit` asks
// the registry (when it answers); this check works without it and fails the build on a downgrade.
import { readFileSync } from 'node:fs';

/** package → { major: first safe version on that line }; a major not listed is refused. */
const FLOORS = {
  // CVE-2024-37890 (crash on too many headers), CVE-2021-32640 (ReDoS)
  ws: { 8: '8.17.1', 7: '7.5.10' },
  // CVE-2024-38355 (unhandled 'error' crash)
  'socket.io': { 4: '4.6.2' },
  // CVE-2022-2421, CVE-2023-32695, CVE-2026-33151, CVE-2026-69185
  'socket.io-parser': { 4: '4.2.7' },
  // CVE-2022-21676, CVE-2022-41940, CVE-2023-31125
  'engine.io': { 6: '6.4.2' },
  // socket.io-adapter pulled an old ws before 2.5.5
  'socket.io-adapter': { 2: '2.5.5' },
  // CVE-2024-47764 (cookie name/path injection), used by engine.io
  cookie: { 0: '0.7.0', 1: '1.0.0' },
  // CVE-2024-45296 / CVE-2024-52798 (ReDoS)
  'path-to-regexp': { 0: '0.1.12', 8: '8.0.0' },
  // CVE-2024-43796 (open redirect / XSS in res.redirect)
  express: { 4: '4.20.0', 5: '5.0.0' },
};

const parse = (version) => version.split(/[.+-]/).slice(0, 3).map(Number);
const atLeast = (version, floor) => {
  const [a, b] = [parse(version), parse(floor)];
  for (let i = 0; i < 3; i++) {
    if (a[i] !== b[i]) {
      return a[i] > b[i];
    }
  }
  return true;
};

const lock = readFileSync(new URL('../pnpm-lock.yaml', import.meta.url), 'utf8');
const found = new Map();
for (const [, name, version] of lock.matchAll(
  /^ {2}'?(@?[^@\s']+)@(\d+\.\d+\.\d+[^:'\s(]*)'?:/gm,
)) {
  if (name in FLOORS) {
    found.set(`${name}@${version}`, [name, version]);
  }
}

const problems = [];
for (const [name, version] of found.values()) {
  const floor = FLOORS[name][parse(version)[0]];
  if (floor === undefined) {
    problems.push(`${name}@${version}: major line ${parse(version)[0]} is not vetted`);
  } else if (!atLeast(version, floor)) {
    problems.push(`${name}@${version}: below ${floor}, which fixed a published advisory`);
  }
}
for (const name of ['ws', 'socket.io', 'socket.io-parser', 'engine.io']) {
  if (![...found.values()].some(([found]) => found === name)) {
    problems.push(`${name}: not found in pnpm-lock.yaml (is the check looking at the right file?)`);
  }
}

if (problems.length > 0) {
  console.error(`Vulnerable or unvetted dependency versions:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`Advisory floors: ${[...found.keys()].sort().join(', ')}: all past known advisories.`);
