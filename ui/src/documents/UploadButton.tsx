// "Upload documents" (staff): opens the native multi-file dialog on the Rust side; progress shows in the transfers list.
import { useState } from "react";
import { api } from "../api";
import type { AppError } from "../generated/AppError";
import { useToast } from "../toasts";

export function UploadButton() {
  const toast = useToast();
  const [picking, setPicking] = useState(false);

  const upload = async () => {
    setPicking(true);
    try {
      await api.uploadDocuments();
    } catch (error) {
      toast({ text: `Could not upload: ${(error as AppError).message}`, tone: "error" });
    } finally {
      setPicking(false);
    }
  };

  return (
    <button
      type="button"
      className="button small"
      data-testid="upload-documents"
      onClick={() => void upload()}
      disabled={picking}
      aria-busy={picking}
    >
      <UploadIcon /> Upload documents
    </button>
  );
}

function UploadIcon() {
  return (
    <svg viewBox="0 0 24 24" width="14" height="14" aria-hidden="true" fill="none" stroke="currentColor" strokeWidth="2">
      <path d="M12 16V4M6 10l6-6 6 6M4 20h16" strokeLinecap="round" strokeLinejoin="round" />
    </svg>
  );
}
