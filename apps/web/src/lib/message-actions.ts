/**
 * What a message's menu offers (MessageMenu draws them): edit and delete for my own, copy for any;
 * replies, reactions, reports and moderator actions join the same list later.
 */
export interface MessageAction {
  /** Also the test id: `message-${id}`. */
  id: string;
  label: string;
  /** An SVG path (24×24 box, stroked). */
  icon: string;
  /** Destroys something: drawn in the danger colour. */
  danger?: boolean;
  run: () => void;
}

export const ICONS = {
  edit: 'M4 20h4L18.5 9.5a2.83 2.83 0 0 0-4-4L4 16v4zM13.5 6.5l4 4',
  delete: 'M5 7h14M10 11v6M14 11v6M6 7l1 13h10l1-13M9 7V4h6v3',
  copy: 'M9 9h10v11H9zM5 15V4h10',
  report: 'M5 21V4h11l-1.5 4L16 12H5',
  person: 'M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8zM4 21a8 8 0 0 1 16 0',
  cleanUp: 'M4 6h16M4 12h10M4 18h6M16 15l5 5M21 15l-5 5',
} as const;

/** What others' messages add: Report for anyone; Delete and clean-up for a moderator above them. */
export interface ModeratorRuns {
  /** The author's member menu (mention, ignore, moderate): the keyboard's way to it. */
  member?: { name: string; run: () => void };
  report?: () => void;
  remove?: () => void;
  cleanUp?: () => void;
}

/**
 * What a shown message's menu offers: Copy text for any; Edit and Delete too when it is mine and
 * stored (`changeable`). Each entry runs the matching handler.
 */
export function messageActions(
  changeable: boolean,
  run: { copy: () => void; edit: () => void; delete: () => void },
  others: ModeratorRuns = {},
): MessageAction[] {
  const actions: MessageAction[] = [
    { id: 'copy', label: 'Copy text', icon: ICONS.copy, run: run.copy },
  ];
  if (changeable) {
    actions.push(
      { id: 'edit', label: 'Edit', icon: ICONS.edit, run: run.edit },
      { id: 'delete', label: 'Delete', icon: ICONS.delete, danger: true, run: run.delete },
    );
  }
  if (others.member) {
    const { name, run: open } = others.member;
    actions.push({ id: 'member', label: `About ${name}…`, icon: ICONS.person, run: open });
  }
  if (others.report) {
    actions.push({ id: 'report', label: 'Report…', icon: ICONS.report, run: others.report });
  }
  if (others.remove) {
    const remove = others.remove;
    actions.push({ id: 'remove', label: 'Delete', icon: ICONS.delete, danger: true, run: remove });
  }
  if (others.cleanUp) {
    actions.push({
      id: 'clean-up',
      label: 'Delete their last messages…',
      icon: ICONS.cleanUp,
      danger: true,
      run: others.cleanUp,
    });
  }
  return actions;
}
