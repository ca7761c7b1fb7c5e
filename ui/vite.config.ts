// Builds the web view into ui/dist, which Tauri embeds (relative paths: the app serves it itself).
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

export default defineConfig({
  plugins: [react()],
  base: "./",
  build: {
    outDir: "dist",
    target: "es2021",
    emptyOutDir: true,
  },
});
