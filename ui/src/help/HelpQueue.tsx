// The live help queue for moderators and co-moderators: who asks, from which room, since when; take, join, resolve.
import { useEffect, useState } from "react";
import type { HelpRequest } from "../generated/HelpRequest";
import type { Location } from "../generated/Location";
import type { LiveView } from "../generated/LiveView";
import { locationLabel, type SessionIndex } from "../session";
import { useSend } from "../useSend";

type Props = {
  view: LiveView;
  index: SessionIndex;
  /** Called before "Join room" moves me, so my own move does not come back as a "you were moved" toast. */
  onSelfMove: (to: Location) => void;
};

export function HelpQueue({ view, index, onSelfMove }: Props) {
  const send = useSend();
  useMinuteTick(view.session.help.length > 0);
  const help = view.session.help;
  return (
    <section className="panel help-queue" data-testid="help-queue" aria-labelledby="help-heading" aria-live="polite">
      <h3 id="help-heading">Help requests {help.length > 0 && <span className="count">{help.length}</span>}</h3>
      {help.length === 0 ? (
        <p className="muted small">No help requests.</p>
      ) : (
        <ul>
          {help.map((request) => (
            <HelpItem key={request.id} request={request} view={view} index={index} send={send} onSelfMove={onSelfMove} />
          ))}
        </ul>
      )}
    </section>
  );
}

type ItemProps = Props & { request: HelpRequest; send: ReturnType<typeof useSend> };

function HelpItem({ request, view, index, send, onSelfMove }: ItemProps) {
  const who = index.participants.get(request.participant)?.name ?? "Someone";
  const room = locationLabel({ room: request.room }, index.rooms);
  const since = new Date(request.asked_at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  const waited = waitedFor(request.asked_at);
  const me = index.participants.get(view.me);
  const iAmThere = me !== undefined && me.location !== "main" && me.location.room === request.room;
  const takenBy = request.state === "open" ? null : request.state.taken_by;
  const helper = takenBy === null ? null : takenBy === view.me ? "you" : (index.participants.get(takenBy)?.name ?? "someone");
  return (
    <li className="help-item" data-testid="help-item" data-help-id={request.id}>
      <p>
        <strong>{who}</strong> in {room}{" "}
        <span className="muted small">
          since {since}
          {waited && ` (${waited})`}
        </span>
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
          disabled={iAmThere}
          title={iAmThere ? `You are in ${room}` : `Go to ${room}`}
          onClick={() => {
            onSelfMove({ room: request.room });
            void send(
              { type: "move", participant: view.me, to: { room: request.room } },
              { failure: `Could not join ${room}`, success: `You joined ${room}.` },
            );
          }}
        >
          {iAmThere ? "You're there" : "Join room"}
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

/** "3 min" for how long someone has waited; nothing under a minute (or with a clock far off). */
function waitedFor(askedAt: number): string | null {
  const minutes = Math.floor((Date.now() - askedAt) / 60_000);
  return minutes >= 1 && minutes < 24 * 60 ? `${minutes} min` : null;
}

/** Re-render every half minute while requests wait, so their waiting times stay current. */
function useMinuteTick(active: boolean) {
  const [, setTick] = useState(0);
  useEffect(() => {
    if (!active) return;
    const timer = window.setInterval(() => setTick((n) => n + 1), 30_000);
    return () => window.clearInterval(timer);
  }, [active]);
}
