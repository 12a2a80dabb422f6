/**
 * The people I ignore in one room: their messages and typing are hidden for me. Kept in this
 * browser only (localStorage, per room) and never sent to the server, so nobody can learn of it.
 */

/** Someone I ignore: by user id (what hides them), with the name they had (to list them). */
export interface IgnoredPerson {
  userId: string;
  username: string;
}

export interface IgnoreStore {
  read(): string | null;
  write(value: string): void;
}

/** At most this many people per room (a list that long is a bug or an attack on storage). */
const MAX_IGNORED = 500;

function parse(raw: string | null): IgnoredPerson[] {
  if (!raw) {
    return [];
  }
  try {
    const value: unknown = JSON.parse(raw);
    if (!Array.isArray(value)) {
      return [];
    }
    return value
      .filter(
        (entry): entry is IgnoredPerson =>
          typeof entry === 'object' &&
          entry !== null &&
          typeof (entry as IgnoredPerson).userId === 'string' &&
          (entry as IgnoredPerson).userId.length > 0 &&
          typeof (entry as IgnoredPerson).username === 'string',
      )
      .slice(0, MAX_IGNORED);
  } catch {
    return [];
  }
}

export function ignoreKey(room: string): string {
  return `parley.ignored.${room}`;
}

export class IgnoreList {
  /** Oldest first. */
  people = $state.raw<IgnoredPerson[]>([]);
  /** Their user ids, for quick checks while drawing the list. */
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- made anew on each change
  readonly ids = $derived(new Set(this.people.map((person) => person.userId)));
  readonly #store: IgnoreStore;

  constructor(store: IgnoreStore) {
    this.#store = store;
    this.people = parse(store.read());
  }

  has(userId: string): boolean {
    return userId !== '' && this.ids.has(userId);
  }

  ignore(userId: string, username: string): void {
    if (!userId || this.has(userId)) {
      return;
    }
    this.#save([...this.people, { userId, username }].slice(-MAX_IGNORED));
  }

  unignore(userId: string): void {
    if (this.has(userId)) {
      this.#save(this.people.filter((person) => person.userId !== userId));
    }
  }

  /** Someone I ignore changed their name: the list shows the new one. */
  renamed(userId: string, username: string): void {
    if (this.people.some((person) => person.userId === userId && person.username !== username)) {
      this.#save(
        this.people.map((person) => (person.userId === userId ? { userId, username } : person)),
      );
    }
  }

  #save(people: IgnoredPerson[]): void {
    this.people = people;
    this.#store.write(JSON.stringify(people));
  }
}
