// The room plan, editable offline: named rooms with library documents and members, CSV import, late joiners; staff apply it in a session.
import { useEffect, useState } from "react";
import { api } from "../api";
import type { AppError } from "../generated/AppError";
import type { ApplyReport } from "../generated/ApplyReport";
import type { LateJoiners } from "../generated/LateJoiners";
import type { LibraryView } from "../generated/LibraryView";
import type { RoomPlan } from "../generated/RoomPlan";
import { MAX_ROOMS } from "../session";
import { ApplyPlanResult } from "./ApplyPlanResult";

/** A planned room as edited: members kept as typed text until saved. */
type Draft = { name: string; documents: string[]; membersText: string };

const toDrafts = (plan: RoomPlan): Draft[] =>
  plan.rooms.map((room) => ({ name: room.name, documents: room.documents, membersText: room.members.join("\n") }));

const memberNames = (text: string): string[] =>
  text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "");

const toPlan = (rooms: Draft[], lateJoiners: LateJoiners): RoomPlan => ({
  rooms: rooms.map((room) => ({
    name: room.name.trim(),
    documents: room.documents,
    members: memberNames(room.membersText),
  })),
  late_joiners: lateJoiners,
});

type Props = { library: LibraryView | null; canApply: boolean };

export function PlanEditor({ library, canApply }: Props) {
  // Rows beyond `count` are kept, so lowering the count and raising it again loses no typing.
  const [drafts, setDrafts] = useState<Draft[]>([]);
  const [count, setCount] = useState(0);
  const [lateJoiners, setLateJoiners] = useState<LateJoiners>("stay_in_main");
  const [countText, setCountText] = useState("0");
  const [csv, setCsv] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [report, setReport] = useState<ApplyReport | null>(null);
  const [busy, setBusy] = useState(false);
  // Nothing is editable until the stored plan is shown, so a plan that loads late never overwrites typing.
  const [loaded, setLoaded] = useState(false);

  const rooms = drafts.slice(0, count);

  const show = (plan: RoomPlan) => {
    setDrafts(toDrafts(plan));
    setCount(plan.rooms.length);
    setLateJoiners(plan.late_joiners);
    setCountText(String(plan.rooms.length));
  };

  useEffect(() => {
    api
      .getPlan()
      .then(show, (e: AppError) => setError(`Could not load the saved plan: ${e.message}`))
      .finally(() => setLoaded(true));
  }, []);

  const resize = (text: string) => {
    setCountText(text);
    setSaved(null);
    const next = Number(text);
    if (text.trim() === "" || !Number.isInteger(next) || next < 0 || next > MAX_ROOMS) return;
    setCount(next);
    setDrafts((current) =>
      next <= current.length
        ? current
        : [
            ...current,
            ...Array.from({ length: next - current.length }, (_, i) => ({
              name: `Room ${current.length + i + 1}`,
              documents: [],
              membersText: "",
            })),
          ],
    );
  };

  const countValid = countText.trim() !== "" && Number(countText) === count;

  const edit = (index: number, change: Partial<Draft>) => {
    setSaved(null);
    setDrafts((current) => current.map((room, i) => (i === index ? { ...room, ...change } : room)));
  };

  const run = async (action: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    setSaved(null);
    try {
      await action();
    } catch (e) {
      setError((e as AppError).message);
    } finally {
      setBusy(false);
    }
  };

  const save = () =>
    run(async () => {
      show(await api.savePlan(toPlan(rooms, lateJoiners)));
      setSaved("Plan saved.");
    });
  // The import merges into the stored plan, so what is on screen is saved first.
  const importCsv = () =>
    run(async () => {
      await api.savePlan(toPlan(rooms, lateJoiners));
      show(await api.importPlanCsv(csv));
      setCsv("");
      setSaved("Imported and saved.");
    });
  const apply = () =>
    run(async () => {
      setReport(null);
      show(await api.savePlan(toPlan(rooms, lateJoiners)));
      setReport(await api.applyPlan());
    });

  const files = library?.files ?? [];
  if (!loaded) {
    return (
      <section className="panel plan-editor" aria-labelledby="plan-heading">
        <h2 id="plan-heading">Room plan</h2>
        <p className="muted small">Loading the saved plan…</p>
      </section>
    );
  }
  return (
    <section className="panel plan-editor" aria-labelledby="plan-heading">
      <header className="panel-header">
        <h2 id="plan-heading">Room plan</h2>
        <label className="field inline">
          <span>Rooms</span>
          <input
            type="number"
            min={0}
            max={MAX_ROOMS}
            data-testid="plan-room-count"
            value={countText}
            aria-invalid={!countValid || undefined}
            onChange={(e) => resize(e.target.value)}
          />
        </label>
      </header>
      {rooms.length === 0 && <p className="muted small">No rooms planned yet. Choose how many rooms you need.</p>}
      <ol className="plan-rooms">
        {rooms.map((room, index) => {
          const members = memberNames(room.membersText).length;
          const missing = room.documents.filter((name) => library !== null && !files.some((f) => f.name === name));
          return (
            <li key={index} className="plan-room" data-testid="plan-room" data-index={index}>
              <div className="plan-room-main">
                <label className="field">
                  <span className="small">Room {index + 1} name</span>
                  <input
                    data-testid="plan-room-name"
                    value={room.name}
                    aria-invalid={room.name.trim() === "" || undefined}
                    onChange={(e) => edit(index, { name: e.target.value })}
                  />
                </label>
                <fieldset className="plan-room-documents">
                  <legend className="small">Documents</legend>
                  {files.length === 0 && <span className="muted small">No files in the library folder.</span>}
                  {files.map((file) => (
                    <label key={file.name} className="small">
                      <input
                        type="checkbox"
                        data-testid="plan-room-document"
                        data-name={file.name}
                        checked={room.documents.includes(file.name)}
                        onChange={(e) =>
                          edit(index, {
                            documents: e.target.checked
                              ? [...room.documents, file.name]
                              : room.documents.filter((name) => name !== file.name),
                          })
                        }
                      />
                      {file.name}
                    </label>
                  ))}
                  {missing.map((name) => (
                    <label key={name} className="small missing" title="Not in the library folder any more">
                      <input
                        type="checkbox"
                        checked
                        onChange={() => edit(index, { documents: room.documents.filter((n) => n !== name) })}
                      />
                      {name} (missing)
                    </label>
                  ))}
                </fieldset>
              </div>
              <label className="field plan-room-members-field">
                <span className="small">
                  Members, one name per line {members > 0 && <span className="muted">({members})</span>}
                </span>
                <textarea
                  rows={3}
                  data-testid="plan-room-members"
                  value={room.membersText}
                  onChange={(e) => edit(index, { membersText: e.target.value })}
                />
              </label>
            </li>
          );
        })}
      </ol>
      <label className="field inline">
        <span>People not in the plan</span>
        <select
          data-testid="plan-late-joiners"
          value={lateJoiners}
          onChange={(e) => {
            setSaved(null);
            setLateJoiners(e.target.value as LateJoiners);
          }}
        >
          <option value="stay_in_main">Stay in the main room</option>
          <option value="fill_emptiest">Fill the emptiest room</option>
        </select>
      </label>
      <div className="plan-csv">
        <label className="field">
          <span>Import name,room lines (CSV)</span>
          <textarea
            rows={3}
            data-testid="plan-csv"
            placeholder={"name,room\nAna,Room 1"}
            value={csv}
            onChange={(e) => setCsv(e.target.value)}
          />
        </label>
        <button
          type="button"
          className="button"
          data-testid="plan-csv-import"
          disabled={busy || csv.trim() === ""}
          onClick={() => void importCsv()}
        >
          Import CSV
        </button>
      </div>
      <div className="plan-actions">
        <button
          type="button"
          className="button primary"
          data-testid="plan-save"
          disabled={busy || !countValid}
          onClick={() => void save()}
        >
          Save plan
        </button>
        {canApply && (
          <button
            type="button"
            className="button primary"
            data-testid="apply-plan"
            disabled={busy || !countValid}
            title="Save the plan, then set up this session's rooms, documents and people from it"
            onClick={() => void apply()}
          >
            Apply plan
          </button>
        )}
        {busy && <span className="spinner" aria-hidden="true" />}
      </div>
      {error && (
        <p className="error small" data-testid="plan-error" role="alert">
          {error}
        </p>
      )}
      {saved && (
        <p className="small success-text" data-testid="plan-saved" role="status">
          {saved}
        </p>
      )}
      {report && <ApplyPlanResult report={report} />}
    </section>
  );
}
