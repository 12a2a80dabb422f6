import { ServerEvent } from '@parley/protocol';

import type { HistoryPage, MessagesService } from '../messages/messages.service.js';
import type { ChatSocket } from './chat.types.js';
import { type ReplyBudget, replayPages } from './reply-budget.js';

/**
 * A newcomer's history: the newest messages, or, on a resume (`resumeAfter`, the last message id
 * the client saw), exactly those it missed and what changed meanwhile (see `sendHistory`).
 */
export async function sendWelcomeHistory(
  socket: ChatSocket,
  messages: MessagesService,
  resumeAfter: number | undefined,
  replies: ReplyBudget,
): Promise<void> {
  const { room } = socket.data;
  const page =
    resumeAfter === undefined
      ? await messages.latest(room)
      : await messages.since(room, resumeAfter);
  await sendHistory(socket, page, resumeAfter !== undefined, replies);
}

/**
 * Sends a newcomer its history: the newest page as one `history` frame, or a resume's replay a
 * page per frame (`more_follows` on all but the last), each once the previous one has left the
 * server (`ReplyBudget.drained`), so a client that stops reading holds at most a page. Then what
 * changed meanwhile in the messages it already had, as the room saw it happen.
 */
export async function sendHistory(
  socket: ChatSocket,
  page: HistoryPage,
  resumed: boolean,
  replies: ReplyBudget,
): Promise<void> {
  const pages = resumed ? replayPages(page.messages) : [page.messages];
  for (const [index, messages] of pages.entries()) {
    if (index > 0 && !(await replies.drained(socket))) {
      return;
    }
    socket.emit(ServerEvent.History, {
      messages,
      has_more: page.hasMore,
      ...(page.truncated ? { truncated: true } : {}),
      ...(index < pages.length - 1 ? { more_follows: true } : {}),
    });
  }
  for (const change of page.changes ?? []) {
    if (change.deleted) {
      socket.emit(
        ServerEvent.MessageDeleted,
        change.removed ? { id: change.id, removed: true } : { id: change.id },
      );
    } else {
      socket.emit(ServerEvent.MessageEdited, {
        id: change.id,
        message: change.message,
        edited_ts: change.editedTs,
        ...(change.mentions.length > 0 ? { mentions: change.mentions } : {}),
      });
    }
  }
}
