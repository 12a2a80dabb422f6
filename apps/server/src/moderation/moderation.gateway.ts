import { Injectable } from '@nestjs/common';
import {
  ackError,
  type AckError,
  claimOwnershipPayloadSchema,
  ClientEvent,
  type ClaimOwnershipAck,
  ErrorCode,
  type ListAuditAck,
  type ListBansAck,
  type ListReportsAck,
  MemberAction,
  type ModerateAck,
  moderatePayloadSchema,
  pageBackPayloadSchema,
  parsePayload,
  type RecoveryCodeAck,
  type ReportMessageAck,
  reportMessagePayloadSchema,
  type ResolveReportAck,
  resolveReportPayloadSchema,
  type RoomInviteAck,
  roomInvitePayloadSchema,
  ServerEvent,
  type SetRoleAck,
  setRolePayloadSchema,
  type UpdateRoomAck,
  updateRoomPayloadSchema,
} from '@parley/protocol';

import { moderatorsChannel, roomChannel } from '../chat/channels.js';
import type { AckCallback, ChatServer, ChatSocket } from '../chat/chat.types.js';
import { RequestRunner } from '../chat/request-runner.js';
import { type Emission, sendEmissions } from '../presence/emission.js';
import type { LimitedAction } from '../security/rate-limits.service.js';
import { ClusterPresenceService } from '../cluster/cluster-presence.service.js';
import { UsersService } from '../users/users.service.js';
import { MemberActionsService } from './member-actions.service.js';
import { ModerationRelay } from './moderation-relay.service.js';
import { type Actor, ModerationService } from './moderation.service.js';
import { ReportsService } from './reports.service.js';

/** What a node does to a person's tabs in a room when told (by itself or another node). */
type TabAction = 'disconnect' | 'join' | 'leave';
const ACT = 'moderation:act';
const ADDRESSES = 'moderation:addresses';
/** How long a node waits for the others' address hashes before banning with what it has. */
const NODE_REPLY_MS = 2000;

/** The server-side events between nodes (typed here: the protocol's maps are client ↔ server). */
interface NodeEvents {
  on(event: typeof ACT, listener: (op: TabAction, room: string, userId: string) => void): void;
  on(
    event: typeof ADDRESSES,
    listener: (room: string, userId: string, reply: (hashes: string[]) => void) => void,
  ): void;
  serverSideEmit(event: typeof ACT, op: TabAction, room: string, userId: string): void;
  serverSideEmitWithAck(event: typeof ADDRESSES, room: string, userId: string): Promise<string[][]>;
}

/**
 * The Socket.IO edge of moderation: parses the requests of owners, moderators and reporters,
 * hands them to the services, and carries out on sockets what they decided (the relay's outlet:
 * broadcasts, disconnects, the moderators' channel), across the cluster through the adapter.
 */
@Injectable()
export class ModerationGateway {
  /**
   * The handler of each moderation event. They are reached through one shared `onAny` listener
   * per socket rather than Nest's per-event binding: a second Nest gateway with these 11 events
   * cost about 1.8 KB of every idle connection (bench B, heap after GC), this about 40 bytes.
   */
  private readonly handlers = new Map<
    string,
    (socket: ChatSocket, body: unknown, ack: never) => Promise<void>
  >([
    [ClientEvent.Moderate, (socket, body, ack) => this.moderate(socket, body, ack)],
    [ClientEvent.SetRole, (socket, body, ack) => this.setRole(socket, body, ack)],
    [ClientEvent.UpdateRoom, (socket, body, ack) => this.updateRoom(socket, body, ack)],
    [ClientEvent.RoomInvite, (socket, body, ack) => this.roomInvite(socket, body, ack)],
    [ClientEvent.RecoveryCode, (socket, body, ack) => this.recoveryCode(socket, body, ack)],
    [ClientEvent.ClaimOwnership, (socket, body, ack) => this.claimOwnership(socket, body, ack)],
    [ClientEvent.ReportMessage, (socket, body, ack) => this.reportMessage(socket, body, ack)],
    [ClientEvent.ListReports, (socket, body, ack) => this.listReports(socket, body, ack)],
    [ClientEvent.ResolveReport, (socket, body, ack) => this.resolveReport(socket, body, ack)],
    [ClientEvent.ListAudit, (socket, body, ack) => this.listAudit(socket, body, ack)],
    [ClientEvent.ListBans, (socket, body, ack) => this.listBans(socket, body, ack)],
  ]);

  private readonly listener = (() => {
    const handlers = this.handlers;
    return function (this: ChatSocket, event: unknown, ...args: unknown[]): void {
      const handler = typeof event === 'string' ? handlers.get(event) : undefined;
      if (!handler) {
        return;
      }
      // The tutorial's clients send no ack: the last argument is a function only when one was asked.
      const last = args.at(-1);
      const ack = typeof last === 'function' ? last : undefined;
      void handler(this, args[0], ack as never);
    };
  })();

  /** Listens for the moderation events on a new socket (called by the chat gateway). */
  attach(socket: ChatSocket): void {
    socket.onAny(this.listener);
  }

  constructor(
    private readonly runner: RequestRunner,
    private readonly users: UsersService,
    private readonly moderation: ModerationService,
    private readonly members: MemberActionsService,
    private readonly reports: ReportsService,
    private readonly relay: ModerationRelay,
    private readonly cluster: ClusterPresenceService,
  ) {}

  /** Binds the relay's outlet to the server (called by the chat gateway once it is up). */
  afterInit(server: ChatServer): void {
    // A person's tabs are found through who is online on each node (no channel per person: one
    // more Socket.IO room per connection cost about 0.5 KB of every idle connection); other nodes
    // are asked with server-side events.
    const tabs = (room: string, userId: string): ChatSocket[] =>
      (this.users.findByUserId(room, userId)?.sockets ?? []).flatMap(
        (id) => server.sockets.sockets.get(id) ?? [],
      );
    const act = (op: TabAction, room: string, userId: string) => {
      for (const socket of tabs(room, userId)) {
        if (op === 'disconnect') {
          socket.disconnect(true);
        } else if (op === 'join') {
          void socket.join(moderatorsChannel(room));
        } else {
          void socket.leave(moderatorsChannel(room));
        }
      }
    };
    const nodes = server as unknown as NodeEvents;
    nodes.on(ACT, act);
    nodes.on(ADDRESSES, (room, userId, reply) =>
      reply(tabs(room, userId).flatMap((socket) => socket.data.address ?? [])),
    );
    const everywhere = (op: TabAction, room: string, userId: string) => {
      act(op, room, userId);
      if (this.cluster.enabled) {
        nodes.serverSideEmit(ACT, op, room, userId);
      }
    };
    this.relay.bind({
      emit: (emissions) => sendEmissions(server, emissions),
      emitLocal: (emissions) => sendEmissions(server.local, emissions),
      addressHashes: async (room, userId) => {
        const here = tabs(room, userId).flatMap((socket) => socket.data.address ?? []);
        if (!this.cluster.enabled) {
          return here;
        }
        const there = await Promise.race([
          nodes.serverSideEmitWithAck(ADDRESSES, room, userId).catch(() => []),
          new Promise<string[][]>((resolve) => setTimeout(() => resolve([]), NODE_REPLY_MS)),
        ]);
        return [...here, ...there.flat()];
      },
      disconnect: (room, userId) => everywhere('disconnect', room, userId),
      moderatorChannel: (room, userId, join, local = false) =>
        local
          ? act(join ? 'join' : 'leave', room, userId)
          : everywhere(join ? 'join' : 'leave', room, userId),
    });
  }

  private async moderate(
    socket: ChatSocket,
    body: unknown,
    ack: AckCallback<ModerateAck>,
  ): Promise<void> {
    await this.run(socket, ClientEvent.Moderate, ack, 'moderate', async (actor) => {
      const parsed = parsePayload(moderatePayloadSchema, body);
      return parsed.ok ? this.members.moderate(actor, parsed.data) : parsed;
    });
  }

  private async setRole(
    socket: ChatSocket,
    body: unknown,
    ack: AckCallback<SetRoleAck>,
  ): Promise<void> {
    await this.run(socket, ClientEvent.SetRole, ack, 'moderate', async (actor) => {
      const parsed = parsePayload(setRolePayloadSchema, body);
      return parsed.ok
        ? this.members.setRole(actor, parsed.data.user_id, parsed.data.role)
        : parsed;
    });
  }

  private async updateRoom(
    socket: ChatSocket,
    body: unknown,
    ack: AckCallback<UpdateRoomAck>,
  ): Promise<void> {
    await this.run(socket, ClientEvent.UpdateRoom, ack, 'moderate', async (actor) => {
      const parsed = parsePayload(updateRoomPayloadSchema, body);
      return parsed.ok ? this.moderation.updateRoom(actor, parsed.data) : parsed;
    });
  }

  private async roomInvite(
    socket: ChatSocket,
    body: unknown,
    ack: AckCallback<RoomInviteAck>,
  ): Promise<void> {
    await this.run(socket, ClientEvent.RoomInvite, ack, 'moderate', async (actor) => {
      const parsed = parsePayload(roomInvitePayloadSchema, body ?? {});
      return parsed.ok ? this.moderation.invite(actor, parsed.data.rotate === true) : parsed;
    });
  }

  private async recoveryCode(
    socket: ChatSocket,
    body: unknown,
    ack: AckCallback<RecoveryCodeAck>,
  ): Promise<void> {
    await this.run(socket, ClientEvent.RecoveryCode, ack, 'moderate', async (actor) => {
      const parsed = parsePayload(pageBackPayloadSchema, body ?? {});
      return parsed.ok ? this.moderation.recoveryCode(actor) : parsed;
    });
  }

  private async claimOwnership(
    socket: ChatSocket,
    body: unknown,
    ack: AckCallback<ClaimOwnershipAck>,
  ): Promise<void> {
    // Limited like a report (ten a minute): codes are 128 random bits, but guessing costs nothing.
    await this.run(socket, ClientEvent.ClaimOwnership, ack, 'report', async (actor) => {
      const parsed = parsePayload(claimOwnershipPayloadSchema, body);
      if (!parsed.ok) {
        return parsed;
      }
      const claimed = await this.moderation.claimOwnership(actor, parsed.data.code);
      if (!claimed.ok) {
        return claimed;
      }
      const by = { by: actor.userId, by_username: actor.username };
      const emissions: Emission[] = [];
      if (claimed.previousOwner !== null && claimed.previousOwner !== actor.userId) {
        emissions.push(roleEmission(actor.room, claimed.previousOwner, undefined, by));
        this.relay.moderatorChannel(actor.room, claimed.previousOwner, false);
      }
      emissions.push(roleEmission(actor.room, actor.userId, actor.username, by, 'owner'));
      this.relay.emit(emissions);
      this.relay.moderatorChannel(actor.room, actor.userId, true);
      return { ok: true, role: claimed.role };
    });
  }

  private async reportMessage(
    socket: ChatSocket,
    body: unknown,
    ack: AckCallback<ReportMessageAck>,
  ): Promise<void> {
    await this.run(socket, ClientEvent.ReportMessage, ack, 'report', async (actor) => {
      const parsed = parsePayload(reportMessagePayloadSchema, body);
      return parsed.ok ? this.reports.report(actor, parsed.data.id, parsed.data.reason) : parsed;
    });
  }

  private async listReports(
    socket: ChatSocket,
    body: unknown,
    ack: AckCallback<ListReportsAck>,
  ): Promise<void> {
    await this.run(socket, ClientEvent.ListReports, ack, 'moderate', async (actor) => {
      const parsed = parsePayload(pageBackPayloadSchema, body ?? {});
      return parsed.ok ? this.reports.reports(actor, parsed.data.before) : parsed;
    });
  }

  private async resolveReport(
    socket: ChatSocket,
    body: unknown,
    ack: AckCallback<ResolveReportAck>,
  ): Promise<void> {
    await this.run(socket, ClientEvent.ResolveReport, ack, 'moderate', async (actor) => {
      const parsed = parsePayload(resolveReportPayloadSchema, body);
      return parsed.ok ? this.reports.resolve(actor, parsed.data.report_id) : parsed;
    });
  }

  private async listAudit(
    socket: ChatSocket,
    body: unknown,
    ack: AckCallback<ListAuditAck>,
  ): Promise<void> {
    await this.run(socket, ClientEvent.ListAudit, ack, 'moderate', async (actor) => {
      const parsed = parsePayload(pageBackPayloadSchema, body ?? {});
      return parsed.ok ? this.reports.audit(actor, parsed.data.before) : parsed;
    });
  }

  private async listBans(
    socket: ChatSocket,
    body: unknown,
    ack: AckCallback<ListBansAck>,
  ): Promise<void> {
    await this.run(socket, ClientEvent.ListBans, ack, 'moderate', async (actor) => {
      const parsed = parsePayload(pageBackPayloadSchema, body ?? {});
      return parsed.ok ? this.reports.bans(actor) : parsed;
    });
  }

  /** Runs a request as the person the socket is in its room. */
  private run<T extends { ok: true }>(
    socket: ChatSocket,
    event: Parameters<RequestRunner['handle']>[1],
    ack: AckCallback<T | AckError>,
    action: LimitedAction,
    request: (actor: Actor) => Promise<T | AckError>,
  ): Promise<void> {
    return this.runner.handle(socket, event, ack, action, async () => {
      const member = this.users.get(socket.id);
      return member ? request(member) : ackError(ErrorCode.Internal);
    });
  }
}

function roleEmission(
  room: string,
  userId: string,
  username: string | undefined,
  by: { by: string; by_username: string },
  role?: 'owner' | 'moderator',
): Emission {
  return {
    event: ServerEvent.MemberModerated,
    payload: {
      action: MemberAction.Role,
      user_id: userId,
      ...(username !== undefined ? { username } : {}),
      ...by,
      ...(role ? { role } : {}),
    },
    to: roomChannel(room),
  };
}
