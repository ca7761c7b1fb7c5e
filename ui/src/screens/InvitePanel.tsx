// The moderator's two invite links (participants, co-moderators), each ready to copy.
import { useEffect, useRef, useState } from "react";
import { copyText } from "../clipboard";
import type { Invites } from "../generated/Invites";

export function InvitePanel({ invites }: { invites: Invites }) {
  return (
    <section className="panel invite-panel" aria-labelledby="invite-heading">
      <h2 id="invite-heading">Invite people</h2>
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
