// The settings disclosure on the start screen: where sessions are hosted (with the operator's key and a
// private CA), and who on the network may join.
import { useEffect, useState } from "react";
import { api } from "../api";
import type { AppError } from "../generated/AppError";
import type { SettingsView } from "../generated/SettingsView";

type Props = {
  settings: SettingsView | null;
  onSaved: (view: SettingsView) => void;
};

export function SettingsPanel({ settings, onSaved }: Props) {
  const [open, setOpen] = useState(false);
  const [endpoint, setEndpoint] = useState("");
  const [shareOnLan, setShareOnLan] = useState(false);
  const [caFile, setCaFile] = useState("");
  // A new key typed here; empty keeps the stored one. The stored key is never sent to the UI.
  const [createKey, setCreateKey] = useState("");
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);

  // Show the stored values whenever they (re)load.
  useEffect(() => {
    if (!settings) return;
    setEndpoint(settings.settings.hosted_endpoint ?? "");
    setShareOnLan(settings.settings.share_on_lan);
    setCaFile(settings.settings.ca_file ?? "");
    setCreateKey("");
  }, [settings]);

  async function save(event: { preventDefault(): void }, keyChange: string | null = createKey.trim() || null) {
    event.preventDefault();
    if (saving || settings === null) return;
    setSaving(true);
    setError(null);
    setSaved(false);
    try {
      const hosted = endpoint.trim();
      const ca = caFile.trim();
      onSaved(
        await api.saveSettings(
          {
            library_folder: settings.settings.library_folder,
            hosted_endpoint: hosted === "" ? null : hosted,
            share_on_lan: shareOnLan,
            ca_file: ca === "" ? null : ca,
          },
          keyChange,
        ),
      );
      setSaved(true);
    } catch (e) {
      setError((e as AppError).message);
    } finally {
      setSaving(false);
    }
  }

  const hosted = endpoint.trim() !== "";

  return (
    <section className="settings">
      <button
        type="button"
        className="button ghost settings-toggle"
        aria-expanded={open}
        aria-controls="settings-panel"
        data-testid="settings-toggle"
        onClick={() => setOpen((value) => !value)}
      >
        <GearIcon />
        Settings
      </button>
      {open && settings === null && <p className="muted small">Loading settings…</p>}
      {/* Shown only once loaded: typing is never overwritten, and saving never drops a stored value. */}
      {open && settings !== null && (
        <form id="settings-panel" className="panel settings-panel" onSubmit={save} noValidate>
          <label className="field">
            <span>Hosted endpoint</span>
            <input
              data-testid="settings-endpoint"
              type="url"
              value={endpoint}
              onChange={(e) => {
                setEndpoint(e.target.value);
                setSaved(false);
              }}
              placeholder="https://breakout.example.org"
              spellCheck={false}
              autoComplete="off"
            />
            <small className="muted">Leave empty to host sessions on this computer.</small>
          </label>
          {hosted && (
            <>
              <label className="field">
                <span>Key for creating sessions</span>
                <input
                  data-testid="settings-create-key"
                  type="password"
                  value={createKey}
                  onChange={(e) => {
                    setCreateKey(e.target.value);
                    setSaved(false);
                  }}
                  placeholder={settings.has_create_key ? "A key is stored (type to replace it)" : "From your endpoint's operator"}
                  autoComplete="off"
                />
              </label>
              {settings.has_create_key && (
                <button
                  type="button"
                  className="button ghost small"
                  data-testid="settings-remove-key"
                  onClick={(e) => void save(e, "")}
                >
                  Remove stored key
                </button>
              )}
            </>
          )}
          <label className="field">
            <span>CA certificate file (optional)</span>
            <input
              data-testid="settings-ca-file"
              value={caFile}
              onChange={(e) => {
                setCaFile(e.target.value);
                setSaved(false);
              }}
              placeholder="/path/to/private-ca.pem"
              spellCheck={false}
              autoComplete="off"
            />
            <small className="muted">For endpoints whose certificate comes from a private certificate authority (starting and joining).</small>
          </label>
          <label className="checkbox">
            <input
              type="checkbox"
              data-testid="settings-share-lan"
              checked={shareOnLan}
              onChange={(e) => {
                setShareOnLan(e.target.checked);
                setSaved(false);
              }}
            />
            <span>
              Let people on my network join (encrypted; the invite link carries the certificate)
              {hosted && <small className="muted"> (only applies when hosting on this computer)</small>}
            </span>
          </label>
          {settings.endpoint_from_env && (
            <p className="note" data-testid="settings-env-endpoint">
              <strong>BREAKOUT_ENDPOINT</strong> is set to <code>{settings.endpoint_from_env}</code>; it
              takes precedence over the hosted endpoint above.
            </p>
          )}
          <p className="muted small">
            Data folder: <code data-testid="settings-data-dir">{settings.data_dir}</code>
          </p>
          {error && (
            <p className="form-error" role="alert" data-testid="settings-error">
              {error}
            </p>
          )}
          <div className="panel-actions">
            {saved && (
              <span className="saved" role="status">
                Saved
              </span>
            )}
            <button
              type="submit"
              className="button"
              data-testid="settings-save"
              disabled={saving || !settings}
              aria-busy={saving}
            >
              {saving && <span className="spinner" aria-hidden="true" />}
              {saving ? "Saving…" : "Save"}
            </button>
          </div>
        </form>
      )}
    </section>
  );
}

function GearIcon() {
  return (
    <svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" fill="none" stroke="currentColor" strokeWidth="2">
      <circle cx="12" cy="12" r="3" />
      <path d="M19.4 15a1.7 1.7 0 0 0 .3 1.8l.1.1a2 2 0 1 1-2.8 2.8l-.1-.1a1.7 1.7 0 0 0-1.8-.3 1.7 1.7 0 0 0-1 1.5V21a2 2 0 1 1-4 0v-.1a1.7 1.7 0 0 0-1.1-1.5 1.7 1.7 0 0 0-1.8.3l-.1.1a2 2 0 1 1-2.8-2.8l.1-.1a1.7 1.7 0 0 0 .3-1.8 1.7 1.7 0 0 0-1.5-1H3a2 2 0 1 1 0-4h.1a1.7 1.7 0 0 0 1.5-1.1 1.7 1.7 0 0 0-.3-1.8l-.1-.1a2 2 0 1 1 2.8-2.8l.1.1a1.7 1.7 0 0 0 1.8.3H9a1.7 1.7 0 0 0 1-1.5V3a2 2 0 1 1 4 0v.1a1.7 1.7 0 0 0 1 1.5 1.7 1.7 0 0 0 1.8-.3l.1-.1a2 2 0 1 1 2.8 2.8l-.1.1a1.7 1.7 0 0 0-.3 1.8V9a1.7 1.7 0 0 0 1.5 1H21a2 2 0 1 1 0 4h-.1a1.7 1.7 0 0 0-1.5 1z" />
    </svg>
  );
}
