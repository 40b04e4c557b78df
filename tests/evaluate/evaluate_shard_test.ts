import "../fixtures/tfjs_setup.ts";
import assert from "node:assert/strict";
import { makeChunk, makeHeader } from "../../pipeline/record_format.ts";
import { writeRecords } from "../../pipeline/record_stream.ts";
import { ExactSum } from "../../evaluate/exact_sum.ts";
import { sasImages, trainTiny } from "../fixtures/sas_images.ts";
import { task } from "../fixtures/run_task.ts";

const dir = await Deno.makeTempDir();
const COUNT = 45;
const images = sasImages(COUNT, 8, 11);

async function ok(name: string, ...args: string[]) {
  const r = await task(name, ...args);
  assert.equal(r.code, 0, r.stderr);
  return r;
}

await trainTiny(images, `${dir}/model`, 3);
const labels = Array.from({ length: COUNT }, (_, i) => ({
  index: i,
  model: ["guinier", "porod", "sphere"][i % 3 === 0 ? 0 : i % 7 === 0 ? 2 : 1],
}));
const header = { ...makeHeader([8, 8]), n: COUNT };
await writeRecords(`${dir}/in.ndjson`, header, [
  makeChunk([8, 8], images.slice(0, 13 * 64), labels.slice(0, 13)),
  makeChunk([8, 8], images.slice(13 * 64), labels.slice(13)),
]);
const common = ["--model", `${dir}/model`, "--data", `${dir}/in.ndjson`, "--batch", "4"];

Deno.test("evaluate --shard k/N merged equals one evaluation: images.ndjson, summary, figures", async () => {
  await ok("evaluate", ...common, "--out", `${dir}/one`);
  for (const k of [1, 2, 3]) {
    const r = await ok("evaluate", ...common, "--shard", `${k}/3`, "--out", `${dir}/s${k}`);
    assert.match(r.stdout, /^evaluated images \d+\.\.\d+ \(shard \d\/3\)/);
  }
  // 45 images in 12 batches of 4: shards of 4, 4 and 4 batches, split at batch multiples
  const lines = async (d: string) => (await Deno.readTextFile(`${d}/images.ndjson`)).split("\n");
  assert.deepEqual([(await lines(`${dir}/s1`)).length, (await lines(`${dir}/s3`)).length], [
    17,
    14,
  ]);
  await assert.rejects(Deno.stat(`${dir}/s1/summary.json`));
  const merged = await ok("merge", "--out", `${dir}/merged`, `${dir}/s2`, `${dir}/s3`, `${dir}/s1`);
  assert.ok(merged.stdout.startsWith(`evaluated ${COUNT} images`), merged.stdout);
  const read = (d: string, f: string) => Deno.readTextFile(`${dir}/${d}/${f}`);
  assert.equal(await read("merged", "images.ndjson"), await read("one", "images.ndjson"));
  const one = JSON.parse(await read("one", "summary.json"));
  const got = JSON.parse(await read("merged", "summary.json"));
  assert.deepEqual(got, one);
  assert.equal(got.n, COUNT);
  assert.ok(Object.keys(got.families).length === 3 && got.rel_l2.median > 0);
  for (const f of one.figures) assert.equal(await read("merged", f), await read("one", f), f);
  assert.equal(await read("merged", "index.html"), await read("one", "index.html"));
});

Deno.test("merge refuses a missing shard and shards of other settings, naming the folder", async () => {
  const gap = await task("merge", "--out", `${dir}/bad`, `${dir}/s1`, `${dir}/s3`);
  assert.equal(gap.code, 1);
  assert.match(
    gap.stderr,
    /^merge: error: .*s1: shard 1\/3, but 2 shards were given \(need each of 1..3 once\)$/,
  );
  await ok("evaluate", ...common, "--shard", "2/3", "--quant", "bf16", "--out", `${dir}/other`);
  const other = await task(
    "merge",
    "--out",
    `${dir}/bad`,
    `${dir}/s1`,
    `${dir}/other`,
    `${dir}/s3`,
  );
  assert.equal(other.code, 1);
  assert.match(other.stderr, /other: evaluated with other settings than .*s1$/);
  await assert.rejects(Deno.stat(`${dir}/bad/images.ndjson`));
  const knn = await task("evaluate", ...common, "--shard", "1/2", "--knn", "--out", `${dir}/x`);
  assert.equal(knn.code, 1);
  assert.match(knn.stderr, /--shard does not combine with --knn/);
});

Deno.test("refined shards merge to the refined one-pass evaluation, image for image", async () => {
  const refine = [...common, "--refine", "10", "--refine-nnz", "70"];
  await ok("evaluate", ...refine, "--out", `${dir}/r-one`);
  for (const k of [1, 2]) {
    await ok("evaluate", ...refine, "--shard", `${k}/2`, "--out", `${dir}/r-s${k}`);
  }
  await ok("merge", "--out", `${dir}/r-merged`, `${dir}/r-s1`, `${dir}/r-s2`);
  const read = (d: string, f: string) => Deno.readTextFile(`${dir}/${d}/${f}`);
  assert.equal(await read("r-merged", "images.ndjson"), await read("r-one", "images.ndjson"));
  assert.notEqual(await read("r-one", "images.ndjson"), await read("one", "images.ndjson"));
  const { refinement, ...one } = JSON.parse(await read("r-one", "summary.json"));
  assert.equal(refinement.images, COUNT);
  const got = JSON.parse(await read("r-merged", "summary.json"));
  assert.deepEqual(got, one);
  assert.deepEqual(got.model.refine, { steps: 10, nonzeros: 70, metric: "rms_rel" });
});

Deno.test("isotropy-flagged shards merge to the one-pass evaluation, flags and count included", async () => {
  const iso = [...common, "--isotropy"];
  await ok("evaluate", ...iso, "--out", `${dir}/i-one`);
  for (const k of [1, 2]) {
    await ok("evaluate", ...iso, "--shard", `${k}/2`, "--out", `${dir}/i-s${k}`);
  }
  await ok("merge", "--out", `${dir}/i-merged`, `${dir}/i-s1`, `${dir}/i-s2`);
  const read = (d: string, f: string) => Deno.readTextFile(`${dir}/${d}/${f}`);
  const lines = await read("i-one", "images.ndjson");
  assert.equal(await read("i-merged", "images.ndjson"), lines);
  const flagged = lines.trim().split("\n").filter((l) => JSON.parse(l).isotropic).length;
  assert.ok(flagged > 0, "these images are isotropic: some codes say so");
  const one = JSON.parse(await read("i-one", "summary.json"));
  assert.equal(one.isotropic_images, flagged);
  assert.deepEqual(JSON.parse(await read("i-merged", "summary.json")), one);
});

Deno.test("ExactSum() gives the correctly rounded sum in any order", () => {
  const values = [1e16, 1, -1e16, 3.5, 1e-3, 2 ** -60, -7.25, 1e16];
  const forward = new ExactSum(), backward = new ExactSum();
  for (const v of values) forward.add(v);
  for (const v of [...values].reverse()) backward.add(v);
  const naive = values.reduce((a, b) => a + b, 0);
  assert.equal(forward.value(), 1e16 - 2.749);
  assert.equal(backward.value(), forward.value());
  assert.notEqual(naive, forward.value());
  const merged = new ExactSum();
  merged.addAll(forward.partials());
  merged.add(-1e16);
  assert.equal(merged.value(), -2.749 + 2 ** -60);
});
