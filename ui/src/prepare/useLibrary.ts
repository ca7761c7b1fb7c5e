// The local library folder as the Rust side watches it (works offline).
import { useEffect, useState } from "react";
import { api, followLibrary } from "../api";
import type { LibraryView } from "../generated/LibraryView";

export function useLibrary(): [LibraryView | null, (library: LibraryView) => void] {
  const [library, setLibrary] = useState<LibraryView | null>(null);
  useEffect(() => {
    let seen = false;
    const stop = followLibrary((next) => {
      seen = true;
      setLibrary(next);
    });
    api.getLibrary().then((next) => !seen && setLibrary(next), () => {});
    return stop;
  }, []);
  return [library, setLibrary];
}
