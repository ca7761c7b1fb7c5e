// The watched library folder: where it is (editable, or chosen in a native dialog) and its files.
import { useEffect, useState } from "react";
import { api } from "../api";
import type { AppError } from "../generated/AppError";
import type { LibraryView } from "../generated/LibraryView";
import { formatSize } from "../documents/format";

type Props = { library: LibraryView | null; onChanged: (library: LibraryView) => void };

export function LibraryFolder({ library, onChanged }: Props) {
  const [folder, setFolder] = useState("");
  const [error, setError] = useState<string | null>(null);
  useEffect(() => setFolder(library?.folder ?? ""), [library?.folder]);

  const change = async (action: () => Promise<LibraryView>) => {
    setError(null);
    try {
      onChanged(await action());
    } catch (e) {
      setError((e as AppError).message);
    }
  };

  return (
    <section className="panel" aria-labelledby="library-folder-heading">
      <h2 id="library-folder-heading">Library folder</h2>
      <p className="muted small">Files you put in this folder are ready to share, even with no session running.</p>
      <div className="inline-form">
        <input
          data-testid="library-folder"
          aria-label="Library folder"
          value={folder}
          onChange={(e) => setFolder(e.target.value)}
          onKeyDown={(e) => e.key === "Enter" && void change(() => api.setLibraryFolder(folder))}
        />
        <button type="button" className="button" data-testid="library-folder-save" onClick={() => void change(() => api.setLibraryFolder(folder))}>
          Use folder
        </button>
        <button type="button" className="button ghost" data-testid="library-folder-choose" onClick={() => void change(api.chooseLibraryFolder)}>
          Choose…
        </button>
      </div>
      {(error ?? library?.error) && (
        <p className="error small" data-testid="library-error">
          {error ?? library?.error}
        </p>
      )}
      {library && library.files.length === 0 && <p className="muted small">The folder is empty.</p>}
      <ul className="library-files">
        {library?.files.map((file) => (
          <li key={file.name} data-testid="library-file" data-name={file.name}>
            <span>{file.name}</span>
            <span className="muted small">{formatSize(file.size)}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}
