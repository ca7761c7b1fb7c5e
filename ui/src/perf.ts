// Probes for the figures benchmark (tests/e2e/desktop_figures.rs): first paint (<html data-first-paint-ms>) and drag frame times (window.__breakoutDragFrames).
import { api } from "./api";

declare global {
  interface Window {
    __breakoutDragFrames?: number[];
  }
}

/** Report the first painted frame once the first render is on screen. */
export function reportFirstPaint(): void {
  requestAnimationFrame(() =>
    requestAnimationFrame(() => {
      api.reportFirstPaint(Date.now()).then(
        (ms) => (document.documentElement.dataset.firstPaintMs = ms.toFixed(0)),
        () => {},
      );
    }),
  );
}

/** Record frame durations until the returned function is called (a drag's lifetime). */
export function trackDragFrames(): () => void {
  const frames = (window.__breakoutDragFrames ??= []);
  let last = performance.now();
  let handle = requestAnimationFrame(function frame(now) {
    frames.push(now - last);
    last = now;
    handle = requestAnimationFrame(frame);
  });
  return () => cancelAnimationFrame(handle);
}
