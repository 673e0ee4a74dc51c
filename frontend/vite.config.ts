import { defineConfig } from "vitest/config";

// One entry, fixed file names: the Django templates load {% static 'build/app.js' %}
// directly, so there are no hashes and no manifest. Paths are relative to this folder.
// `base` is where Django serves the build (STATIC_URL + "build/"): Vite's preload helper
// prefixes it to lazily loaded chunks (the run and model pages); with the default "/" they 404.
export default defineConfig({
  base: "/static/build/",
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
