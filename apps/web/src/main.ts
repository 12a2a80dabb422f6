import { roomFromPath } from '@parley/protocol';
import { io } from 'socket.io-client';
import { mount } from 'svelte';

import './app.css';
import App from './App.svelte';
import { ChatClient, SESSION_KEY } from './lib/chat.svelte';
import { loadOutbox, newClientId, removeOutboxEntry, saveOutboxEntry } from './lib/outbox-storage';
import { ignoreKey } from './lib/ignore-list.svelte';
import { inviteKey, takeInviteFromAddress } from './lib/invite-link';
import { readItem, removeItem, writeItem } from './lib/storage';
import { applyTheme, readTheme } from './lib/theme';
import { avatarReader } from './lib/wire';

// Before the first paint: the remembered theme, with no inline script and no flash.
applyTheme(readTheme());

const target = document.getElementById('app');
if (!target) {
  throw new Error('Parley: the #app element is missing from index.html.');
}

const room = roomFromPath(window.location.pathname) ?? null;

// An invite link's secret: kept for the room (reloads still get in), then out of the address bar.
const invited = takeInviteFromAddress(window.location, (url) =>
  window.history.replaceState(window.history.state, '', url),
);
if (room && invited) {
  writeItem(inviteKey(room), invited);
}

/** The page's one chat connection, with the browser's socket, network status and storage. */
const chat = new ChatClient({
  room,
  createSocket: (auth) => io({ autoConnect: false, auth }),
  network: {
    get onLine() {
      return navigator.onLine;
    },
    addEventListener: (type, listener) => window.addEventListener(type, listener),
  },
  session: { read: () => readItem(SESSION_KEY), write: (token) => writeItem(SESSION_KEY, token) },
  outbox: room
    ? {
        load: () => loadOutbox(room),
        save: (entry) => saveOutboxEntry(room, entry),
        remove: (clientId) => removeOutboxEntry(room, clientId),
      }
    : { load: () => [], save: () => undefined, remove: () => undefined },
  newClientId,
  invite: room
    ? {
        read: () => readItem(inviteKey(room)),
        write: (invite) => writeItem(inviteKey(room), invite),
        clear: () => removeItem(inviteKey(room)),
      }
    : undefined,
  ignoreStore: room
    ? { read: () => readItem(ignoreKey(room)), write: (value) => writeItem(ignoreKey(room), value) }
    : undefined,
  safeAvatar: avatarReader(window.location.href),
});

// An invite link opened while this page is already on its room (a same-page fragment change, no
// reload): taken in the same way, and a page kept out by the lock tries again with it.
window.addEventListener('hashchange', () => {
  const invite = takeInviteFromAddress(window.location, (url) =>
    window.history.replaceState(window.history.state, '', url),
  );
  if (room && invite) {
    writeItem(inviteKey(room), invite);
    if (chat.moderation.exclusion?.kind === 'locked') {
      chat.rejoin(invite);
    }
  }
});

const app = mount(App, { target, props: { chat } });

export default app;
