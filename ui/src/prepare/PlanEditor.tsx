// The room plan, editable offline: rooms with names, their documents (from the library folder) and
// members (one name per line), CSV import of name,room lines, what happens to unplanned people;
// in a session, staff apply it.
import { useEffect, useState } from "react";
import { api } from "../api";
import type { AppError } from "../generated/AppError";
import type { ApplyReport } from "../generated/ApplyReport";
import type { LateJoiners } from "../generated/LateJoiners";
import type { LibraryView } from "../generated/LibraryView";
import type { RoomPlan } from "../generated/RoomPlan";
import { MAX_ROOMS } from "../session";

/** A planned room as edited: members kept as typed text until saved. */
type Draft = { name: string; documents: string[]; membersText: string };

const toDrafts = (plan: RoomPlan): Draft[] =>
  plan.rooms.map((room) => ({ name: room.name, documents: room.documents, membersText: room.members.join("\n") }));

const toPlan = (rooms: Draft[], lateJoiners: LateJoiners): RoomPlan => ({
  rooms: rooms.map((room) => ({
    name: room.name,
    documents: room.documents,
    members: room.membersText.split("\n").map((line) => line.trim()).filter((line) => line !== ""),
  })),
  late_joiners: lateJoiners,
});

type Props = { library: LibraryView | null; canApply: boolean };

export function PlanEditor({ library, canApply }: Props) {
  const [rooms, setRooms] = useState<Draft[]>([]);
  const [lateJoiners, setLateJoiners] = useState<LateJoiners>("stay_in_main");
  const [countText, setCountText] = useState("0");
  const [csv, setCsv] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [report, setReport] = useState<ApplyReport | null>(null);
  const [busy, setBusy] = useState(false);

  const show = (plan: RoomPlan) => {
    setRooms(toDrafts(plan));
    setLateJoiners(plan.late_joiners);
    setCountText(String(plan.rooms.length));
  };

  useEffect(() => {
    api.getPlan().then(show, (e: AppError) => setError(e.message));
  }, []);

  const resize = (text: string) => {
    setCountText(text);
    const count = Number.parseInt(text, 10);
    if (!Number.isInteger(count) || count < 0 || count > MAX_ROOMS) return;
    setRooms((current) =>
      count <= current.length
        ? current.slice(0, count)
        : [
            ...current,
            ...Array.from({ length: count - current.length }, (_, i) => ({
              name: `Room ${current.length + i + 1}`,
              documents: [],
              membersText: "",
            })),
          ],
    );
  };

  const edit = (index: number, change: Partial<Draft>) =>
    setRooms((current) => current.map((room, i) => (i === index ? { ...room, ...change } : room)));

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
  const importCsv = () =>
    run(async () => {
      await api.savePlan(toPlan(rooms, lateJoiners));
      show(await api.importPlanCsv(csv));
      setCsv("");
      setSaved("Imported and saved.");
    });
  const apply = () =>
    run(async () => {
      show(await api.savePlan(toPlan(rooms, lateJoiners)));
      setReport(await api.applyPlan());
    });

  const files = library?.files ?? [];
  return (
    <section className="panel plan-editor" aria-labelledby="plan-heading">
      <h2 id="plan-heading">Room plan</h2>
      <label className="field inline">
        <span>Rooms</span>
        <input
          type="number"
          min={0}
          max={MAX_ROOMS}
          data-testid="plan-room-count"
          value={countText}
          onChange={(e) => resize(e.target.value)}
        />
      </label>
      <ol className="plan-rooms">
        {rooms.map((room, index) => (
          <li key={index} className="plan-room" data-testid="plan-room" data-index={index}>
            <input
              aria-label={`Name of room ${index + 1}`}
              data-testid="plan-room-name"
              value={room.name}
              onChange={(e) => edit(index, { name: e.target.value })}
            />
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
            </fieldset>
            <label className="field">
              <span className="small">Members (one name per line)</span>
              <textarea
                rows={3}
                data-testid="plan-room-members"
                value={room.membersText}
                onChange={(e) => edit(index, { membersText: e.target.value })}
              />
            </label>
          </li>
        ))}
      </ol>
      <label className="field inline">
        <span>People not in the plan</span>
        <select data-testid="plan-late-joiners" value={lateJoiners} onChange={(e) => setLateJoiners(e.target.value as LateJoiners)}>
          <option value="stay_in_main">Stay in the main room</option>
          <option value="fill_emptiest">Fill the emptiest room</option>
        </select>
      </label>
      <label className="field">
        <span>Import name,room lines (CSV)</span>
        <textarea rows={3} data-testid="plan-csv" placeholder={"name,room\nAna,Room 1"} value={csv} onChange={(e) => setCsv(e.target.value)} />
      </label>
      <div className="plan-actions">
        <button type="button" className="button" data-testid="plan-csv-import" disabled={busy || csv.trim() === ""} onClick={() => void importCsv()}>
          Import CSV
        </button>
        <button type="button" className="button primary" data-testid="plan-save" disabled={busy} onClick={() => void save()}>
          Save plan
        </button>
        {canApply && (
          <button type="button" className="button primary" data-testid="apply-plan" disabled={busy} onClick={() => void apply()}>
            Apply plan
          </button>
        )}
      </div>
      {error && (
        <p className="error small" data-testid="plan-error" role="alert">
          {error}
        </p>
      )}
      {saved && (
        <p className="small" data-testid="plan-saved" role="status">
          {saved}
        </p>
      )}
      {report && (
        <p className="small" data-testid="apply-plan-result" role="status">
          Uploaded {report.uploaded}, already there {report.already_uploaded}, {report.commands}{" "}
          {report.commands === 1 ? "change" : "changes"}
          {report.missing_documents.length > 0 && ` · missing from the library: ${report.missing_documents.join(", ")}`}
        </p>
      )}
    </section>
  );
}
