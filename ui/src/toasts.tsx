// Short-lived messages in a corner (notices from the session, refused commands), each dismissable.
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState } from "react";
import type { ReactNode } from "react";

export type ToastTone = "info" | "success" | "warning" | "error";

export type ToastInput = {
  text: string;
  /** A bold first line, when the text needs context. */
  title?: string;
  tone?: ToastTone;
  /** How long it stays; 6 s unless said otherwise. */
  timeoutMs?: number;
};

type Toast = Required<Omit<ToastInput, "title">> & { id: number; title?: string };

const DEFAULT_TIMEOUT_MS = 6000;
const MAX_TOASTS = 5;

const ToastContext = createContext<(toast: ToastInput) => void>(() => {});

/** Shows a toast: `const toast = useToast(); toast({ text: "…" })`. */
export function useToast(): (toast: ToastInput) => void {
  return useContext(ToastContext);
}

export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const nextId = useRef(1);

  const push = useCallback((input: ToastInput) => {
    const toast: Toast = {
      id: nextId.current++,
      text: input.text,
      title: input.title,
      tone: input.tone ?? "info",
      timeoutMs: input.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    };
    setToasts((current) => [...current, toast].slice(-MAX_TOASTS));
  }, []);

  const dismiss = useCallback((id: number) => {
    setToasts((current) => current.filter((toast) => toast.id !== id));
  }, []);

  const value = useMemo(() => push, [push]);

  return (
    <ToastContext.Provider value={value}>
      {children}
      <div className="toasts" aria-live="polite" aria-relevant="additions">
        {toasts.map((toast) => (
          <ToastItem key={toast.id} toast={toast} onDismiss={dismiss} />
        ))}
      </div>
    </ToastContext.Provider>
  );
}

/** Stays while its dismiss button has focus, so keyboard users can read it. */
function ToastItem({ toast, onDismiss }: { toast: Toast; onDismiss: (id: number) => void }) {
  const [paused, setPaused] = useState(false);

  useEffect(() => {
    if (paused) return;
    const timer = window.setTimeout(() => onDismiss(toast.id), toast.timeoutMs);
    return () => window.clearTimeout(timer);
  }, [paused, toast.id, toast.timeoutMs, onDismiss]);

  return (
    <div
      className={`toast toast-${toast.tone}`}
      data-testid="notification"
      role={toast.tone === "error" ? "alert" : "status"}
      onFocus={() => setPaused(true)}
      onBlur={() => setPaused(false)}
    >
      <div className="toast-body">
        {toast.title && <div className="toast-title">{toast.title}</div>}
        <div className="toast-text">{toast.text}</div>
      </div>
      <button
        type="button"
        className="icon-button toast-dismiss"
        aria-label="Dismiss notification"
        title="Dismiss"
        onClick={() => onDismiss(toast.id)}
      >
        <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true">
          <path d="M4 4l8 8M12 4l-8 8" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" />
        </svg>
      </button>
    </div>
  );
}
