import { defineConfig } from "vitest/config";

// One entry, fixed file names: the Django templates load {% static 'build/app.js' %}
// directly, so there are no hashes and no manifest. Paths are relative to this folder.
export default defineConfig({
  build: {
    outDir: "../static/build",
    emptyOutDir: true,
    target: "es2022",
    sourcemap: true,
    rollupOptions: {
      input: "src/main.ts",
      output: {
        entryFileNames: "app.js",
        chunkFileNames: "[name].js",
        assetFileNames: "[name][extname]",
      },
    },
  },
  test: {
    include: ["src/**/*.test.ts"],
    environment: "node",
  },
});
