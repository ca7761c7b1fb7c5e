// Offline preparation: the library folder and the room plan, reachable with or without a session.
import { useMemo } from "react";
import type { LiveView } from "../generated/LiveView";
import { isStaff } from "../session";
import { LibraryFolder } from "./LibraryFolder";
import { PlanEditor } from "./PlanEditor";
import { useLibrary } from "./useLibrary";

export function PrepareScreen({ view, onClose }: { view: LiveView | null; onClose: () => void }) {
  const [library, setLibrary] = useLibrary();
  const staffInSession = view !== null && isStaff(view.role);
  const documents = view?.session.documents;
  const uploaded = useMemo(
    () => (staffInSession && documents ? new Set(documents.map((document) => document.sha256)) : null),
    [staffInSession, documents],
  );
  return (
    <section className="prepare-screen" data-testid="prepare-screen" aria-labelledby="prepare-heading">
      <header className="prepare-header">
        <h1 id="prepare-heading">Prepare</h1>
        <p className="muted">Set up documents and rooms ahead of time; nothing here needs a connection.</p>
        <button type="button" className="button" data-testid="close-prepare" onClick={onClose}>
          Back
        </button>
      </header>
      <div className="prepare-body">
        <LibraryFolder library={library} onChanged={setLibrary} uploaded={uploaded} />
        <PlanEditor library={library} canApply={staffInSession} />
      </div>
    </section>
  );
}
