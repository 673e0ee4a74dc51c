#!/usr/bin/env node
/**
 * Checks that the frontend's relative imports only point one way (no dependencies, plain Node).
 *
 * Reads every .ts file under frontend/src and frontend/test, resolves each relative
 * `import ... from "./x"`, `export ... from "./x"`, `import "./x"` and `import("./x")`, and
 * fails (exit 1, each problem printed) on:
 *   - an import cycle (type-only imports count too: they still tie the modules together);
 *   - a page module (src/pages/<area>/) importing another area's module; only the shared
 *     folders in SHARED_AREAS may be imported from every area;
 *   - a module outside src/pages/ (api, lib, labeller, charts, ...) importing a page module
 *     (main.ts, the entry point, is the one exception: it mounts the pages);
 *   - src/api/ importing anything outside src/api/ (it is the bottom layer);
 *   - app code importing tests or test helpers (*.test.ts, test/);
 *   - an import statement after the first line of code (imports go at the top of a file);
 *   - a relative import that resolves to no file.
 *
 * Usage: node frontend/scripts/check-imports.mjs   (npm run check-imports)
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const SRC = join(ROOT, "src");
const ROOTS = [SRC, join(ROOT, "test")];
/** Folders under src/pages/ that every page area may import (and that import no area). */
const SHARED_AREAS = new Set(["widgets"]);
const ENTRY = join(SRC, "main.ts");

const rel = (file) => relative(ROOT, file).split(sep).join("/");

function walk(dir, out = []) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (name.endsWith(".ts") && !name.endsWith(".d.ts")) out.push(path);
  }
  return out;
}

/** Blank out comments, keeping line breaks (so line numbers stay right) and string contents. */
function stripComments(text) {
  let out = "";
  let i = 0;
  let quote = null;
  while (i < text.length) {
    const c = text[i];
    const next = text[i + 1];
    if (quote) {
      out += c;
      if (c === "\\") {
        out += next ?? "";
        i += 2;
        continue;
      }
      if (c === quote) quote = null;
      i++;
    } else if (c === '"' || c === "'" || c === "`") {
      quote = c;
      out += c;
      i++;
    } else if (c === "/" && next === "/") {
      while (i < text.length && text[i] !== "\n") i++;
    } else if (c === "/" && next === "*") {
      const end = text.indexOf("*/", i + 2);
      const stop = end < 0 ? text.length : end + 2;
      out += text.slice(i, stop).replace(/[^\n]/g, " ");
      i = stop;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

const STATIC_RE = /^[ \t]*(?:import|export)\b[^;]*?\bfrom\s*["']([^"']+)["']/gm;
const BARE_RE = /^[ \t]*import\s*["']([^"']+)["']/gm;
const DYNAMIC_RE = /\bimport\(\s*["']([^"']+)["']\s*\)/g;

function lineOf(text, index) {
  return text.slice(0, index).split("\n").length;
}

/** Relative specifiers with the line they are on. */
function importsOf(code) {
  const found = [];
  for (const re of [STATIC_RE, BARE_RE, DYNAMIC_RE]) {
    for (const m of code.matchAll(re)) {
      if (m[1].startsWith(".")) found.push({ spec: m[1], line: lineOf(code, m.index + m[0].indexOf(m[1])) });
    }
  }
  return found;
}

/** Line numbers of top-level import statements that come after the first line of code. */
function lateImports(code) {
  const late = [];
  let header = true;
  let inImport = false;
  code.split("\n").forEach((line, i) => {
    const t = line.trim();
    if (inImport) {
      if (t.includes(";")) inImport = false;
      return;
    }
    if (!t) return;
    const isImport = /^import[\s{*"']/.test(line) || /^export\s+(?:type\s+)?(?:\*|\{[^}]*\})\s*from\s/.test(line);
    if (isImport) {
      if (!header) late.push(i + 1);
      else if (!t.includes(";")) inImport = true;
      return;
    }
    header = false;
  });
  return late;
}

function resolveSpec(from, spec) {
  const base = resolve(dirname(from), spec);
  for (const candidate of [base, `${base}.ts`, join(base, "index.ts")]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return null;
}

/** "widgets" for src/pages/widgets/x.ts, "" for other src files, null outside src/pages. */
function areaOf(file) {
  const r = relative(join(SRC, "pages"), file);
  if (r.startsWith("..")) return null;
  const parts = r.split(sep);
  return parts.length > 1 ? parts[0] : "";
}

const isTestCode = (file) => file.endsWith(".test.ts") || !relative(join(ROOT, "test"), file).startsWith("..");
const inside = (dir, file) => !relative(dir, file).startsWith("..");

const files = ROOTS.flatMap((dir) => walk(dir));
const graph = new Map();
const problems = [];

for (const file of files) {
  const code = stripComments(readFileSync(file, "utf8"));
  const edges = [];
  for (const line of lateImports(code)) problems.push(`${rel(file)}:${line}: import after the first line of code (move it to the top)`);
  for (const { spec, line } of importsOf(code)) {
    const where = `${rel(file)}:${line}`;
    const target = resolveSpec(file, spec);
    if (!target) {
      problems.push(`${where}: "${spec}" resolves to no file`);
      continue;
    }
    edges.push(target);
    const from = areaOf(file);
    const to = areaOf(target);
    if (!isTestCode(file) && isTestCode(target)) problems.push(`${where}: app code imports test code ${rel(target)}`);
    if (inside(join(SRC, "api"), file) && !inside(join(SRC, "api"), target)) {
      problems.push(`${where}: src/api/ is the bottom layer but imports ${rel(target)}`);
    }
    if (from === null && to !== null && file !== ENTRY && !isTestCode(file)) {
      problems.push(`${where}: ${rel(file)} is below the pages but imports the page module ${rel(target)}`);
    }
    if (from !== null && to !== null && from !== to && !SHARED_AREAS.has(to)) {
      problems.push(SHARED_AREAS.has(from)
        ? `${where}: the shared pages/${from}/ imports ${rel(target)} from the page area pages/${to}/`
        : `${where}: pages/${from || ""}${from ? "/" : ""} imports ${rel(target)} from pages/${to}/ (share it through pages/${[...SHARED_AREAS].join("/, pages/")}/ instead)`);
    }
  }
  graph.set(file, [...new Set(edges)]);
}

// Cycles: Tarjan's strongly connected components; each component with more than one
// module (or a module importing itself) is reported with one cycle through it.
let index = 0;
const stack = [];
const onStack = new Set();
const idx = new Map();
const low = new Map();
const components = [];

function strongConnect(v) {
  idx.set(v, index);
  low.set(v, index);
  index++;
  stack.push(v);
  onStack.add(v);
  for (const w of graph.get(v) ?? []) {
    if (!idx.has(w)) {
      strongConnect(w);
      low.set(v, Math.min(low.get(v), low.get(w)));
    } else if (onStack.has(w)) {
      low.set(v, Math.min(low.get(v), idx.get(w)));
    }
  }
  if (low.get(v) === idx.get(v)) {
    const comp = [];
    let w;
    do {
      w = stack.pop();
      onStack.delete(w);
      comp.push(w);
    } while (w !== v);
    if (comp.length > 1 || (graph.get(v) ?? []).includes(v)) components.push(comp);
  }
}

for (const file of graph.keys()) if (!idx.has(file)) strongConnect(file);

/** A shortest path from `start` back to itself inside the component. */
function cycleThrough(start, members) {
  const prev = new Map([[start, null]]);
  const queue = [start];
  while (queue.length) {
    const v = queue.shift();
    for (const w of graph.get(v) ?? []) {
      if (!members.has(w)) continue;
      if (w === start) {
        const path = [start];
        for (let at = v; at !== start; at = prev.get(at)) path.splice(1, 0, at);
        return [...path, start];
      }
      if (!prev.has(w)) {
        prev.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start, start];
}

for (const comp of components) {
  const members = new Set(comp);
  const start = [...comp].sort()[0];
  problems.push(`import cycle: ${cycleThrough(start, members).map(rel).join(" -> ")}`);
}

if (problems.length) {
  for (const p of problems) console.error(p);
  console.error(`check-imports: ${problems.length} problem(s) in ${files.length} files`);
  process.exit(1);
}
console.log(`check-imports: ${files.length} files, ${[...graph.values()].reduce((n, e) => n + e.length, 0)} relative imports, no cycles, pages import one way`);
