/** Socket.IO rooms ("channels") the chat puts sockets in, named in one place. */

/** Every socket in a chat room. */
export const roomChannel = (room: string) => `room:${room}`;

/** The sockets of a chat room whose clients understand `presence_changed`. */
export const batchChannel = (room: string) => `batch:${room}`;

/**
 * The other sockets of a chat room: clients that know only the tutorial's presence events
 * (`user_joined` / `user_left` for every person), as any Socket.IO client of the original does.
 * Its string is the one earlier releases use, so the nodes of a cluster agree during an upgrade.
 */
export const tutorialPresenceChannel = (room: string) => `seed:${room}`;

/** Every socket (tab) of one session, so events about a person can skip that person's own tabs. */
export const sessionChannel = (sessionId: string) => `session:${sessionId}`;

/** The sockets of a room's owner and moderators: where reports go. */
export const moderatorsChannel = (room: string) => `mods:${room}`;
