// The help queue every moderator and co-moderator sees live: who asks, from which room, since when;
// "I'll take it" (everyone sees who did), jump into that room, resolve.
import type { HelpRequest } from "../generated/HelpRequest";
import type { LiveView } from "../generated/LiveView";
import { locationLabel, type SessionIndex } from "../session";
import { useSend } from "../useSend";

export function HelpQueue({ view, index }: { view: LiveView; index: SessionIndex }) {
  const send = useSend();
  const help = view.session.help;
  return (
    <section className="panel help-queue" data-testid="help-queue" aria-labelledby="help-heading" aria-live="polite">
      <h3 id="help-heading">Help requests {help.length > 0 && <span className="count">{help.length}</span>}</h3>
      {help.length === 0 ? (
        <p className="muted small">No help requests.</p>
      ) : (
        <ul>
          {help.map((request) => (
            <HelpItem key={request.id} request={request} view={view} index={index} send={send} />
          ))}
        </ul>
      )}
    </section>
  );
}

type ItemProps = { request: HelpRequest; view: LiveView; index: SessionIndex; send: ReturnType<typeof useSend> };

function HelpItem({ request, view, index, send }: ItemProps) {
  const who = index.participants.get(request.participant)?.name ?? "Someone";
  const room = locationLabel({ room: request.room }, index.rooms);
  const since = new Date(request.asked_at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  const takenBy = request.state === "open" ? null : request.state.taken_by;
  const helper = takenBy === null ? null : takenBy === view.me ? "you" : (index.participants.get(takenBy)?.name ?? "someone");
  return (
    <li className="help-item" data-testid="help-item" data-help-id={request.id}>
      <p>
        <strong>{who}</strong> in {room} <span className="muted small">since {since}</span>
      </p>
      {helper && (
        <p className="small" data-testid="help-taken-by">
          Taken by {helper}
        </p>
      )}
      <div className="help-actions">
        {takenBy === null && (
          <button
            type="button"
            className="button small primary"
            data-testid="help-take"
            onClick={() => void send({ type: "take_help", request: request.id }, { failure: "Could not take the request", success: `You are helping ${who}.` })}
          >
            I'll take it
          </button>
        )}
        <button
          type="button"
          className="button small"
          data-testid="help-join"
          onClick={() =>
            void send(
              { type: "move", participant: view.me, to: { room: request.room } },
              { failure: `Could not join ${room}`, success: `You joined ${room}.` },
            )
          }
        >
          Join room
        </button>
        <button
          type="button"
          className="button small ghost"
          data-testid="help-resolve"
          onClick={() => void send({ type: "resolve_help", request: request.id }, { failure: "Could not resolve the request", success: "Request resolved." })}
        >
          Resolve
        </button>
      </div>
    </li>
  );
}
