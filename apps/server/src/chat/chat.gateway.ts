import { Logger } from '@nestjs/common';
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
  type ClientEventName,
  ErrorCode,
  loadHistoryPayloadSchema,
  type LoadHistoryAck,
  parsePayload,
  sendMessagePayloadSchema,
  type SendMessageAck,
  ServerEvent,
  updateUsernamePayloadSchema,
  type UpdateUsernameAck,
} from '@parley/protocol';

import { MessagesService } from '../messages/messages.service.js';
import { SessionsService } from '../sessions/sessions.service.js';
import { publicUserId } from '../users/public-user-id.js';
import { UsersService } from '../users/users.service.js';
import type { AckCallback, ChatServer, ChatSocket } from './chat.types.js';

/**
 * The Socket.IO edge of the chat: identifies sockets, parses what clients send with the
 * protocol's schemas, delegates the decisions to services, and relays the outcome.
 * No chat rules live here.
 */
@WebSocketGateway()
export class ChatGateway implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect {
  private readonly logger = new Logger(ChatGateway.name);

  @WebSocketServer()
  private readonly server!: ChatServer;

  constructor(
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly messages: MessagesService,
  ) {}

  afterInit(server: ChatServer): void {
    // Identify before the connection is accepted, so no request can arrive from a socket without
    // an identity. Recovered sockets skip this (their `socket.data` is restored).
    server.use((socket, next) => {
      this.sessions.handshake(socket.handshake.auth).then(
        ({ identity, token, resumeAfter }) => {
          Object.assign(socket.data, identity, { sessionToken: token, resumeAfter });
          next();
        },
        (error: unknown) => {
          this.logger.error('Handshake failed', error instanceof Error ? error.stack : error);
          next(new Error(ErrorCode.Internal));
        },
      );
    });
    this.users.onWentOffline(({ sessionId, username }) => {
      this.server.emit(ServerEvent.UserLeft, { username });
      this.sessions.touch(sessionId).catch((error: unknown) => this.logFailure('touch', error));
    });
  }

  handleConnection(socket: ChatSocket): void {
    const { sessionToken, resumeAfter } = socket.data;
    socket.data.sessionToken = undefined;
    socket.data.resumeAfter = undefined;
    const { user, cameOnline, nameChanged } = this.users.attach(socket.id, socket.data);
    const { username, avatar } = user;
    socket.data.username = username;
    if (nameChanged) {
      this.sessions.saveIdentity(user).catch((error: unknown) => this.logFailure('save', error));
    }
    // The seed's order: everyone (the newcomer too) hears of the join, then the newcomer its name.
    if (cameOnline) {
      this.server.emit(ServerEvent.UserJoined, { username, avatar });
    }
    if (socket.recovered) {
      // Connection state recovery replayed what this socket missed; the client kept its state.
      return;
    }
    socket.emit(ServerEvent.SetUsername, {
      username,
      avatar,
      session: sessionToken,
      user_id: publicUserId(user.sessionId),
    });
    this.sendHistory(socket, resumeAfter).catch((error: unknown) => {
      this.logFailure('history', error);
    });
  }

  handleDisconnect(socket: ChatSocket): void {
    // `user_left` follows only if no socket of the session is back within the grace period.
    this.users.detach(socket.id);
  }

  @SubscribeMessage(ClientEvent.SendMessage)
  async sendMessage(
    @ConnectedSocket() socket: ChatSocket,
    @MessageBody() body: unknown,
    @Ack() ack: AckCallback<SendMessageAck>,
  ): Promise<void> {
    await this.handle(socket, ClientEvent.SendMessage, ack, async (): Promise<SendMessageAck> => {
      const parsed = parsePayload(sendMessagePayloadSchema, body);
      if (!parsed.ok) {
        return parsed;
      }
      const author = this.users.get(socket.id);
      if (!author) {
        return ackError(ErrorCode.Internal);
      }
      const { message, duplicate } = await this.messages.post(
        author,
        parsed.data.message,
        parsed.data.client_id,
      );
      if (!duplicate) {
        this.server.emit(ServerEvent.NewMessage, message);
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
    await this.handle(
      socket,
      ClientEvent.UpdateUsername,
      ack,
      async (): Promise<UpdateUsernameAck> => {
        const parsed = parsePayload(updateUsernamePayloadSchema, body);
        if (!parsed.ok) {
          return parsed;
        }
        const result = this.users.rename(socket.id, parsed.data.username);
        if (!result.ok) {
          return result;
        }
        const { user, oldUsername, changed } = result;
        if (changed) {
          // Every tab of the session follows the new name.
          for (const socketId of user.sockets) {
            const tab = this.server.sockets.sockets.get(socketId);
            if (tab) {
              tab.data.username = user.username;
            }
          }
          this.server.emit(ServerEvent.UsernameUpdated, {
            old_username: oldUsername,
            new_username: user.username,
            avatar: user.avatar,
          });
          await this.sessions.saveIdentity(user);
        }
        return { ok: true, username: user.username };
      },
    );
  }

  @SubscribeMessage(ClientEvent.LoadHistory)
  async loadHistory(
    @ConnectedSocket() socket: ChatSocket,
    @MessageBody() body: unknown,
    @Ack() ack: AckCallback<LoadHistoryAck>,
  ): Promise<void> {
    await this.handle(socket, ClientEvent.LoadHistory, ack, async (): Promise<LoadHistoryAck> => {
      const parsed = parsePayload(loadHistoryPayloadSchema, body);
      if (!parsed.ok) {
        return parsed;
      }
      const page = await this.messages.before(parsed.data.before, parsed.data.limit);
      return { ok: true, messages: page.messages, has_more: page.hasMore };
    });
  }

  /** The newest messages, or exactly those missed since `resumeAfter`. */
  private async sendHistory(socket: ChatSocket, resumeAfter: number | undefined): Promise<void> {
    const page =
      resumeAfter === undefined
        ? await this.messages.latest()
        : await this.messages.since(resumeAfter);
    socket.emit(ServerEvent.History, {
      messages: page.messages,
      has_more: page.hasMore,
      ...(page.truncated ? { truncated: true } : {}),
    });
  }

  /**
   * Runs a request and answers it: through the ack when the client passed one, otherwise (the
   * seed's clients never do) a refusal goes to that client alone as `request_refused`.
   * An unexpected failure is logged and reported as `internal_error`, never as a stack trace.
   */
  private async handle<T extends { ok: true }>(
    socket: ChatSocket,
    event: ClientEventName,
    ack: AckCallback<T | AckError>,
    run: () => Promise<T | AckError>,
  ): Promise<void> {
    let response: T | AckError;
    try {
      response = await run();
    } catch (error) {
      this.logFailure(event, error);
      response = ackError(ErrorCode.Internal);
    }
    if (typeof ack === 'function') {
      ack(response);
    } else if (!response.ok) {
      socket.emit(ServerEvent.RequestRefused, {
        event,
        error: response.error,
        message: response.message,
      });
    }
  }

  private logFailure(what: string, error: unknown): void {
    this.logger.error(`${what} failed`, error instanceof Error ? error.stack : error);
  }
}
