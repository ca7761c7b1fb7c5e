// The two invite links (participants, co-moderators), each ready to copy, and for staff "New invite codes", which retires the old links.
import { useEffect, useRef, useState } from "react";
import { api } from "../api";
import { useAnnounce } from "../announcer";
import { copyText } from "../clipboard";
import { ConfirmDialog } from "../dashboard/ConfirmDialog";
import type { Invites } from "../generated/Invites";
import { useToast } from "../toasts";

type Props = {
  /** None for staff who did not start the session, until they make new codes. */
  invites: Invites | null;
  canRotate: boolean;
};

export function InvitePanel({ invites, canRotate }: Props) {
  const [confirming, setConfirming] = useState(false);
  const toast = useToast();
  const announce = useAnnounce();

  const rotate = async () => {
    try {
      await api.rotateCodes();
      announce("New invite links are ready; the old ones no longer work.");
    } catch (error) {
      const text = `Could not make new invite codes: ${(error as { message: string }).message}`;
      toast({ text, tone: "error" });
      announce(text);
    }
  };

  return (
    <section className="panel invite-panel" aria-labelledby="invite-heading">
      <h2 id="invite-heading">Invite people</h2>
      {invites ? (
        <>
          <InviteLink
            label="Participants"
            hint="Anyone with this link joins as a participant."
            link={invites.participant}
            testId="invite-link"
          />
          <InviteLink
            label="Co-moderators"
            hint="Share only with people who help you run the session."
            link={invites.co_moderator}
            testId="co-moderator-invite-link"
          />
        </>
      ) : (
        <p className="muted small">The invite links are with the moderator who started the session.</p>
      )}
      {canRotate && (
        <button type="button" className="button ghost" data-testid="rotate-codes" onClick={() => setConfirming(true)}>
          New invite codes
        </button>
      )}
      {confirming && (
        <ConfirmDialog
          title="Make new invite codes?"
          description="The current invite links stop working at once for anyone who has not joined yet. People already in the session stay. Share the new links afterwards."
          confirmLabel="Make new codes"
          onConfirm={rotate}
          onClose={() => setConfirming(false)}
        />
      )}
    </section>
  );
}

function InviteLink({ label, hint, link, testId }: { label: string; hint: string; link: string; testId: string }) {
  const input = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState<"yes" | "failed" | null>(null);

  useEffect(() => {
    if (!copied) return;
    const timer = window.setTimeout(() => setCopied(null), 2500);
    return () => window.clearTimeout(timer);
  }, [copied]);

  const id = `${testId}-input`;
  return (
    <div className="invite-row">
      <label htmlFor={id} className="invite-label">
        {label}
      </label>
      <div className="copy-field">
        <input
          id={id}
          ref={input}
          data-testid={testId}
          value={link}
          readOnly
          spellCheck={false}
          onFocus={(e) => e.currentTarget.select()}
          aria-describedby={`${id}-hint`}
        />
        <button
          type="button"
          className="button"
          data-testid={`copy-${testId}`}
          onClick={async () => setCopied((await copyText(link, input.current)) ? "yes" : "failed")}
        >
          {copied === "yes" ? "Copied" : "Copy"}
        </button>
      </div>
      <small id={`${id}-hint`} className="muted">
        {copied === "failed" ? "Could not copy; select the link and copy it by hand." : hint}
      </small>
    </div>
  );
}
