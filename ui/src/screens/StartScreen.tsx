// The first screen: start a new session as its moderator, or join one with an invite link.
import { useEffect, useRef, useState } from "react";
import type { FormEvent } from "react";
import { api } from "../api";
import type { AppError } from "../generated/AppError";
import type { LiveView } from "../generated/LiveView";
import type { SettingsView } from "../generated/SettingsView";
import { SettingsPanel } from "./SettingsPanel";

const MAX_NAME_CHARS = 64;
const MAX_TITLE_CHARS = 200;

type Props = {
  /** An invite link handed to the app by the OS; `nonce` changes each time one arrives. */
  invite: { link: string; nonce: number } | null;
  onEntered: (view: LiveView) => void;
  onPrepare: () => void;
};

type Busy = "start" | "join" | null;

export function StartScreen({ invite, onEntered, onPrepare }: Props) {
  const [title, setTitle] = useState("");
  const [startName, setStartName] = useState("");
  const [link, setLink] = useState("");
  const [joinName, setJoinName] = useState("");
  const [busy, setBusy] = useState<Busy>(null);
  const [startError, setStartError] = useState<string | null>(null);
  const [joinError, setJoinError] = useState<string | null>(null);
  const [settings, setSettings] = useState<SettingsView | null>(null);
  const joinNameRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    let current = true;
    api.getSettings().then(
      (view) => current && setSettings(view),
      (error: AppError) => console.error("could not read settings", error),
    );
    return () => {
      current = false;
    };
  }, []);

  useEffect(() => {
    if (!invite) return;
    setLink(invite.link);
    setJoinError(null);
    joinNameRef.current?.focus();
  }, [invite]);

  async function start(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    if (!title.trim()) return setStartError("Give the session a title.");
    if (!startName.trim()) return setStartError("Enter your name.");
    setStartError(null);
    setBusy("start");
    try {
      onEntered(await api.startSession(title.trim(), startName.trim()));
    } catch (error) {
      setStartError((error as AppError).message);
      setBusy(null);
    }
  }

  async function join(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    if (!link.trim()) return setJoinError("Paste the invite link you were sent.");
    if (!joinName.trim()) return setJoinError("Enter your name.");
    setJoinError(null);
    setBusy("join");
    try {
      onEntered(await api.joinSession(link.trim(), joinName.trim()));
    } catch (error) {
      setJoinError((error as AppError).message);
      setBusy(null);
    }
  }

  const where = settings ? startTarget(settings) : null;

  return (
    <div className="start-screen" data-testid="start-screen">
      <header className="start-header">
        <Logo />
        <div>
          <h1>Breakout</h1>
          <p className="muted">Breakout rooms for your live sessions.</p>
        </div>
      </header>

      <div className="start-panels">
        <form className="panel start-panel" onSubmit={start} aria-labelledby="start-heading" noValidate>
          <h2 id="start-heading">Start a session</h2>
          <p className="muted">You will be the moderator and get invite links to share.</p>
          <label className="field">
            <span>Session title</span>
            <input
              data-testid="start-title"
              value={title}
              onChange={(e) => setTitle(e.target.value)}
              placeholder="e.g. Design workshop"
              maxLength={MAX_TITLE_CHARS}
              autoComplete="off"
              disabled={busy !== null}
            />
          </label>
          <label className="field">
            <span>Your name</span>
            <input
              data-testid="start-name"
              value={startName}
              onChange={(e) => setStartName(e.target.value)}
              maxLength={MAX_NAME_CHARS}
              autoComplete="name"
              disabled={busy !== null}
            />
          </label>
          {startError && (
            <p className="form-error" role="alert" data-testid="start-error">
              {startError}
            </p>
          )}
          <div className="panel-actions">
            {where && <span className="muted small">{where}</span>}
            <button
              type="submit"
              className="button primary"
              data-testid="start-session"
              disabled={busy !== null}
              aria-busy={busy === "start"}
            >
              {busy === "start" && <span className="spinner" aria-hidden="true" />}
              {busy === "start" ? "Starting…" : "Start"}
            </button>
          </div>
        </form>

        <form className="panel start-panel" onSubmit={join} aria-labelledby="join-heading" noValidate>
          <h2 id="join-heading">Join a session</h2>
          <p className="muted">Paste the invite link you received.</p>
          <label className="field">
            <span>Invite link</span>
            <input
              data-testid="join-link"
              value={link}
              onChange={(e) => setLink(e.target.value)}
              placeholder="breakout://join?…"
              autoComplete="off"
              spellCheck={false}
              disabled={busy !== null}
            />
          </label>
          <label className="field">
            <span>Your name</span>
            <input
              ref={joinNameRef}
              data-testid="join-name"
              value={joinName}
              onChange={(e) => setJoinName(e.target.value)}
              maxLength={MAX_NAME_CHARS}
              autoComplete="name"
              disabled={busy !== null}
            />
          </label>
          {joinError && (
            <p className="form-error" role="alert" data-testid="join-error">
              {joinError}
            </p>
          )}
          <div className="panel-actions">
            <button
              type="submit"
              className="button primary"
              data-testid="join-session"
              disabled={busy !== null}
              aria-busy={busy === "join"}
            >
              {busy === "join" && <span className="spinner" aria-hidden="true" />}
              {busy === "join" ? "Joining…" : "Join"}
            </button>
          </div>
        </form>
      </div>

      <div className="start-extras">
        <button type="button" className="button ghost" data-testid="open-prepare" onClick={onPrepare}>
          Prepare documents and rooms (works offline)
        </button>
      </div>
      <SettingsPanel settings={settings} onSaved={setSettings} />
    </div>
  );
}

/** Where "Start" will run the session, in words. */
function startTarget(view: SettingsView): string {
  if (view.endpoint_from_env) return `Starts on ${view.endpoint_from_env}`;
  if (view.settings.hosted_endpoint) return `Starts on ${view.settings.hosted_endpoint}`;
  return view.settings.share_on_lan
    ? "Hosted on this computer, open to your network"
    : "Hosted on this computer";
}

function Logo() {
  return (
    <svg className="logo" viewBox="0 0 32 32" width="40" height="40" aria-hidden="true">
      <rect x="2" y="2" width="28" height="28" rx="8" fill="var(--accent)" />
      <rect x="8" y="8" width="7" height="7" rx="2" fill="var(--accent-contrast)" />
      <rect x="17" y="8" width="7" height="7" rx="2" fill="var(--accent-contrast)" opacity="0.75" />
      <rect x="8" y="17" width="7" height="7" rx="2" fill="var(--accent-contrast)" opacity="0.75" />
      <rect x="17" y="17" width="7" height="7" rx="2" fill="var(--accent-contrast)" opacity="0.5" />
    </svg>
  );
}
