// The megaphone (staff): write a call-to-action with an optional link, aim it at all rooms or some,
// send it, and see the calls sent so far.
import { useEffect, useRef, useState } from "react";
import type { CallToAction } from "../generated/CallToAction";
import type { LiveView } from "../generated/LiveView";
import type { RoomId } from "../generated/RoomId";
import type { SessionIndex } from "../session";
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
      >
        <MegaphoneIcon /> Call to action
      </button>
      {open && <CallDialog view={view} index={index} onClose={() => setOpen(false)} />}
    </>
  );
}

function CallDialog({ view, index, onClose }: { view: LiveView; index: SessionIndex; onClose: () => void }) {
  const send = useSend();
  const [text, setText] = useState("");
  const [link, setLink] = useState("");
  const [everyone, setEveryone] = useState(true);
  const [rooms, setRooms] = useState<Set<RoomId>>(new Set());
  const [busy, setBusy] = useState(false);
  const textArea = useRef<HTMLTextAreaElement>(null);
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

  const canSend = text.trim() !== "" && (everyone || rooms.size > 0) && !busy;
  const submit = async () => {
    if (!canSend) return;
    setBusy(true);
    const sent = await send(
      {
        type: "call_to_action",
        text: text.trim(),
        link: link.trim() === "" ? null : link.trim(),
        target: everyone ? "all" : { rooms: [...rooms] },
      },
      { failure: "Could not send the call to action", success: "Call to action sent." },
    );
    setBusy(false);
    if (sent) {
      setText("");
      setLink("");
    }
  };

  return (
    <div className="dialog-backdrop" onKeyDown={(e) => e.key === "Escape" && onClose()}>
      <div className="dialog" role="dialog" aria-modal="true" aria-labelledby="cta-heading" data-testid="cta-dialog">
        <h3 id="cta-heading">Call to action</h3>
        <label className="field">
          <span>Message</span>
          <textarea ref={textArea} data-testid="cta-text" rows={3} value={text} onChange={(e) => setText(e.target.value)} />
        </label>
        <label className="field">
          <span>Link (optional)</span>
          <input data-testid="cta-link" type="url" placeholder="https://…" value={link} onChange={(e) => setLink(e.target.value)} />
        </label>
        <fieldset className="field">
          <legend>Send to</legend>
          <label>
            <input type="radio" data-testid="cta-target-all" checked={everyone} onChange={() => setEveryone(true)} />
            Everyone (all rooms and the main room)
          </label>
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
        </fieldset>
        <footer className="dialog-actions">
          <button type="button" className="button ghost" onClick={onClose}>
            Close
          </button>
          <button type="button" className="button primary" data-testid="cta-send" disabled={!canSend} onClick={() => void submit()}>
            Send
          </button>
        </footer>
        <SentCalls calls={view.session.calls} index={index} />
      </div>
    </div>
  );
}

function SentCalls({ calls, index }: { calls: CallToAction[]; index: SessionIndex }) {
  if (calls.length === 0) return null;
  return (
    <section className="sent-calls">
      <h4>Sent</h4>
      <ul data-testid="cta-sent-list">
        {[...calls].reverse().map((call) => (
          <li key={call.id} data-testid="cta-sent-item">
            <span>{call.text}</span>
            <span className="muted small">
              {" "}
              · {call.target === "all" ? "everyone" : call.target.rooms.map((id) => index.rooms.get(id)?.name ?? `Room ${id}`).join(", ")}
              {" "}· {new Date(call.sent_at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })}
            </span>
          </li>
        ))}
      </ul>
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
