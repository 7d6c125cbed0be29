/**
 * Sentences for a thread's activity items ("Anna assigned Ben", "Ben snoozed the conversation
 * until …") and for notifications. Pure: components pass in `$_` and the locale.
 */
import type { Activity, Notification } from "./api";
import type { Translate } from "./i18n";
import { fullDateTime } from "./i18n/format";

const CATEGORY_KEYS = new Set(["resolved", "no_reply_needed", "spam", "duplicate", "other"]);

/** A closing category in the current language when it is one of ours, else as the person typed it. */
export function categoryText(t: Translate, category: string): string {
  return CATEGORY_KEYS.has(category) ? t(`desk.status.categories.${category}`) : category;
}

export function activityText(t: Translate, locale: string, activity: Activity): string {
  const actor = activity.actor?.name || t("desk.activity.chorus");
  const assignee = activity.assignee?.name || t("desk.activity.someone");
  const previous = activity.previousAssignee?.name || t("desk.activity.someone");
  switch (activity.kind) {
    case "assigned": {
      const team = activity.team?.name;
      if (!activity.assignee) return team ? t("desk.activity.movedToTeam", { values: { actor, team } }) : t("desk.activity.unassignedNobody", { values: { actor } });
      if (activity.actor && activity.assignee.id === activity.actor.id) return t("desk.activity.tookIt", { values: { actor } });
      if (team) return t("desk.activity.assignedTeam", { values: { actor, assignee, team } });
      return t("desk.activity.assigned", { values: { actor, assignee } });
    }
    case "auto_assigned":
      return t("desk.activity.autoAssigned", { values: { assignee } });
    case "unassigned":
      if (!activity.previousAssignee) return t("desk.activity.unassignedNobody", { values: { actor } });
      if (activity.actor && activity.previousAssignee.id === activity.actor.id) return t("desk.activity.letGo", { values: { actor } });
      return t("desk.activity.unassigned", { values: { actor, previous } });
    case "taken_over":
      return t("desk.activity.takenOver", { values: { actor, previous } });
    case "status_changed":
      switch (activity.status) {
        case "open":
          return t("desk.activity.open", { values: { actor } });
        case "pending":
          return t("desk.activity.pending", { values: { actor } });
        case "snoozed":
          return t("desk.activity.snoozed", { values: { actor, time: activity.until ? fullDateTime(locale, activity.until) : "—" } });
        case "closed":
          return activity.category
            ? t("desk.activity.closedCategory", { values: { actor, category: categoryText(t, activity.category) } })
            : t("desk.activity.closed", { values: { actor } });
        default:
          return t("desk.activity.open", { values: { actor } });
      }
    case "reopened":
      return t("desk.activity.reopened", { values: { episode: activity.episode ?? "?" } });
    case "snooze_ended":
      return t("desk.activity.snoozeEnded");
    default:
      return t("desk.activity.someone");
  }
}

/** Title and body of a notification, for the centre's rows and for browser notifications. */
export function notificationText(t: Translate, n: Notification): { title: string; body: string } {
  const contact = n.contactName?.trim() || t("desk.notify.aCustomer");
  const actor = n.actor?.name || t("desk.notify.someone");
  let title: string;
  switch (n.kind) {
    case "assigned":
      title = n.actor ? t("desk.notify.assigned", { values: { actor, contact } }) : t("desk.notify.assignedBySystem", { values: { contact } });
      break;
    case "mentioned":
      title = t("desk.notify.mentioned", { values: { actor, contact } });
      break;
    case "window_closing":
      title = t("desk.notify.windowClosing", { values: { contact } });
      break;
    default:
      title = t("desk.notify.newMessage", { values: { contact } });
  }
  return { title, body: n.preview };
}
