// Uploads and downloads in progress (with Cancel), failures with their reason, recent successes.
import { useEffect, useState } from "react";
import { api } from "../api";
import type { Transfer } from "../generated/Transfer";
import { formatSize } from "./format";

/** Finished transfers stay visible this long. */
const DONE_VISIBLE_MS = 4000;

export function TransferList({ transfers }: { transfers: Transfer[] }) {
  const [finishedAt] = useState(() => new Map<number, number>());
  const [, tick] = useState(0);
  useEffect(() => {
    const timer = window.setInterval(() => tick((n) => n + 1), 1000);
    return () => window.clearInterval(timer);
  }, []);
  const now = Date.now();
  const visible = transfers.filter((t) => {
    if (t.state === "running" || t.state === "failed") return true;
    if (!finishedAt.has(t.id)) finishedAt.set(t.id, now);
    return now - (finishedAt.get(t.id) ?? now) < DONE_VISIBLE_MS;
  });
  if (visible.length === 0) return null;
  return (
    <ul className="transfers" aria-label="Uploads and downloads">
      {visible.map((t) => {
        const percent = t.total > 0 ? Math.round((t.done / t.total) * 100) : 0;
        return (
          <li key={t.id} className={`transfer transfer-${t.state}`} data-testid="transfer" data-state={t.state}>
            <div className="transfer-line">
              <span className="transfer-name">
                {t.kind === "upload" ? "Uploading" : "Downloading"} {t.name}
              </span>
              <span className="muted small">
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
                  onClick={() => void api.cancelTransfer(t.id)}
                >
                  Cancel
                </button>
              )}
            </div>
            {t.state === "running" && (
              <progress
                data-testid={t.kind === "upload" ? "upload-progress" : "download-progress"}
                value={t.done}
                max={Math.max(t.total, 1)}
                aria-label={`${t.name}: ${percent}%`}
              />
            )}
            {t.error && (
              <p className="error small" data-testid="transfer-error">
                {t.error}
              </p>
            )}
          </li>
        );
      })}
    </ul>
  );
}
