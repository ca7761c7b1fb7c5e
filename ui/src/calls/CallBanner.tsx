// The call-to-action banner at the top of the window: the newest call (with a count of earlier ones) until dismissed.
import type { CallToAction } from "../generated/CallToAction";
import type { SessionIndex } from "../session";
import { MegaphoneIcon } from "./CallDialog";

type Props = { calls: CallToAction[]; index: SessionIndex; onDismiss: () => void };

export function CallBanner({ calls, index, onDismiss }: Props) {
  const newest = calls[calls.length - 1];
  if (!newest) return null;
  const sender = index.participants.get(newest.sent_by)?.name;
  const earlier = calls.length - 1;
  return (
    <div className="cta-banner" role="alert" data-testid="cta-banner" data-count={calls.length}>
      <MegaphoneIcon />
      <div className="cta-banner-body">
        <p className="cta-banner-text" data-testid="cta-banner-text">
          {newest.text}
        </p>
        <p className="cta-banner-meta small">
          {sender ? `From ${sender}` : "From the moderator"} ·{" "}
          {new Date(newest.sent_at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })}
          {earlier > 0 && (
            <span className="count cta-banner-count" data-testid="cta-banner-count">
              +{earlier} earlier
            </span>
          )}
        </p>
      </div>
      {newest.link && (
        <a
          className="button small primary"
          data-testid="cta-banner-link"
          href={newest.link}
          target="_blank"
          rel="noreferrer"
        >
          Open link
        </a>
      )}
      <button
        type="button"
        className="button small ghost"
        data-testid="cta-dismiss"
        aria-label={earlier > 0 ? `Dismiss all ${calls.length} calls to action` : "Dismiss the call to action"}
        onClick={onDismiss}
      >
        Dismiss
      </button>
    </div>
  );
}
