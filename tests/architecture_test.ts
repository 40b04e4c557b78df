/**
 * The one direction data walks (docs/ARCHITECTURE.md), checked by reading every import: a
 * folder imports only folders below it in {@linkcode LAYERS}, and a `_private` module only from
 * its own folder (or that folder's tests).
 */
import assert from "node:assert/strict";

const ROOT = new URL("../", import.meta.url);

/** Folders from the ground floor up; a folder may import only from folders before it. */
const LAYERS: readonly string[][] = [
  ["pipeline"],
  ["generators/engine", "datasets"],
  ["generators/compiled"],
  ["generators/host"],
  ["models"],
  ["codec"],
  ["evaluate"],
  ["baselines"],
  ["report"],
  ["mnist"],
  ["tasks"],
];

const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|new URL\(\s*)["'](\.{1,2}\/[^"']+\.ts)["']/g;

/** Every .ts file under the repository (without node_modules and work folders), relative. */
async function* sources(dir = ROOT, rel = ""): AsyncGenerator<string> {
  for await (const e of Deno.readDir(dir)) {
    if (e.name.startsWith(".") || e.name === "node_modules") continue;
    if (e.isDirectory) yield* sources(new URL(`${e.name}/`, dir), `${rel}${e.name}/`);
    else if (e.name.endsWith(".ts")) yield `${rel}${e.name}`;
  }
}

/** (importer, imported) pairs, both relative to the repository root. */
async function imports(): Promise<[string, string][]> {
  const ignored = JSON.parse(await Deno.readTextFile(new URL("deno.json", ROOT))).exclude;
  const pairs: [string, string][] = [];
  for await (const file of sources()) {
    if (ignored.some((dir: string) => file.startsWith(dir))) continue;
    const text = await Deno.readTextFile(new URL(file, ROOT));
    for (const m of text.matchAll(IMPORT)) {
      const target = new URL(m[1], new URL(file, ROOT)).pathname.slice(ROOT.pathname.length);
      pairs.push([file, target]);
    }
  }
  return pairs;
}

/** The layer index and folder of a file, or undefined outside the layered folders. */
function layerOf(file: string): { rank: number; folder: string } | undefined {
  for (let rank = 0; rank < LAYERS.length; rank++) {
    for (const folder of LAYERS[rank]) {
      if (file.startsWith(`${folder}/`)) return { rank, folder };
    }
  }
  return undefined;
}

const folderOf = (file: string) => file.slice(0, file.lastIndexOf("/"));

Deno.test("no import runs against the direction of docs/ARCHITECTURE.md", async () => {
  const all = await imports();
  assert.ok(all.length > 200, `only ${all.length} imports found: is the scan broken?`);
  const wrong = all.filter(([from, to]) => {
    const a = layerOf(from), b = layerOf(to);
    return a && b && a.folder !== b.folder && b.rank >= a.rank;
  });
  assert.deepEqual(wrong.map(([from, to]) => `${from} → ${to}`), []);
});

Deno.test("a _private module is imported only from its own folder or that folder's tests", async () => {
  const wrong = (await imports()).filter(([from, to]) => {
    const name = to.slice(to.lastIndexOf("/") + 1);
    if (!name.startsWith("_")) return false;
    const home = folderOf(to);
    const tests = home.startsWith("tests/") ? home : `tests/${home}`;
    return folderOf(from) !== home && !from.startsWith(`${tests}/`);
  });
  assert.deepEqual(wrong.map(([from, to]) => `${from} → ${to}`), []);
});

Deno.test("every layered folder is named in ARCHITECTURE.md, and every source folder is layered", async () => {
  const doc = await Deno.readTextFile(new URL("docs/ARCHITECTURE.md", ROOT));
  for (const folder of LAYERS.flat()) assert.ok(doc.includes(`${folder}/`), folder);
  const outside = new Set<string>();
  for await (const file of sources()) {
    const top = file.split("/")[0];
    if (!file.includes("/") || ["tests", "bench", "node_modules"].includes(top)) continue;
    if (!layerOf(file)) outside.add(folderOf(file));
  }
  assert.deepEqual([...outside], []);
});
