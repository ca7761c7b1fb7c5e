// Turns a session notice ("you were moved", "rooms closed", …) into the toast a person reads.
import type { LiveView } from "./generated/LiveView";
import type { Notice } from "./generated/Notice";
import type { ToastInput } from "./toasts";
import { indexSession, locationInSentence, locationLabel } from "./session";

export function noticeToast(notice: Notice, view: LiveView | null): ToastInput {
  const session = view?.session;
  const index = session ? indexSession(session) : null;
  const rooms = index?.rooms ?? new Map();
  switch (notice.kind) {
    case "breakouts_opened":
      return { text: "Breakout rooms are open", tone: "info" };
    case "breakouts_stopped":
      return {
        text: "Breakout rooms have been closed — you are back in the main room",
        tone: "info",
      };
    case "moved":
      return { text: `You were moved to ${locationInSentence(notice.to, rooms)}`, tone: "info" };
    case "call_to_action": {
      const sender = index?.participants.get(notice.call.sent_by)?.name;
      const link = notice.call.link ? `\n${notice.call.link}` : "";
      return {
        title: sender ? `Message from ${sender}` : "Message from the moderator",
        text: notice.call.text + link,
        tone: "warning",
        timeoutMs: 15000,
      };
    }
    case "removed":
      return { text: notice.reason, tone: "error", timeoutMs: 15000 };
    case "help_requested": {
      const who = index?.participants.get(notice.request.participant)?.name ?? "Someone";
      const where = locationLabel({ room: notice.request.room }, rooms);
      return { text: `${who} asks for help in ${where}`, tone: "warning", timeoutMs: 10000 };
    }
  }
}
