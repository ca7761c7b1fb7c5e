// The local library folder as the Rust side watches it (works offline). Views come both as events
// and as command answers, which may arrive out of order: the one with the larger revision wins.
import { useCallback, useEffect, useState } from "react";
import { api, followLibrary } from "../api";
import type { LibraryView } from "../generated/LibraryView";

const newer = (current: LibraryView | null, next: LibraryView) =>
  current !== null && current.revision > next.revision ? current : next;

export function useLibrary(): [LibraryView | null, (library: LibraryView) => void] {
  const [library, setLibrary] = useState<LibraryView | null>(null);
  const accept = useCallback((next: LibraryView) => setLibrary((current) => newer(current, next)), []);
  useEffect(() => {
    const stop = followLibrary(accept);
    api.getLibrary().then(accept, () => {});
    return stop;
  }, [accept]);
  return [library, accept];
}
