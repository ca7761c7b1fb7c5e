// Uploads and downloads: running ones with progress and Cancel, failures with their reason, finished ones briefly.
import { useEffect, useState } from "react";
import { api } from "../api";
import type { Transfer } from "../generated/Transfer";
import { useToast } from "../toasts";
import { formatSize } from "./format";
import { dismissedTransfers, finishedFor } from "./useTransfers";

/** Finished and cancelled transfers stay visible this long. */
const DONE_VISIBLE_MS = 4000;

export function TransferList({ transfers }: { transfers: Transfer[] }) {
  const toast = useToast();
  const [, tick] = useState(0);
  const now = Date.now();
  const visible = transfers.filter((t) => {
    if (dismissedTransfers.has(t.id)) return false;
    if (t.state === "running" || t.state === "failed") return true;
    return finishedFor(t, now) < DONE_VISIBLE_MS;
  });
  const fading = visible.some((t) => t.state === "done" || t.state === "cancelled");

  // Re-render while something is waiting to disappear.
  useEffect(() => {
    if (!fading) return;
    const timer = window.setTimeout(() => tick((n) => n + 1), 1000);
    return () => window.clearTimeout(timer);
  });

  if (visible.length === 0) return null;

  const cancel = (t: Transfer) =>
    api.cancelTransfer(t.id).catch((error: { message: string }) =>
      toast({ text: `Could not cancel ${t.name}: ${error.message}`, tone: "error" }),
    );

  return (
    <ul className="transfers" aria-label="Uploads and downloads">
      {visible.map((t) => {
        const percent = t.total > 0 ? Math.min(100, Math.round((t.done / t.total) * 100)) : 0;
        const verb = t.kind === "upload" ? "Uploading" : "Downloading";
        const noun = t.kind === "upload" ? "Upload of" : "Download of";
        return (
          <li
            key={t.id}
            className={`transfer transfer-${t.state}`}
            data-testid="transfer"
            data-transfer-id={t.id}
            data-kind={t.kind}
            data-state={t.state}
          >
            <div className="transfer-line">
              <span className="transfer-name">
                {t.state === "running" ? verb : noun} {t.name}
              </span>
              <span className="muted small transfer-status" data-testid="transfer-status">
                {t.state === "running" && `${percent}% of ${formatSize(t.total)}`}
                {t.state === "done" && "Done"}
                {t.state === "cancelled" && "Cancelled"}
                {t.state === "failed" && "Failed"}
              </span>
              {t.state === "running" && (
                <button
                  type="button"
                  className="button small ghost"
                  data-testid="transfer-cancel"
                  aria-label={`Cancel ${verb.toLowerCase()} ${t.name}`}
                  onClick={() => void cancel(t)}
                >
                  Cancel
                </button>
              )}
              {t.state === "failed" && (
                <button
                  type="button"
                  className="button small ghost"
                  data-testid="transfer-dismiss"
                  aria-label={`Dismiss the failed ${t.kind} of ${t.name}`}
                  onClick={() => {
                    dismissedTransfers.add(t.id);
                    tick((n) => n + 1);
                  }}
                >
                  Dismiss
                </button>
              )}
            </div>
            {t.state === "running" && (
              <progress
                data-testid={t.kind === "upload" ? "upload-progress" : "download-progress"}
                value={t.done}
                max={Math.max(t.total, 1)}
                aria-label={`${verb} ${t.name}: ${percent}%`}
              />
            )}
            {t.state === "failed" && (
              <p className="error small" data-testid="transfer-error" role="alert">
                {t.error ?? "The transfer failed."}
              </p>
            )}
          </li>
        );
      })}
    </ul>
  );
}
