import assert from "node:assert/strict";
import { REAL_H5, REAL_NIST, REAL_P123, twoEntryNXcanSAS } from "../fixtures/measured_files.ts";
import { task } from "../fixtures/run_task.ts";

const dir = await Deno.makeTempDir();
await Deno.mkdir(`${dir}/night`);
for (const name of ["a", "b", "c"]) await Deno.copyFile(REAL_NIST, `${dir}/night/${name}.dat`);
// a small [150, 150] model (45 latent units), trained on the measured files themselves
const trained = await task(
  "train",
  ...["--data", `${dir}/night/*.dat`, "--out", `${dir}/model`, "--arch", "0.002,0.002"],
  ...["--epochs", "1", "--batch", "4", "--warmup", "0"],
);
assert.equal(trained.code, 0, trained.stderr);

/** Runs evaluate on `data`; checks exit 0; returns summary.json and the images.ndjson lines. */
async function evaluate(out: string, ...flags: string[]) {
  const r = await task("evaluate", "--model", `${dir}/model`, ...flags, "--out", `${dir}/${out}`);
  assert.equal(r.code, 0, r.stderr);
  const summary = JSON.parse(await Deno.readTextFile(`${dir}/${out}/summary.json`));
  const lines = (await Deno.readTextFile(`${dir}/${out}/images.ndjson`)).trim().split("\n")
    .map((l) => JSON.parse(l));
  return { summary, lines };
}

/** Every per-image metric is a finite number. */
function assertFinite(line: Record<string, unknown>) {
  for (const key of ["rel_l2", "rms_rel", "max_pointwise_rel", "byte_ratio", "nnz_ratio"]) {
    assert.ok(Number.isFinite(line[key]), `${key} = ${line[key]}`);
  }
}

Deno.test("evaluate --data FILE.h5 evaluates the measured image: one line, finite metrics", async () => {
  const { summary, lines } = await evaluate("h5", "--data", REAL_H5);
  assert.equal(summary.n, 1);
  assert.equal(lines.length, 1);
  assertFinite(lines[0]);
  assert.ok(lines[0].rel_l2 > 0 && lines[0].rel_l2 < 10, `rel_l2 ${lines[0].rel_l2}`);
  // 105 zero pixels: skipped by the pointwise errors, not counted as non-zero
  assert.equal(lines[0].pixels_nonzero, 22500 - 105);
  assert.deepEqual(summary.source.kind, "file");
});

Deno.test("evaluate --data 'dir/*.dat' evaluates every file, in sorted order", async () => {
  const { summary, lines } = await evaluate("glob", "--data", `${dir}/night/*.dat`);
  assert.equal(summary.n, 3);
  assert.deepEqual(lines.map((l) => [l.i, l.index]), [[0, 0], [1, 1], [2, 2]]);
  lines.forEach(assertFinite);
  // three copies of one file: one error
  assert.equal(new Set(lines.map((l) => l.rel_l2)).size, 1);
  assert.ok(Number.isFinite(summary.rel_l2.mean));
});

Deno.test("evaluate --data @LIST --entry reads that SASentry of each listed file", async () => {
  await twoEntryNXcanSAS(`${dir}/two.h5`, (i) => i.slice().reverse()); // the image turned 180°
  await Deno.writeTextFile(`${dir}/list.txt`, `${dir}/two.h5\n${dir}/two.h5\n`);
  const first = await evaluate("e1", "--data", `@${dir}/list.txt`, "--entry", "sasentry01");
  const second = await evaluate("e2", "--data", `@${dir}/list.txt`, "--entry", "sasentry02");
  assert.equal(first.lines.length, 2);
  // the model was trained on the upright image: the turned one has another error
  assert.notEqual(first.lines[0].rel_l2, second.lines[0].rel_l2);
  const wrong = await task(
    "evaluate",
    ...["--model", `${dir}/model`, "--data", `${dir}/two.h5`, "--entry", "x", "--out", `${dir}/x`],
  );
  assert.equal(wrong.code, 1);
  assert.match(
    wrong.stderr,
    /two\.h5: no SASentry named "x" \(entries found: sasentry01, sasentry02\)$/,
  );
  const noData = await task("evaluate", "--model", `${dir}/model`, "--entry", "x");
  assert.equal(noData.code, 1);
  assert.match(noData.stderr, /--entry names an NXcanSAS entry of --data or --grid-from$/);
});

Deno.test("evaluate --grid-from FILE generates on that grid: the same images as generate --grid-from", async () => {
  const grid = ["--grid-from", REAL_NIST, "--seed", "11", "--models", "sphere,cylinder"];
  const made = await task("generate", ...grid, "--n", "3", "--out", `${dir}/grid.ndjson`);
  assert.equal(made.code, 0, made.stderr);
  const fromFile = await evaluate("grid-data", "--data", `${dir}/grid.ndjson`);
  const generated = await evaluate("grid-gen", ...grid, "--n", "3");
  assert.equal(generated.lines.length, 3);
  assert.deepEqual(generated.lines, fromFile.lines);
  assert.match(generated.summary.source.grid, /^150×150, \[iy\]\[ix\], pixel \(iy, ix\) at/);
  const other = await task(
    "evaluate",
    ...["--model", `${dir}/model`, "--grid-from", REAL_P123, "--n", "1", "--out", `${dir}/x`],
  );
  assert.equal(other.code, 1);
  assert.equal(
    other.stderr,
    "evaluate: error: --grid-from: a 100×100 grid; the model's images are [150,150]",
  );
  const both = await task(
    "evaluate",
    ...["--model", `${dir}/model`, "--grid-from", REAL_NIST, "--data", REAL_NIST],
  );
  assert.equal(both.code, 1);
  assert.equal(both.stderr, "evaluate: error: --grid-from and --data do not combine");
});
