// The moderator's toolbar on the dashboard: room count, auto-assign, free movement, apply plan, bring back, stop.
import { useState } from "react";
import type { FormEvent } from "react";
import type { Command } from "../generated/Command";
import { MAX_ROOMS, MIN_ROOMS, randomSeed } from "../session";
import type { SendReport } from "../useSend";
import { ApplyPlanControl } from "./ApplyPlanControl";

type Props = {
  open: boolean;
  roomCount: number;
  freeMovement: boolean;
  anyoneInRooms: boolean;
  send: (command: Command, report: SendReport) => Promise<boolean>;
};

const DEFAULT_ROOMS = 2;

export function StaffControls({ open, roomCount, freeMovement, anyoneInRooms, send }: Props) {
  // null: follow the session's room count; a string while the user edits the field.
  const [draft, setDraft] = useState<string | null>(null);
  const [countError, setCountError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const shown = draft ?? String(roomCount > 0 ? roomCount : DEFAULT_ROOMS);
  const parsed = Number(shown);
  const valid = shown.trim() !== "" && Number.isInteger(parsed) && parsed >= MIN_ROOMS && parsed <= MAX_ROOMS;
  const unchanged = open && valid && parsed === roomCount;

  async function applyCount(event: FormEvent) {
    event.preventDefault();
    if (!valid) {
      setCountError(`Choose between ${MIN_ROOMS} and ${MAX_ROOMS} rooms.`);
      return;
    }
    if (busy || unchanged) return;
    setCountError(null);
    setBusy(true);
    const accepted = open
      ? await send(
          { type: "set_room_count", rooms: parsed },
          { failure: "Could not change the number of rooms", success: `There are now ${parsed} rooms.` },
        )
      : await send(
          { type: "open_breakouts", rooms: parsed, duration_minutes: null },
          { failure: "Could not open the breakout rooms", success: `Opened ${parsed} breakout rooms.` },
        );
    setBusy(false);
    if (accepted) setDraft(null);
  }

  const toggleFreeMovement = () =>
    send(
      { type: "set_free_movement", on: !freeMovement },
      {
        failure: "Could not change free movement",
        success: freeMovement ? "Participants can no longer move between rooms." : "Participants can now move between rooms.",
      },
    );

  return (
    <div className="staff-controls" role="group" aria-label="Breakout room controls">
      <form className="control-group room-count-form" onSubmit={applyCount} noValidate>
        <label htmlFor="room-count" className="control-label">
          Rooms
        </label>
        <input
          id="room-count"
          type="number"
          inputMode="numeric"
          min={MIN_ROOMS}
          max={MAX_ROOMS}
          step={1}
          data-testid="room-count"
          value={shown}
          aria-invalid={!valid || undefined}
          aria-describedby={countError ? "room-count-error" : undefined}
          onChange={(e) => {
            setDraft(e.target.value);
            setCountError(null);
          }}
        />
        <button
          type="submit"
          className="button primary"
          data-testid="apply-room-count"
          disabled={busy || unchanged}
          aria-busy={busy}
        >
          {open ? "Apply" : "Open rooms"}
        </button>
        {countError && (
          <span id="room-count-error" className="form-error inline" role="alert" data-testid="room-count-error">
            {countError}
          </span>
        )}
      </form>

      <div className="control-group">
        <button
          type="button"
          className="button"
          data-testid="auto-assign"
          disabled={roomCount === 0}
          title={roomCount === 0 ? "Create rooms first" : "Spread participants evenly over the rooms"}
          onClick={() =>
            send(
              {
                type: "auto_assign",
                seed: randomSeed(),
                keep_existing: false,
                rules: { together: [], apart: [], max_per_room: null },
              },
              { failure: "Could not assign participants", success: "Participants were assigned to rooms." },
            )
          }
        >
          Auto-assign
        </button>
      </div>

      <div className="control-group">
        <button
          type="button"
          role="switch"
          id="free-movement"
          className="switch"
          data-testid="free-movement"
          aria-checked={freeMovement}
          onClick={toggleFreeMovement}
        >
          <span className="switch-thumb" aria-hidden="true" />
        </button>
        <label htmlFor="free-movement" className="control-label switch-label">
          Participants can move freely
        </label>
      </div>

      <ApplyPlanControl />

      <div className="control-group end">
        <button
          type="button"
          className="button"
          data-testid="bring-everyone-back"
          title={anyoneInRooms ? "Bring everyone back to the main room" : "Everyone is in the main room"}
          onClick={() =>
            send(
              { type: "bring_back", target: "all" },
              { failure: "Could not bring everyone back", success: "Everyone was brought back to the main room." },
            )
          }
        >
          Bring everyone back
        </button>
        <button
          type="button"
          className="button danger"
          data-testid="stop-breakouts"
          disabled={!open}
          title={open ? "Close all rooms and bring everyone back" : "Breakout rooms are closed"}
          onClick={() =>
            send({ type: "stop_breakouts" }, { failure: "Could not stop the breakout rooms", success: "Breakout rooms stopped." })
          }
        >
          Stop rooms
        </button>
      </div>
    </div>
  );
}
