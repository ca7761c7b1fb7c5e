// A visually hidden aria-live region for things screen-reader users must hear (moves done or undone).
import { createContext, useCallback, useContext, useRef, useState } from "react";
import type { ReactNode } from "react";

const AnnounceContext = createContext<(message: string) => void>(() => {});

/** `const announce = useAnnounce(); announce("Moved Ana to Room 2")`. */
export function useAnnounce(): (message: string) => void {
  return useContext(AnnounceContext);
}

export function AnnouncerProvider({ children }: { children: ReactNode }) {
  const [message, setMessage] = useState("");
  const timer = useRef<number | undefined>(undefined);

  const announce = useCallback((next: string) => {
    // Clear first so the same sentence twice in a row is still read out.
    setMessage("");
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(() => setMessage(next), 50);
  }, []);

  return (
    <AnnounceContext.Provider value={announce}>
      {children}
      <div className="visually-hidden" aria-live="polite" aria-atomic="true" data-testid="announcer">
        {message}
      </div>
    </AnnounceContext.Provider>
  );
}
