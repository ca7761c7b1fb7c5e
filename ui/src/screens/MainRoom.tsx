// The main room view: who is here and where, the moderator's invite links, and the bottom bar.
import type { LiveView } from "../generated/LiveView";
import type { SessionIndex } from "../session";
import { InvitePanel } from "./InvitePanel";
import { ParticipantsList } from "./ParticipantsList";

type Props = {
  view: LiveView;
  index: SessionIndex;
  /** True while the dashboard covers this view (it is then inert). */
  covered: boolean;
  leaving: boolean;
  onOpenDashboard: () => void;
  onLeave: () => void;
};

export function MainRoom({ view, index, covered, leaving, onOpenDashboard, onLeave }: Props) {
  const { session } = view;
  const open = session.breakouts.state === "open";
  const roomCount = session.rooms.length;
  const breakoutSummary = open
    ? `Breakout rooms are open · ${roomCount} ${roomCount === 1 ? "room" : "rooms"} · ${index.inRooms} in rooms`
    : roomCount > 0
      ? `Breakout rooms are closed · ${roomCount} ${roomCount === 1 ? "room" : "rooms"} prepared`
      : "No breakout rooms yet";

  return (
    <main className="main-room" data-testid="main-view" inert={covered} aria-hidden={covered || undefined}>
      <div className="main-room-content">
        <ParticipantsList participants={session.participants} me={view.me} index={index} />
        {view.invites && <InvitePanel invites={view.invites} />}
      </div>
      <footer className="bottom-bar">
        <button
          type="button"
          className={`button primary breakout-button ${open ? "is-open" : ""}`}
          data-testid="open-breakout-dashboard"
          onClick={onOpenDashboard}
        >
          <RoomsIcon />
          Breakout rooms
        </button>
        <span className="muted small" data-testid="breakouts-summary">
          {breakoutSummary}
        </span>
        <button
          type="button"
          className="button danger"
          data-testid="leave-session"
          onClick={onLeave}
          disabled={leaving}
          aria-busy={leaving}
        >
          {leaving ? "Leaving…" : "Leave"}
        </button>
      </footer>
    </main>
  );
}

function RoomsIcon() {
  return (
    <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" fill="none" stroke="currentColor" strokeWidth="2">
      <rect x="3" y="3" width="7.5" height="7.5" rx="2" />
      <rect x="13.5" y="3" width="7.5" height="7.5" rx="2" />
      <rect x="3" y="13.5" width="7.5" height="7.5" rx="2" />
      <rect x="13.5" y="13.5" width="7.5" height="7.5" rx="2" />
    </svg>
  );
}
