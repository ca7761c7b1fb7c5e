// A room card's name; staff click it to rename in place (Enter or leaving the field saves, Escape cancels).
import { useRef, useState } from "react";
import type { KeyboardEvent } from "react";

const MAX_NAME_CHARS = 64;

type Props = {
  name: string;
  editable: boolean;
  onRename: (name: string) => void;
};

export function RoomName({ name, editable, onRename }: Props) {
  const [draft, setDraft] = useState<string | null>(null);
  const cancelled = useRef(false);
  const button = useRef<HTMLButtonElement>(null);

  if (!editable) {
    return (
      <h3 className="room-name" data-testid="room-name">
        {name}
      </h3>
    );
  }

  const finish = (save: boolean, refocus: boolean) => {
    const next = draft?.trim() ?? "";
    setDraft(null);
    if (save && next !== "" && next !== name) onRename(next);
    // After Enter or Escape, put focus back on the name once the field is gone.
    if (refocus) requestAnimationFrame(() => button.current?.focus());
  };

  if (draft !== null) {
    const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
      if (event.key === "Enter") {
        event.preventDefault();
        cancelled.current = true;
        finish(true, true);
      } else if (event.key === "Escape") {
        event.preventDefault();
        event.stopPropagation();
        cancelled.current = true;
        finish(false, true);
      }
    };
    return (
      <input
        className="room-name-input"
        data-testid="room-name-input"
        aria-label="Room name"
        value={draft}
        maxLength={MAX_NAME_CHARS}
        autoFocus
        onFocus={(e) => e.currentTarget.select()}
        onChange={(e) => setDraft(e.target.value)}
        onKeyDown={onKeyDown}
        onBlur={() => {
          // Enter and Escape already finished; the blur that follows must not save again.
          if (cancelled.current) cancelled.current = false;
          else finish(true, false);
        }}
      />
    );
  }

  return (
    <h3 className="room-name-heading">
      <button
        ref={button}
        type="button"
        className="room-name editable"
        data-testid="room-name"
        title="Click to rename"
        aria-label={`${name} — rename`}
        onClick={() => {
          cancelled.current = false;
          setDraft(name);
        }}
      >
        {name}
        <svg className="pencil" viewBox="0 0 16 16" width="12" height="12" aria-hidden="true">
          <path d="M11 2.5l2.5 2.5L5.5 13H3v-2.5z" fill="none" stroke="currentColor" strokeWidth="1.5" strokeLinejoin="round" />
        </svg>
      </button>
    </h3>
  );
}
