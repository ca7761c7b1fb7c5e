// The main room view: who is here and where, invite links, documents, help queue, the megaphone and the bottom bar.
import { CallButton } from "../calls/CallDialog";
import { DocumentsPanel } from "../documents/DocumentsPanel";
import type { LiveView } from "../generated/LiveView";
import { AskForHelp } from "../help/AskForHelp";
import { HelpQueue } from "../help/HelpQueue";
import type { Location } from "../generated/Location";
import { MAIN, isStaff, locationLabel, type SessionIndex } from "../session";
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
  onPrepare: () => void;
  onSelfMove: (to: Location) => void;
};

export function MainRoom(props: Props) {
  const { view, index, covered, leaving, onOpenDashboard, onLeave, onPrepare, onSelfMove } = props;
  const { session } = view;
  const staff = isStaff(view.role);
  const open = session.breakouts.state === "open";
  const roomCount = session.rooms.length;
  const breakoutSummary = open
    ? `Breakout rooms are open · ${roomCount} ${roomCount === 1 ? "room" : "rooms"} · ${index.inRooms} in rooms`
    : roomCount > 0
      ? `Breakout rooms are closed · ${roomCount} ${roomCount === 1 ? "room" : "rooms"} prepared`
      : "No breakout rooms yet";
  const myPlace = index.participants.get(view.me)?.location ?? MAIN;

  return (
    <main className="main-room" data-testid="main-view" inert={covered} aria-hidden={covered || undefined}>
      <header className="main-room-header">
        <h2 data-testid="my-location">
          {myPlace === MAIN ? "Main room" : `You are in ${locationLabel(myPlace, index.rooms)}`}
        </h2>
        {/* The megaphone sits top right, as on the dashboard (which shows its own while it is open). */}
        {!covered && staff && (
          <div className="main-room-header-actions">
            <CallButton view={view} index={index} />
          </div>
        )}
      </header>
      <div className="main-room-content">
        {/* While the dashboard covers this view it shows documents and help itself (one live copy each). */}
        <ParticipantsList participants={session.participants} me={view.me} index={index} canRemove={staff} />
        <div className="main-room-side">
          {!covered && staff && <HelpQueue view={view} index={index} onSelfMove={onSelfMove} />}
          {(view.invites || staff) && <InvitePanel invites={view.invites} canRotate={staff} />}
          {!covered && <DocumentsPanel view={view} index={index} />}
        </div>
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
        <span className="bottom-bar-spacer" />
        {covered ? null : staff ? (
          <button type="button" className="button ghost" data-testid="open-prepare" onClick={onPrepare}>
            Prepare
          </button>
        ) : (
          <AskForHelp view={view} index={index} />
        )}
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
