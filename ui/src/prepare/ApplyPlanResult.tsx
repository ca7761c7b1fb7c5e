// The report of applying the room plan, in one sentence: "Uploaded 2, already there 1, 7 changes".
import type { ApplyReport } from "../generated/ApplyReport";

export function describeApplyReport(report: ApplyReport): string {
  const changes = `${report.commands} ${report.commands === 1 ? "change" : "changes"}`;
  const missing =
    report.missing_documents.length > 0
      ? ` · missing from the library: ${report.missing_documents.join(", ")}`
      : "";
  return `Uploaded ${report.uploaded}, already there ${report.already_uploaded}, ${changes}${missing}`;
}

export function ApplyPlanResult({ report, className }: { report: ApplyReport; className?: string }) {
  const missing = report.missing_documents.length > 0;
  return (
    <p
      className={`apply-plan-result small ${missing ? "has-missing" : ""} ${className ?? ""}`}
      data-testid="apply-plan-result"
      data-missing={report.missing_documents.length}
      role="status"
    >
      {describeApplyReport(report)}
    </p>
  );
}
