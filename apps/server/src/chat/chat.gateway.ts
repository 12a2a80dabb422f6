import { Logger } from '@nestjs/common';
import {
  Ack,
  ConnectedSocket,
  MessageBody,
  type OnGatewayConnection,
  type OnGatewayDisconnect,
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
  parsePayload,
  sendMessagePayloadSchema,
  type SendMessageAck,
  ServerEvent,
  updateUsernamePayloadSchema,
  type UpdateUsernameAck,
} from '@parley/protocol';

import { UsersService } from '../users/users.service.js';
import type { AckCallback, ChatServer, ChatSocket } from './chat.types.js';

/**
 * The Socket.IO edge of the chat: parses what clients send with the protocol's schemas,
 * delegates the decisions to services, and relays the outcome. No chat rules live here.
 */
@WebSocketGateway()
export class ChatGateway implements OnGatewayConnection, OnGatewayDisconnect {
  private readonly logger = new Logger(ChatGateway.name);

  @WebSocketServer()
  private readonly server!: ChatServer;

  constructor(private readonly users: UsersService) {}

  handleConnection(socket: ChatSocket): void {
    const { username, avatar } = this.users.connect(socket.id);
    socket.data.username = username;
    socket.data.avatar = avatar;
    // The seed's order: everyone (the newcomer too) hears of the join, then the newcomer its name.
    this.server.emit(ServerEvent.UserJoined, { username, avatar });
    socket.emit(ServerEvent.SetUsername, { username, avatar });
  }

  handleDisconnect(socket: ChatSocket): void {
    const user = this.users.disconnect(socket.id);
    if (user) {
      this.server.emit(ServerEvent.UserLeft, { username: user.username });
    }
  }

  @SubscribeMessage(ClientEvent.SendMessage)
  sendMessage(
    @ConnectedSocket() socket: ChatSocket,
    @MessageBody() body: unknown,
    @Ack() ack: AckCallback<SendMessageAck>,
  ): void {
    this.handle(socket, ClientEvent.SendMessage, ack, (): SendMessageAck => {
      const parsed = parsePayload(sendMessagePayloadSchema, body);
      if (!parsed.ok) {
        return parsed;
      }
      const author = this.users.get(socket.id);
      if (!author) {
        return ackError(ErrorCode.Internal);
      }
      this.server.emit(ServerEvent.NewMessage, {
        username: author.username,
        avatar: author.avatar,
        message: parsed.data.message,
      });
      return { ok: true };
    });
  }

  @SubscribeMessage(ClientEvent.UpdateUsername)
  updateUsername(
    @ConnectedSocket() socket: ChatSocket,
    @MessageBody() body: unknown,
    @Ack() ack: AckCallback<UpdateUsernameAck>,
  ): void {
    this.handle(socket, ClientEvent.UpdateUsername, ack, (): UpdateUsernameAck => {
      const parsed = parsePayload(updateUsernamePayloadSchema, body);
      if (!parsed.ok) {
        return parsed;
      }
      const result = this.users.rename(socket.id, parsed.data.username);
      if (!result.ok) {
        return result;
      }
      const { user, oldUsername, changed } = result;
      socket.data.username = user.username;
      if (changed) {
        this.server.emit(ServerEvent.UsernameUpdated, {
          old_username: oldUsername,
          new_username: user.username,
          avatar: user.avatar,
        });
      }
      return { ok: true, username: user.username };
    });
  }

  /**
   * Runs a request and answers it: through the ack when the client passed one, otherwise (the
   * seed's clients never do) a refusal goes to that client alone as `request_refused`.
   * An unexpected failure is logged and reported as `internal_error`, never as a stack trace.
   */
  private handle<T extends { ok: true }>(
    socket: ChatSocket,
    event: ClientEventName,
    ack: AckCallback<T | AckError>,
    run: () => T | AckError,
  ): void {
    let response: T | AckError;
    try {
      response = run();
    } catch (error) {
      this.logger.error(`Handling ${event} failed`, error instanceof Error ? error.stack : error);
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
}
