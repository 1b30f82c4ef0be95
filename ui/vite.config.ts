import { defineConfig } from "vitest/config";

export default defineConfig({
  // Relative asset paths: the supervisor serves the page at `/` and Tauri
  // loads it from its own scheme.
  base: "./",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
  },
  test: {
    include: ["test/**/*.test.ts"],
    environment: "node",
  },
});
