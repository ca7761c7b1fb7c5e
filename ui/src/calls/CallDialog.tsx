// The megaphone (staff): write a call-to-action with an optional link, aim it at everyone or some rooms, and see what was sent.
import { useEffect, useRef, useState } from "react";
import type { CallToAction } from "../generated/CallToAction";
import type { LiveView } from "../generated/LiveView";
import type { RoomId } from "../generated/RoomId";
import type { SessionIndex } from "../session";
import { useDialogFocus } from "../useDialogFocus";
import { useSend } from "../useSend";

export function CallButton({ view, index }: { view: LiveView; index: SessionIndex }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button
        type="button"
        className="button"
        data-testid="call-to-action"
        onClick={() => setOpen(true)}
        aria-haspopup="dialog"
        title="Send a message to every room or to some rooms"
      >
        <MegaphoneIcon /> Call to action
      </button>
      {open && <CallDialog view={view} index={index} onClose={() => setOpen(false)} />}
    </>
  );
}

/** A link the endpoint accepts: empty, or an http(s) address. */
function linkProblem(link: string): string | null {
  if (link === "") return null;
  try {
    const url = new URL(link);
    return url.protocol === "http:" || url.protocol === "https:" ? null : "The link must start with http:// or https://";
  } catch {
    return "The link must be a full address, like https://example.com/form";
  }
}

function CallDialog({ view, index, onClose }: { view: LiveView; index: SessionIndex; onClose: () => void }) {
  const send = useSend();
  const [text, setText] = useState("");
  const [link, setLink] = useState("");
  const [everyone, setEveryone] = useState(true);
  const [rooms, setRooms] = useState<Set<RoomId>>(new Set());
  const [busy, setBusy] = useState(false);
  const [linkTouched, setLinkTouched] = useState(false);
  const textArea = useRef<HTMLTextAreaElement>(null);
  const dialog = useDialogFocus(onClose);
  useEffect(() => textArea.current?.focus(), []);

  const toggleRoom = (room: RoomId) => {
    setEveryone(false);
    setRooms((current) => {
      const next = new Set(current);
      if (next.has(room)) next.delete(room);
      else next.add(room);
      return next;
    });
  };

  const problem = linkProblem(link.trim());
  // Half-typed addresses are not wrong yet: say so once the field is left.
  const showProblem = problem !== null && linkTouched;
  const existingRooms = view.session.rooms.filter((room) => rooms.has(room.id));
  const canSend = text.trim() !== "" && problem === null && (everyone || existingRooms.length > 0) && !busy;
  const submit = async () => {
    if (!canSend) return;
    setBusy(true);
    const sent = await send(
      {
        type: "call_to_action",
        text: text.trim(),
        link: link.trim() === "" ? null : link.trim(),
        target: everyone ? "all" : { rooms: existingRooms.map((room) => room.id) },
      },
      { failure: "Could not send the call to action", success: "Call to action sent." },
    );
    setBusy(false);
    if (sent) {
      setText("");
      setLink("");
      setLinkTouched(false);
      textArea.current?.focus();
    }
  };

  return (
    <div className="dialog-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div
        ref={dialog.ref}
        onKeyDown={dialog.onKeyDown}
        className="dialog cta-dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby="cta-heading"
        data-testid="cta-dialog"
      >
        <h3 id="cta-heading">
          <MegaphoneIcon /> Call to action
        </h3>
        <label className="field">
          <span>Message</span>
          <textarea
            ref={textArea}
            data-testid="cta-text"
            rows={3}
            value={text}
            placeholder="e.g. Five minutes left: please write up your findings"
            onChange={(e) => setText(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) void submit();
            }}
          />
        </label>
        <label className="field">
          <span>Link (optional)</span>
          <input
            data-testid="cta-link"
            type="url"
            placeholder="https://…"
            value={link}
            aria-invalid={showProblem || undefined}
            aria-describedby={showProblem ? "cta-link-problem" : undefined}
            onChange={(e) => setLink(e.target.value)}
            onBlur={() => setLinkTouched(true)}
          />
          {showProblem && (
            <span id="cta-link-problem" className="form-error inline small" data-testid="cta-link-error">
              {problem}
            </span>
          )}
        </label>
        <fieldset className="field cta-targets">
          <legend>Send to</legend>
          <label>
            <input
              type="radio"
              name="cta-target"
              data-testid="cta-target-all"
              checked={everyone}
              onChange={() => setEveryone(true)}
            />
            All rooms <span className="muted small">(everyone, the main room too)</span>
          </label>
          <label>
            <input
              type="radio"
              name="cta-target"
              data-testid="cta-target-rooms"
              checked={!everyone}
              disabled={view.session.rooms.length === 0}
              onChange={() => setEveryone(false)}
            />
            Chosen rooms
          </label>
          {view.session.rooms.length === 0 ? (
            <p className="muted small cta-room-list">There are no breakout rooms yet.</p>
          ) : (
            <div className="cta-room-list" role="group" aria-label="Rooms">
              {view.session.rooms.map((room) => (
                <label key={room.id}>
                  <input
                    type="checkbox"
                    data-testid="cta-target-room"
                    data-room-id={room.id}
                    checked={!everyone && rooms.has(room.id)}
                    onChange={() => toggleRoom(room.id)}
                  />
                  {room.name}
                </label>
              ))}
            </div>
          )}
        </fieldset>
        <footer className="dialog-actions">
          <button type="button" className="button ghost" data-testid="cta-close" onClick={onClose}>
            Close
          </button>
          <button
            type="button"
            className="button primary"
            data-testid="cta-send"
            disabled={!canSend}
            aria-busy={busy}
            onClick={() => void submit()}
          >
            Send
          </button>
        </footer>
        <SentCalls calls={view.session.calls} index={index} />
      </div>
    </div>
  );
}

function SentCalls({ calls, index }: { calls: CallToAction[]; index: SessionIndex }) {
  return (
    <section className="sent-calls" aria-labelledby="sent-calls-heading">
      <h4 id="sent-calls-heading">Sent</h4>
      {calls.length === 0 ? (
        <p className="muted small">Nothing sent yet.</p>
      ) : (
        <ul data-testid="cta-sent-list">
          {[...calls].reverse().map((call) => (
            <li key={call.id} data-testid="cta-sent-item" data-call-id={call.id}>
              <span className="sent-call-text">{call.text}</span>
              <span className="muted small">
                {call.target === "all"
                  ? "Everyone"
                  : call.target.rooms.map((id) => index.rooms.get(id)?.name ?? `Room ${id}`).join(", ")}
                {" · "}
                {index.participants.get(call.sent_by)?.name ?? "staff"}
                {" · "}
                {new Date(call.sent_at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })}
                {call.link && (
                  <>
                    {" · "}
                    {call.link}
                  </>
                )}
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

export function MegaphoneIcon() {
  return (
    <svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" fill="none" stroke="currentColor" strokeWidth="2">
      <path d="M3 11v2a1 1 0 0 0 1 1h3l5 4V6L7 10H4a1 1 0 0 0-1 1z" />
      <path d="M16 8a5 5 0 0 1 0 8" />
    </svg>
  );
}
