import { defineConfig } from "vitest/config";

export default defineConfig({
  // Relative asset paths: the supervisor serves the page at `/` and Tauri
  // loads it from its own scheme.
  base: "./",
  server: {
    // `TEND_API_URL=http://127.0.0.1:PORT npm run dev` sends API requests to a running
    // supervisor; open the dev page with the same `#token=...` that `tend dashboard` prints.
    proxy: process.env.TEND_API_URL
      ? { "/v1": { target: process.env.TEND_API_URL, changeOrigin: true } }
      : undefined,
  },
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
