// Entry point: mounts the app with its toast and screen-reader announcement providers.
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import { AnnouncerProvider } from "./announcer";
import { ToastProvider } from "./toasts";
import { reportFirstPaint } from "./perf";
import "./styles.css";

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <AnnouncerProvider>
      <ToastProvider>
        <App />
      </ToastProvider>
    </AnnouncerProvider>
  </StrictMode>,
);

reportFirstPaint();
