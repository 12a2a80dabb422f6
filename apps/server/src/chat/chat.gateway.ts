import { Inject } from '@nestjs/common';
import {
  Ack,
  ConnectedSocket,
  MessageBody,
  type OnGatewayConnection,
  type OnGatewayDisconnect,
  type OnGatewayInit,
  SubscribeMessage,
  WebSocketGateway,
  WebSocketServer,
} from '@nestjs/websockets';
import {
  ackError,
  type AckError,
  ClientEvent,
  type DeleteMessageAck,
  deleteMessagePayloadSchema,
  type EditMessageAck,
  editMessagePayload,
  type ListRoomsAck,
  listRoomsPayloadSchema,
  ErrorCode,
  type Mentionable,
  type MentionIndex,
  loadHistoryPayloadSchema,
  type LoadHistoryAck,
  parsePayload,
  sendMessagePayload,
  type SendMessageAck,
  ServerEvent,
  updateUsernamePayloadSchema,
  type UpdateUsernameAck,
  typingPayloadSchema,
} from '@parley/protocol';

import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { MessagesService } from '../messages/messages.service.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { type Emission, sendEmissions } from '../presence/emission.js';
import { PresenceService } from '../presence/presence.service.js';
import { MemberActionsService } from '../moderation/member-actions.service.js';
import { ModerationGateway } from '../moderation/moderation.gateway.js';
import { ModerationService } from '../moderation/moderation.service.js';
import { RoomRolesService } from '../moderation/room-roles.service.js';
import { mutedRefusal, RoomStateService } from '../moderation/room-state.service.js';
import { RoomDirectoryService } from '../rooms/room-directory.service.js';
import { clientAddress } from '../security/client-address.js';
import { takeHandshakeVerdict, tooManyConnections } from '../security/handshake-limit.js';
import { RateLimitsService } from '../security/rate-limits.service.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { publicUserId } from '../users/public-user-id.js';
import { type RoomMember, UsersService } from '../users/users.service.js';
import { moderatorsChannel, roomChannel } from './channels.js';
import type { AckCallback, ChatServer, ChatSocket } from './chat.types.js';
import { sendWelcomeHistory } from './history-sender.js';
import { ReplyBudget } from './reply-budget.js';
import { RequestRunner, withoutOk } from './request-runner.js';

/**
 * The Socket.IO edge of the chat: admits sockets, parses what clients send with the protocol's
 * schemas, applies the limits, delegates the decisions to services, and relays the outcome.
 * No chat rules live here.
 */
@WebSocketGateway()
export class ChatGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect {
  private readonly sendMessageSchema;
  private readonly editMessageSchema;
  private readonly replies;

  @WebSocketServer()
  private readonly server!: ChatServer;

  constructor(
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly messages: MessagesService,
    private readonly limits: RateLimitsService,
    private readonly metrics: MetricsService,
    private readonly presence: PresenceService,
    private readonly directory: RoomDirectoryService,
    private readonly runner: RequestRunner,
    private readonly moderation: ModerationService,
    private readonly memberActions: MemberActionsService,
    private readonly roomState: RoomStateService,
    private readonly roles: RoomRolesService,
    private readonly moderationGateway: ModerationGateway,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.sendMessageSchema = sendMessagePayload(config.messageMaxLength);
    this.editMessageSchema = editMessagePayload(config.messageMaxLength);
    this.replies = new ReplyBudget(config.slowClientBufferBytes);
  }

  afterInit(server: ChatServer): void {
    this.moderationGateway.afterInit(server);
    this.presence.bind({
      emit: (emissions) => this.emit(emissions),
      localListeners: (channel) => server.sockets.adapter.rooms.get(channel)?.size ?? 0,
    });
    this.metrics.observe({
      sockets: () => server.engine.clientsCount,
      users: () => this.users.onlineCount(),
    });
    // Admit before the connection is accepted, so no request can arrive from a socket without an
    // identity. Recovered sockets skip this (their `socket.data` is restored).
    server.use((socket, next) => {
      this.admit(socket).then(next, (error: unknown) => {
        this.runner.logFailure('handshake', error);
        next(refusal(ackError(ErrorCode.Internal)));
      });
    });
    this.users.onWentOffline(({ sessionId }) => {
      this.sessions
        .touch(sessionId)
        .catch((error: unknown) => this.runner.logFailure('touch', error));
    });
  }

  handleConnection(socket: ChatSocket): void {
    const { sessionToken, resumeAfter } = socket.data;
    socket.data.sessionToken = undefined;
    socket.data.resumeAfter = undefined;
    const { room } = socket.data;
    const { user, channels, nameChanged, emissions } = this.presence.arrive(
      socket.id,
      room,
      socket.data,
      socket.data.presenceBatch === true,
    );
    const { username, avatar, userId } = user;
    const role = this.roles.roleOf(room, userId);
    void socket.join(role ? [...channels, moderatorsChannel(room)] : channels);
    this.moderationGateway.attach(socket);
    socket.data.username = username;
    if (nameChanged) {
      this.sessions
        .saveIdentity(user)
        .catch((error: unknown) => this.runner.logFailure('save', error));
    }
    // The tutorial's order: the join (decided by the presence service), then the newcomer its name.
    this.emit(emissions);
    if (socket.recovered) {
      // Connection state recovery replayed what this socket missed; the client kept its state.
      return;
    }
    socket.emit(ServerEvent.SetUsername, {
      username,
      avatar,
      session: sessionToken,
      user_id: userId,
      room,
      limits: { message_max_length: this.config.messageMaxLength },
      ...(role ? { role } : {}),
    });
    const settings = this.roomState.settings(room);
    if (settings.topic !== '' || settings.slow_mode_s > 0 || settings.locked) {
      socket.emit(ServerEvent.RoomUpdated, settings);
    }
    this.sendWelcome(socket, user, resumeAfter).catch((error: unknown) => {
      this.runner.logFailure('welcome', error);
    });
  }

  /** Who is online (the whole cluster's view when there is one), then the history. */
  private async sendWelcome(
    socket: ChatSocket,
    user: RoomMember,
    resumeAfter: number | undefined,
  ): Promise<void> {
    socket.emit(ServerEvent.UserList, await this.presence.userList(user));
    await sendWelcomeHistory(socket, this.messages, resumeAfter, this.replies);
  }

  handleDisconnect(socket: ChatSocket): void {
    const member = this.users.get(socket.id);
    if (member && socket.data.address !== undefined) {
      this.moderation.rememberAddress(member.room, member.userId, socket.data.address);
    }
    this.presence.depart(socket.id);
  }

  @SubscribeMessage(ClientEvent.SendMessage)
  async sendMessage(
    @ConnectedSocket() socket: ChatSocket,
    @MessageBody() body: unknown,
    @Ack() ack: AckCallback<SendMessageAck>,
  ): Promise<void> {
    await this.runner.handle(socket, ClientEvent.SendMessage, ack, 'message', async () => {
      const parsed = parsePayload(this.sendMessageSchema, body);
      if (!parsed.ok) {
        return parsed;
      }
      const author = this.users.get(socket.id);
      if (!author) {
        return ackError(ErrorCode.Internal);
      }
      const check = this.roomState.mayPost(author.room, author.userId);
      const refused = check instanceof Promise ? await check : check;
      if (refused) {
        return refused;
      }
      const { message, duplicate } = await this.messages.post(
        author,
        parsed.data.message,
        parsed.data.client_id,
        await this.mentionable(author.room, parsed.data.message),
      );
      if (!duplicate) {
        const channel = roomChannel(author.room);
        this.server.to(channel).emit(ServerEvent.NewMessage, message);
        this.metrics.messagesIn.inc();
        this.metrics.deliveriesOut.inc(this.server.sockets.adapter.rooms.get(channel)?.size ?? 0);
        // Sending ends typing, without waiting for the client to say so.
        this.relayTyping(socket, false);
      }
      return { ok: true, id: message.id, ts: message.ts };
    });
  }

  @SubscribeMessage(ClientEvent.UpdateUsername)
  async updateUsername(
    @ConnectedSocket() socket: ChatSocket,
    @MessageBody() body: unknown,
    @Ack() ack: AckCallback<UpdateUsernameAck>,
  ): Promise<void> {
    await this.runner.handle(socket, ClientEvent.UpdateUsername, ack, 'rename', async () => {
      const parsed = parsePayload(updateUsernamePayloadSchema, body);
      if (!parsed.ok) {
        return parsed;
      }
      const renamed = await this.presence.rename(socket.id, parsed.data.username);
      if (!renamed.ok) {
        return renamed;
      }
      const { user, changed, tabs, emissions } = renamed;
      if (changed) {
        for (const socketId of tabs) {
          const tab = this.server.sockets.sockets.get(socketId);
          if (tab) {
            tab.data.username = user.username;
          }
        }
        this.emit(emissions);
        await Promise.all([this.sessions.saveIdentity(user), this.presence.publish(user)]);
      }
      return { ok: true, username: user.username };
    });
  }

  @SubscribeMessage(ClientEvent.LoadHistory)
  async loadHistory(
    @ConnectedSocket() socket: ChatSocket,
    @MessageBody() body: unknown,
    @Ack() ack: AckCallback<LoadHistoryAck>,
  ): Promise<void> {
    // Held from before the page is read until its ack is written (see ReplyBudget).
    let claimed = false;
    await this.runner
      .handle(socket, ClientEvent.LoadHistory, ack, 'history', async () => {
        const parsed = parsePayload(loadHistoryPayloadSchema, body);
        if (!parsed.ok) {
          return parsed;
        }
        const busy = this.replies.claim(socket);
        if (busy) {
          return busy;
        }
        claimed = true;
        const page = await this.messages.before(
          socket.data.room,
          parsed.data.before,
          parsed.data.limit,
        );
        return { ok: true, messages: page.messages, has_more: page.hasMore };
      })
      .finally(() => claimed && this.replies.release(socket));
  }

  /** The rooms people are in now, most first, but the asker's own; only the asker hears. */
  @SubscribeMessage(ClientEvent.ListRooms)
  async listRooms(
    @ConnectedSocket() socket: ChatSocket,
    @MessageBody() body: unknown,
    @Ack() ack: AckCallback<ListRoomsAck>,
  ): Promise<void> {
    await this.runner.handle(socket, ClientEvent.ListRooms, ack, 'rooms', async () => {
      // `emit('list_rooms', ack)` carries no payload: the same as `{}`.
      const parsed = parsePayload(listRoomsPayloadSchema, body === undefined ? {} : body);
      if (!parsed.ok) {
        return parsed;
      }
      return { ok: true, rooms: await this.directory.list(socket.data.room, parsed.data.limit) };
    });
  }

  /**
   * Typing indicator: fire and forget (clients send it volatile). Relayed, throttled, to everyone
   * but the typist's own tabs; malformed payloads are dropped (refused when an ack was asked). A
   * typist over its rate is refused the same way and collects strikes like any flooder.
   */
  @SubscribeMessage(ClientEvent.Typing)
  async typing(
    @ConnectedSocket() socket: ChatSocket,
    @MessageBody() body: unknown,
    @Ack() ack: AckCallback<AckError>,
  ): Promise<void> {
    const parsed = parsePayload(typingPayloadSchema, body);
    if (!parsed.ok) {
      ack?.(parsed);
      return;
    }
    const limited = await this.runner.limit(socket, 'typing');
    // A muted person's typing would announce messages that cannot come.
    const muted =
      this.roomState.mutedUntil(socket.data.room, this.users.get(socket.id)?.userId ?? '') !==
      undefined;
    this.relayTyping(socket, parsed.data.is_typing, limited !== undefined || muted);
    if (limited) {
      this.metrics.refusals.inc({ code: limited.error });
      ack?.(limited);
      await this.runner.strike(socket);
    }
  }

  private relayTyping(socket: ChatSocket, isTyping: boolean, overLimit = false): void {
    const relay = this.presence.typing(socket.id, isTyping, overLimit);
    if (relay) {
      this.emit([relay]);
    }
  }

  /**
   * Sends what a service decided. Not volatile: typing is throttled already, and a lost "stopped"
   * or `user_left` would leave a ghost.
   */
  private emit(emissions: readonly Emission[]): void {
    sendEmissions(this.server, emissions);
  }

  @SubscribeMessage(ClientEvent.EditMessage)
  async editMessage(
    @ConnectedSocket() socket: ChatSocket,
    @MessageBody() body: unknown,
    @Ack() ack: AckCallback<EditMessageAck>,
  ): Promise<void> {
    await this.runner.handle(socket, ClientEvent.EditMessage, ack, 'message', async () => {
      const parsed = parsePayload(this.editMessageSchema, body);
      if (!parsed.ok) {
        return parsed;
      }
      const author = this.users.get(socket.id);
      if (!author) {
        return ackError(ErrorCode.Internal);
      }
      const mutedUntil = this.roomState.mutedUntil(author.room, author.userId);
      if (mutedUntil !== undefined) {
        return mutedRefusal(mutedUntil);
      }
      const { id, message } = parsed.data;
      const edited = await this.messages.edit(
        author,
        id,
        message,
        await this.mentionable(author.room, message),
      );
      if (!edited.ok) {
        return edited;
      }
      this.server.to(roomChannel(author.room)).emit(ServerEvent.MessageEdited, {
        id,
        message: edited.message,
        edited_ts: edited.editedTs,
        ...(edited.mentions.length > 0 ? { mentions: edited.mentions } : {}),
      });
      return { ok: true, id, edited_ts: edited.editedTs };
    });
  }

  @SubscribeMessage(ClientEvent.DeleteMessage)
  async deleteMessage(
    @ConnectedSocket() socket: ChatSocket,
    @MessageBody() body: unknown,
    @Ack() ack: AckCallback<DeleteMessageAck>,
  ): Promise<void> {
    await this.runner.handle(socket, ClientEvent.DeleteMessage, ack, 'message', async () => {
      const parsed = parsePayload(deleteMessagePayloadSchema, body);
      if (!parsed.ok) {
        return parsed;
      }
      const author = this.users.get(socket.id);
      if (!author) {
        return ackError(ErrorCode.Internal);
      }
      const deleted = await this.memberActions.deleteMessage(author, parsed.data.id);
      if (!deleted.ok) {
        return deleted;
      }
      this.server
        .to(roomChannel(author.room))
        .emit(
          ServerEvent.MessageDeleted,
          deleted.removed ? { id: deleted.id, removed: true } : { id: deleted.id },
        );
      return { ok: true, id: deleted.id };
    });
  }

  /**
   * Who `text` could mention in `room`: the people online there (on any node), if it has an @,
   * their names keyed once per change of the room (see `PresenceService.mentionable`).
   */
  private async mentionable(
    room: string,
    text: string,
  ): Promise<readonly Mentionable[] | MentionIndex> {
    return text.includes('@') ? this.presence.mentionable(room) : [];
  }

  /** Connection limit per address, then the session: restored from its token, or a new one. */
  private async admit(socket: ChatSocket): Promise<Error | undefined> {
    const { handshake } = socket;
    const address = clientAddress(handshake.address, handshake.headers, this.config.trustProxy);
    // Counted at the Engine.IO handshake already, unless this is another connect on it.
    const verdict =
      takeHandshakeVerdict(socket.conn.request) ?? (await this.limits.connect(address));
    if (!verdict.ok) {
      return refusal(
        ackError(
          ErrorCode.RateLimited,
          tooManyConnections(verdict.retryAfterMs),
          verdict.retryAfterMs,
        ),
      );
    }
    const admitted = await this.sessions.handshake(handshake.auth);
    if (!admitted.ok) {
      return refusal(admitted);
    }
    const { identity, room, token, resumeAfter, presenceBatch, invite } = admitted;
    const userId = publicUserId(identity.sessionId, room);
    const entered = await this.moderation.admit({ room, userId, address, invite });
    if (!entered.ok) {
      return refusal(entered);
    }
    Object.assign(socket.data, identity, {
      room,
      sessionToken: token,
      resumeAfter,
      // Per-address limits and address bans key on the keyed hash (an IPv6 client's /64).
      address: entered.addressHash,
      presenceBatch,
    });
    return undefined;
  }
}

/**
 * A handshake refusal as Socket.IO clients receive it: `connect_error` with `err.message` the code
 * and `err.data` the whole refusal (readable message, `retry_after`).
 */
function refusal(error: AckError): Error {
  return Object.assign(new Error(error.error), { data: withoutOk(error) });
}
