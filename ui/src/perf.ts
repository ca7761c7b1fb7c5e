// Performance probes read by the figures benchmark (tests/e2e/desktop_figures.rs): the time from app
// start to first paint (set on <html data-first-paint-ms>) and frame times while a chip is dragged
// (window.__breakoutDragFrames, milliseconds between animation frames).
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
