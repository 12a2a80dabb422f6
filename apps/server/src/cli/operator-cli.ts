import { parseArgs } from 'node:util';

import {
  isValidRoomName,
  MemberAction,
  normalizeRoomName,
  OPERATOR,
  RoomRole,
} from '@parley/protocol';
import { Redis } from 'ioredis';

import { type AppConfig, loadConfig } from '../config/app-config.js';
import type { ChatStore } from '../storage/chat-store.js';
import type { NewAuditRecord } from '../storage/moderation-store.js';
import { PostgresChatStore } from '../storage/postgres-chat-store.js';
import { SqliteChatStore } from '../storage/sqlite-chat-store.js';

/**
 * The Redis channel (under REDIS_KEY_PREFIX) the nodes listen on for moderation changes: the same
 * as `MODERATION_CHANNEL` of moderation-relay.service.ts (not imported: this tool loads no Nest).
 */
const MODERATION_CHANNEL = 'moderation';
/** Most bans and audit entries listed. */
const LIST_LIMIT = 1000;
const AUDIT_DEFAULT = 20;
/** Public user ids are base64url hashes (16 characters); the wire allows up to 64. */
const USER_ID = /^[A-Za-z0-9_-]{1,64}$/;

export const USAGE = `Usage: pnpm parley <command> [options]

Runs against the same database as the server (DATABASE_URL, or SQLite under DATA_DIR) and, with
REDIS_URL, tells running nodes at once; without Redis they notice within a few seconds.
A person is named by their user id in the room (as the room's audit log and the web app show it).

Commands:
  moderators add --room R --user U     make U a moderator of R
  moderators remove --room R --user U  take U's moderator role in R away
  moderators list --room R             the owner and moderators of R
  owner set --room R --user U          make U the owner of R (the default room too); the
                                       previous owner becomes a moderator
  owner clear --room R                 R has no owner any more (nobody can claim it)
  bans list --room R                   bans in force in R
  unban --room R --user U              lifts U's ban (and kick cool-down) in R
  audit --room R [--limit N]           R's latest audit log entries, newest first

Options:
  -h, --help                           this text`;

/** Where the command line writes: lines for people (stdout) and problems (stderr). */
export interface CliOutput {
  out(line: string): void;
  err(line: string): void;
}

/** Bad input: the message is shown with a pointer to --help, and the exit code is 1. */
class UsageError extends Error {}

interface Command {
  name: string;
  room: string;
  user?: string;
  limit: number;
}

/**
 * `pnpm parley …`: the operator's changes to rooms, written to the store with an audit entry
 * (by `operator`) and announced on Redis. Returns the exit code: 0 done (also when there was
 * nothing to change), 1 bad input or a failure.
 */
export async function runCli(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  output: CliOutput,
): Promise<number> {
  let command: Command | 'help';
  let config: AppConfig;
  try {
    command = parseCommand(argv);
    if (command === 'help') {
      output.out(USAGE);
      return 0;
    }
    config = loadConfig(env, false);
  } catch (error) {
    output.err(error instanceof Error ? error.message : String(error));
    if (error instanceof UsageError) {
      output.err('Run with --help for the commands.');
    }
    return 1;
  }
  let store: ChatStore | undefined;
  try {
    store = config.databaseUrl
      ? await PostgresChatStore.connect(config.databaseUrl)
      : new SqliteChatStore(config.databaseFile);
    const result = await execute(store, command);
    for (const line of result.lines) {
      output.out(line);
    }
    if (result.changed && config.redisUrl) {
      await announce(config, command.room).catch((error: unknown) => {
        output.err(
          `Could not tell the nodes through Redis (${String(error)}); they pick the change up from the audit log within seconds.`,
        );
      });
    }
    return result.failed ? 1 : 0;
  } catch (error) {
    output.err(`parley: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    await store?.close();
  }
}

function parseCommand(argv: readonly string[]): Command | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        room: { type: 'string' },
        user: { type: 'string' },
        limit: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (values.help || positionals.length === 0 || positionals[0] === 'help') {
    return 'help';
  }
  const name = positionals.join(' ');
  const needsUser: Record<string, boolean> = {
    'moderators add': true,
    'moderators remove': true,
    'moderators list': false,
    'owner set': true,
    'owner clear': false,
    'bans list': false,
    unban: true,
    audit: false,
  };
  const wantsUser = needsUser[name];
  if (wantsUser === undefined) {
    throw new UsageError(`Unknown command: ${name}`);
  }
  if (values.room === undefined) {
    throw new UsageError(`${name} needs --room`);
  }
  const room = normalizeRoomName(values.room);
  if (values.room.trim() === '' || !isValidRoomName(room)) {
    throw new UsageError(
      `Not a room name: ${JSON.stringify(values.room)} (1-32 of a-z, 0-9, - and _, starting with a letter or digit)`,
    );
  }
  if (!wantsUser && values.user !== undefined) {
    throw new UsageError(`${name} takes no --user`);
  }
  if (wantsUser) {
    const user = values.user?.trim();
    if (user === undefined || user === '') {
      throw new UsageError(`${name} needs --user (a user id in the room)`);
    }
    if (!USER_ID.test(user) || user === OPERATOR) {
      throw new UsageError(`Not a user id: ${JSON.stringify(values.user)}`);
    }
    values.user = user;
  }
  let limit = AUDIT_DEFAULT;
  if (values.limit !== undefined) {
    if (name !== 'audit') {
      throw new UsageError(`${name} takes no --limit`);
    }
    limit = Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > LIST_LIMIT) {
      throw new UsageError(`--limit must be a whole number from 1 to ${LIST_LIMIT}`);
    }
  }
  return { name, room, user: values.user, limit };
}

interface Outcome {
  lines: string[];
  /** Something was written: the nodes are told. */
  changed: boolean;
  failed?: boolean;
}

async function execute(store: ChatStore, command: Command): Promise<Outcome> {
  const { room } = command;
  const user = command.user ?? '';
  const moderation = store.moderation;
  const record = (
    userId: string,
    action: string,
    detail: string | null,
    username?: string | null,
  ) => moderation.audit(operatorEntry(room, userId, action, detail, username ?? null));

  switch (command.name) {
    case 'moderators add': {
      const owner = (await moderation.getRoom(room))?.ownerUserId;
      if (owner === user) {
        return {
          lines: [`${user} owns ${room}; not made a moderator.`],
          changed: false,
          failed: true,
        };
      }
      if (!(await moderation.setModerator(room, user, true))) {
        return { lines: [`${user} is already a moderator of ${room}.`], changed: false };
      }
      await record(user, MemberAction.Role, RoomRole.Moderator);
      return { lines: [`${user} is now a moderator of ${room}.`], changed: true };
    }
    case 'moderators remove': {
      if (!(await moderation.setModerator(room, user, false))) {
        return {
          lines: [`${user} is not a moderator of ${room}; nothing changed.`],
          changed: false,
        };
      }
      await record(user, MemberAction.Role, null);
      return { lines: [`${user} is no longer a moderator of ${room}.`], changed: true };
    }
    case 'moderators list': {
      const [info, moderators] = await Promise.all([
        moderation.getRoom(room),
        moderation.moderators(room),
      ]);
      return {
        lines: [
          `${room}: owner ${info?.ownerUserId ?? '(none)'}; moderators ${
            moderators.length > 0 ? moderators.join(', ') : '(none)'
          }`,
        ],
        changed: false,
      };
    }
    case 'owner set': {
      const previous = (await moderation.getRoom(room))?.ownerUserId ?? null;
      if (previous === user) {
        return { lines: [`${user} already owns ${room}.`], changed: false };
      }
      // As when an owner hands the room on: the new owner's moderator entry goes (the owner is
      // in the room record), the previous owner stays on as a moderator.
      await moderation.setModerator(room, user, false);
      await moderation.setOwner(room, user);
      await record(user, MemberAction.Role, RoomRole.Owner);
      if (previous !== null) {
        await moderation.setModerator(room, previous, true);
        await record(previous, MemberAction.Role, RoomRole.Moderator);
      }
      return {
        lines: [
          `${user} now owns ${room}${previous ? ` (${previous}, the previous owner, is a moderator now)` : ''}.`,
        ],
        changed: true,
      };
    }
    case 'owner clear': {
      const previous = (await moderation.getRoom(room))?.ownerUserId ?? null;
      if (previous === null) {
        return { lines: [`${room} has no owner; nothing changed.`], changed: false };
      }
      await moderation.setOwner(room, null);
      await record(previous, MemberAction.Role, null);
      return {
        lines: [
          `${room} has no owner now (${previous} was); nobody can claim it until \`owner set\`.`,
        ],
        changed: true,
      };
    }
    case 'bans list': {
      const now = Date.now();
      const bans = await moderation.restrictions(room, 'ban', now, LIST_LIMIT);
      if (bans.length === 0) {
        return { lines: [`${room}: no bans.`], changed: false };
      }
      return {
        lines: [
          `${room}: ${bans.length} ban${bans.length === 1 ? '' : 's'}`,
          ...bans.map(
            (ban) =>
              `  ${ban.userId}${ban.username ? ` (${ban.username})` : ''} ${
                ban.until === null ? 'for good' : `until ${new Date(ban.until).toISOString()}`
              }, by ${ban.byUsername} at ${new Date(ban.ts).toISOString()}${
                ban.addressHash ? ', also by address' : ''
              }${ban.reason ? `: ${ban.reason}` : ''}`,
          ),
        ],
        changed: false,
      };
    }
    case 'unban': {
      const now = Date.now();
      const ban = (await moderation.restrictions(room, 'ban', now, LIST_LIMIT)).find(
        (entry) => entry.userId === user,
      );
      const lifted = (
        await Promise.all([moderation.lift(room, 'ban', user), moderation.lift(room, 'kick', user)])
      ).some(Boolean);
      if (!lifted) {
        return { lines: [`${user} is not banned from ${room}; nothing changed.`], changed: false };
      }
      await record(user, MemberAction.Unban, null, ban?.username);
      return { lines: [`${user} may enter ${room} again.`], changed: true };
    }
    case 'audit': {
      const { items, more } = await moderation.auditPage(room, undefined, command.limit);
      if (items.length === 0) {
        return { lines: [`${room}: no audit entries.`], changed: false };
      }
      return {
        lines: [
          ...items.map(
            (entry) =>
              `${new Date(entry.ts).toISOString()} #${entry.id} ${entry.action} by ${entry.byUsername} (${entry.byUserId})${
                entry.userId
                  ? ` on ${entry.userId}${entry.username ? ` (${entry.username})` : ''}`
                  : ''
              }${entry.detail ? ` ${entry.detail}` : ''}${
                entry.until ? ` until ${new Date(entry.until).toISOString()}` : ''
              }${entry.reason ? `: ${entry.reason}` : ''}`,
          ),
          ...(more ? [`(older entries: --limit ${Math.min(command.limit * 2, LIST_LIMIT)})`] : []),
        ],
        changed: false,
      };
    }
    default:
      throw new UsageError(`Unknown command: ${command.name}`);
  }
}

function operatorEntry(
  room: string,
  userId: string,
  action: string,
  detail: string | null,
  username: string | null,
): NewAuditRecord {
  return {
    room,
    ts: Date.now(),
    action,
    byUserId: OPERATOR,
    byUsername: OPERATOR,
    userId,
    username,
    until: null,
    reason: null,
    detail,
  };
}

/** Names the room on the moderation channel, so running nodes reload it now. */
async function announce(config: AppConfig, room: string): Promise<void> {
  const redis = new Redis(config.redisUrl!, {
    lazyConnect: true,
    connectTimeout: 3000,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.publish(`${config.redisKeyPrefix}${MODERATION_CHANNEL}`, room);
  } finally {
    redis.disconnect();
  }
}
