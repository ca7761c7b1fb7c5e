// The call-to-action banner participants see at the top of the window until they dismiss it.
import type { CallToAction } from "../generated/CallToAction";
import { MegaphoneIcon } from "./CallDialog";

export function CallBanner({ calls, onDismiss }: { calls: CallToAction[]; onDismiss: () => void }) {
  const newest = calls[calls.length - 1];
  if (!newest) return null;
  return (
    <div className="cta-banner" role="alert" data-testid="cta-banner">
      <MegaphoneIcon />
      <p className="cta-banner-text">
        {newest.text}
        {calls.length > 1 && <span className="muted small"> ({calls.length} calls)</span>}
      </p>
      {newest.link && (
        <a className="button small" href={newest.link} target="_blank" rel="noreferrer">
          Open link
        </a>
      )}
      <button type="button" className="button small ghost" data-testid="cta-dismiss" onClick={onDismiss}>
        Dismiss
      </button>
    </div>
  );
}
