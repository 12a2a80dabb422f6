import { Inject, Injectable } from '@nestjs/common';
import {
  ackError,
  type AckError,
  type AuditEntry,
  AUDIT_PAGE_SIZE,
  type Ban,
  ErrorCode,
  type Report,
  REPORTS_PAGE_SIZE,
  ServerEvent,
} from '@parley/protocol';

import { moderatorsChannel } from '../chat/channels.js';
import { CHAT_STORE } from '../storage/storage.module.js';
import type { ChatStore } from '../storage/chat-store.js';
import type { AuditRecord, ReportRecord, Restriction } from '../storage/moderation-store.js';
import { publicUserId } from '../users/public-user-id.js';
import { ModerationRelay } from './moderation-relay.service.js';
import { type Actor, ModerationService } from './moderation.service.js';

/** How much of a reported message the report keeps (moderators see the message itself too). */
const REPORT_EXCERPT_LENGTH = 280;
/** Most bans one list names. */
const BANS_LISTED = 500;

/**
 * What people tell moderators and what moderators look back on: reports of messages (to the
 * moderators present at once, kept for those who come later), the audit log, the ban list.
 */
@Injectable()
export class ReportsService {
  constructor(
    @Inject(CHAT_STORE) private readonly store: ChatStore,
    private readonly moderation: ModerationService,
    private readonly relay: ModerationRelay,
  ) {}

  /** Anyone reports a message of its room (not its own); a repeat returns the first report. */
  async report(
    actor: Actor,
    id: number,
    reason: string | undefined,
    now = Date.now(),
  ): Promise<{ ok: true; report_id: number } | AckError> {
    const { room } = actor;
    const message = await this.store.getMessage(room, id);
    if (!message || message.deleted) {
      return ackError(ErrorCode.MessageNotFound);
    }
    const authorUserId = publicUserId(message.sessionId, room);
    if (authorUserId === actor.userId) {
      return ackError(ErrorCode.NotAllowed, 'You cannot report your own message.');
    }
    const record: Omit<ReportRecord, 'id'> = {
      room,
      messageId: id,
      message: [...message.message].slice(0, REPORT_EXCERPT_LENGTH).join(''),
      authorUserId,
      authorUsername: message.username,
      reporterUserId: actor.userId,
      reporterUsername: actor.username,
      reason: reason || null,
      ts: now,
    };
    const filed = await this.store.moderation.report(record);
    if (!filed.duplicate) {
      this.relay.emit([
        {
          event: ServerEvent.MessageReported,
          payload: toWireReport({ ...record, id: filed.id }),
          to: moderatorsChannel(room),
        },
      ]);
    }
    return { ok: true, report_id: filed.id };
  }

  async reports(
    actor: Actor,
    before: number | undefined,
  ): Promise<{ ok: true; reports: Report[]; has_more: boolean } | AckError> {
    const refused = await this.moderation.requireRole(actor, 'moderator');
    if (refused) {
      return refused;
    }
    const page = await this.store.moderation.openReports(actor.room, before, REPORTS_PAGE_SIZE);
    return { ok: true, reports: page.items.map(toWireReport), has_more: page.more };
  }

  async resolve(
    actor: Actor,
    reportId: number,
    now = Date.now(),
  ): Promise<{ ok: true; report_id: number } | AckError> {
    const refused = await this.moderation.requireRole(actor, 'moderator');
    if (refused) {
      return refused;
    }
    if (!(await this.store.moderation.resolveReport(actor.room, reportId, actor.userId, now))) {
      return ackError(ErrorCode.ReportNotFound);
    }
    this.relay.emit([
      {
        event: ServerEvent.ReportResolved,
        payload: { report_id: reportId },
        to: moderatorsChannel(actor.room),
      },
    ]);
    return { ok: true, report_id: reportId };
  }

  async audit(
    actor: Actor,
    before: number | undefined,
  ): Promise<{ ok: true; entries: AuditEntry[]; has_more: boolean } | AckError> {
    const refused = await this.moderation.requireRole(actor, 'moderator');
    if (refused) {
      return refused;
    }
    const page = await this.store.moderation.auditPage(actor.room, before, AUDIT_PAGE_SIZE);
    return { ok: true, entries: page.items.map(toWireAudit), has_more: page.more };
  }

  async bans(actor: Actor, now = Date.now()): Promise<{ ok: true; bans: Ban[] } | AckError> {
    const refused = await this.moderation.requireRole(actor, 'moderator');
    if (refused) {
      return refused;
    }
    const bans = await this.store.moderation.restrictions(actor.room, 'ban', now, BANS_LISTED);
    return { ok: true, bans: bans.map(toWireBan) };
  }
}

export function toWireReport(record: ReportRecord): Report {
  return {
    report_id: record.id,
    id: record.messageId,
    message: record.message,
    author_user_id: record.authorUserId,
    author_username: record.authorUsername,
    reporter_user_id: record.reporterUserId,
    reporter_username: record.reporterUsername,
    ...(record.reason ? { reason: record.reason } : {}),
    ts: record.ts,
  };
}

function toWireAudit(record: AuditRecord): AuditEntry {
  return {
    id: record.id,
    ts: record.ts,
    action: record.action,
    by: record.byUserId,
    by_username: record.byUsername,
    ...(record.userId !== null ? { user_id: record.userId } : {}),
    ...(record.username !== null ? { username: record.username } : {}),
    ...(record.until !== null ? { until: record.until } : {}),
    ...(record.reason !== null ? { reason: record.reason } : {}),
    ...(record.detail !== null ? { detail: record.detail } : {}),
  };
}

function toWireBan(ban: Restriction): Ban {
  return {
    user_id: ban.userId,
    ...(ban.username !== null ? { username: ban.username } : {}),
    ...(ban.until !== null ? { until: ban.until } : {}),
    ...(ban.reason !== null ? { reason: ban.reason } : {}),
    by_username: ban.byUsername,
    ts: ban.ts,
    by_address: ban.addressHash !== null,
  };
}
