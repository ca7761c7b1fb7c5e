// "Apply plan" in the dashboard's staff controls: runs the saved room plan on this session and shows what it did.
import { useState } from "react";
import { api } from "../api";
import { useAnnounce } from "../announcer";
import type { AppError } from "../generated/AppError";
import type { ApplyReport } from "../generated/ApplyReport";
import { ApplyPlanResult, describeApplyReport } from "../prepare/ApplyPlanResult";
import { useToast } from "../toasts";

export function ApplyPlanControl() {
  const toast = useToast();
  const announce = useAnnounce();
  const [busy, setBusy] = useState(false);
  const [report, setReport] = useState<ApplyReport | null>(null);

  const apply = async () => {
    setBusy(true);
    setReport(null);
    try {
      const done = await api.applyPlan();
      setReport(done);
      announce(`Plan applied. ${describeApplyReport(done)}`);
    } catch (error) {
      const text = `Could not apply the plan: ${(error as AppError).message}`;
      toast({ text, tone: "error" });
      announce(text);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <div className="control-group">
        <button
          type="button"
          className="button"
          data-testid="apply-plan"
          disabled={busy}
          aria-busy={busy}
          title="Set up rooms, documents and people as in your saved plan"
          onClick={() => void apply()}
        >
          {busy && <span className="spinner" aria-hidden="true" />}
          Apply plan
        </button>
      </div>
      {report && (
        <div className="control-row">
          <ApplyPlanResult report={report} />
          <button
            type="button"
            className="icon-button"
            aria-label="Hide the plan report"
            title="Hide"
            onClick={() => setReport(null)}
          >
            <svg viewBox="0 0 16 16" width="12" height="12" aria-hidden="true">
              <path d="M4 4l8 8M12 4l-8 8" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" />
            </svg>
          </button>
        </div>
      )}
    </>
  );
}
