// The watched library folder: its path (typed or picked natively), its files, and — for staff in a session — uploading them.
import { useState } from "react";
import { api } from "../api";
import type { AppError } from "../generated/AppError";
import type { LibraryView } from "../generated/LibraryView";
import { formatSize } from "../documents/format";
import { TransferList } from "../documents/TransferList";
import { useTransfers } from "../documents/useTransfers";

type Props = {
  library: LibraryView | null;
  onChanged: (library: LibraryView) => void;
  /** In a session as staff: the sha256 of every document already uploaded; null otherwise (no uploading). */
  uploaded: Set<string> | null;
};

export function LibraryFolder({ library, onChanged, uploaded }: Props) {
  // What the user typed, until it is used; the watched folder is shown otherwise (so a library that
  // loads late never overwrites typing).
  const [draft, setDraft] = useState<string | null>(null);
  const folder = draft ?? library?.folder ?? "";
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const transfers = useTransfers();

  const change = async (action: () => Promise<LibraryView>) => {
    setError(null);
    setBusy(true);
    try {
      onChanged(await action());
      setDraft(null);
    } catch (e) {
      setError((e as AppError).message);
    } finally {
      setBusy(false);
    }
  };

  const upload = async (names: string[]) => {
    setError(null);
    try {
      await api.uploadLibraryFiles(names);
    } catch (e) {
      setError(`Could not upload: ${(e as AppError).message}`);
    }
  };

  const files = library?.files ?? [];
  const notUploaded = uploaded ? files.filter((file) => !uploaded.has(file.sha256)) : [];
  const shownError = error ?? library?.error ?? null;

  return (
    <section className="panel library-folder" aria-labelledby="library-folder-heading">
      <h2 id="library-folder-heading">Library folder</h2>
      <p className="muted small">Files you put in this folder are ready to share, even with no session running.</p>
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          void change(() => api.setLibraryFolder(folder.trim()));
        }}
      >
        <input
          data-testid="library-folder"
          aria-label="Library folder"
          value={folder}
          spellCheck={false}
          aria-invalid={shownError !== null || undefined}
          aria-describedby={shownError ? "library-error" : undefined}
          onChange={(e) => setDraft(e.target.value)}
        />
        <button type="submit" className="button" data-testid="library-folder-save" disabled={busy}>
          Use folder
        </button>
        <button
          type="button"
          className="button ghost"
          data-testid="library-folder-choose"
          disabled={busy}
          onClick={() => void change(api.chooseLibraryFolder)}
        >
          Choose…
        </button>
      </form>
      {shownError && (
        <p id="library-error" className="error small" data-testid="library-error" role="alert">
          {shownError}
        </p>
      )}
      {library && files.length === 0 && !library.error && <p className="muted small">The folder is empty.</p>}
      {uploaded && notUploaded.length > 1 && (
        <div className="library-upload-all">
          <button
            type="button"
            className="button small"
            data-testid="library-upload-all"
            onClick={() => void upload(notUploaded.map((file) => file.name))}
          >
            Upload all {notUploaded.length} to the session
          </button>
        </div>
      )}
      <ul className="library-files">
        {files.map((file) => (
          <li key={file.name} data-testid="library-file" data-name={file.name}>
            <span className="library-file-name">{file.name}</span>
            <span className="muted small">{formatSize(file.size)}</span>
            {uploaded &&
              (uploaded.has(file.sha256) ? (
                <span className="tag" data-testid="library-file-uploaded">
                  In session
                </span>
              ) : (
                <button
                  type="button"
                  className="button small ghost"
                  data-testid="library-file-upload"
                  aria-label={`Upload ${file.name} to the session`}
                  onClick={() => void upload([file.name])}
                >
                  Upload
                </button>
              ))}
          </li>
        ))}
      </ul>
      {uploaded && <TransferList transfers={transfers} />}
    </section>
  );
}
