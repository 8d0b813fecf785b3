// The console is served by `floe serve` from the binary (cmake/ConsoleAssets.cmake):
// no inline scripts or styles (the head's Content-Security-Policy forbids them), no
// source maps, and every asset a separate content-hashed file under /assets/.
import { defineConfig } from "vite";

export default defineConfig({
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  build: {
    target: "es2020",
    sourcemap: false,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 300,
  },
});
