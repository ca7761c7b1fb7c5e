// "Ask for help" for a participant in a breakout room, and the state of their request.
import type { LiveView } from "../generated/LiveView";
import type { SessionIndex } from "../session";
import { useSend } from "../useSend";

export function AskForHelp({ view, index }: { view: LiveView; index: SessionIndex }) {
  const send = useSend();
  const me = index.participants.get(view.me);
  const inRoom = me !== undefined && me.location !== "main";
  const mine = view.session.help.find((request) => request.participant === view.me);
  const status = !mine
    ? null
    : mine.state === "open"
      ? "Waiting for a moderator…"
      : `${index.participants.get(mine.state.taken_by)?.name ?? "A moderator"} is on the way`;
  return (
    <span className="ask-for-help">
      <button
        type="button"
        className="button"
        data-testid="ask-for-help"
        disabled={!inRoom || mine !== undefined}
        title={inRoom ? undefined : "You can ask for help from a breakout room"}
        onClick={() => void send({ type: "ask_for_help" }, { failure: "Could not ask for help", success: "A moderator has been asked to help." })}
      >
        Ask for help
      </button>
      {status && (
        <span className="small" data-testid="help-status" role="status">
          {status}
        </span>
      )}
    </span>
  );
}
