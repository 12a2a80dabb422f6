import { ChatClient } from '../chat.svelte';
import type { OutboxEntry } from '../outbox-storage';
import { FakeSocket } from './fake-socket';

/** A ChatClient for `room` with a fake socket, network and storage; the test plays the server. */
export function chatFixture(
  options: {
    room?: string | null;
    outbox?: OutboxEntry[];
    /** An invite kept for the room (as a link brought it). */
    invite?: string;
    /** The ignore list as stored (JSON). */
    ignored?: string;
  } = {},
) {
  /** What the page keeps in localStorage: the invite and the ignore list. */
  const kept: { invite: string | null; ignored: string | null } = {
    invite: options.invite ?? null,
    ignored: options.ignored ?? null,
  };
  let socket: FakeSocket | undefined;
  const stored = new Map<string, OutboxEntry>(
    (options.outbox ?? []).map((entry) => [entry.clientId, entry]),
  );
  const network = { onLine: true, listeners: new Map<string, () => void>() };
  let session: string | null = null;
  let ids = 0;
  const chat = new ChatClient({
    room: options.room === undefined ? 'lobby' : options.room,
    createSocket: (auth) => {
      socket = new FakeSocket(auth);
      return socket.asChatSocket();
    },
    network: {
      get onLine() {
        return network.onLine;
      },
      addEventListener: (type, listener) => network.listeners.set(type, listener),
    },
    session: { read: () => session, write: (token) => (session = token) },
    outbox: {
      load: () => [...stored.values()],
      save: (entry) => stored.set(entry.clientId, entry),
      remove: (clientId) => stored.delete(clientId),
    },
    newClientId: () => `c${++ids}`,
    invite: {
      read: () => kept.invite,
      write: (invite) => (kept.invite = invite),
      clear: () => (kept.invite = null),
    },
    ignoreStore: { read: () => kept.ignored, write: (value) => (kept.ignored = value) },
    safeAvatar: (url) => (typeof url === 'string' ? url : ''),
    random: () => 0,
  });
  if (!socket) {
    throw new Error('no socket made');
  }
  /** Connects and plays the server's welcome: my name, then the newest page. */
  const join = (messages: unknown[] = [], more: Record<string, unknown> = {}) => {
    chat.connect();
    socket?.open();
    socket?.fire('set_username', {
      username: 'Me',
      avatar: '/avatars/me.svg',
      session: 'token',
      user_id: 'me',
    });
    socket?.fire('history', { messages, has_more: false, ...more });
  };
  return { chat, socket, stored, network, join, kept, session: () => session };
}
