import "../models/_setup.ts";
import assert from "node:assert/strict";
import { makeChunk, makeHeader } from "../../pipeline/record_format.ts";
import { writeRecords } from "../../pipeline/record_stream.ts";
import { openModelCodec } from "../../codec/model_codec.ts";
import { evaluateBatch } from "../../evaluate/evaluate_stream.ts";
import { sasImages, trainTiny } from "../models/_fixture.ts";

const TASKS = new URL("../../tasks/", import.meta.url).pathname;
const dir = await Deno.makeTempDir();
const COUNT = 48;
const images = sasImages(COUNT, 8, 5);

async function evaluate(...args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${TASKS}evaluate.ts`, "--quiet", ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b).trim();
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

await trainTiny(images, `${dir}/model`, 1);
await trainTiny(images, `${dir}/hourglass`, 2, "1,0.25");
const labels = Array.from(
  { length: COUNT },
  (_, i) => ({ index: i, model: i % 3 ? "guinier" : "porod" }),
);
await writeRecords(`${dir}/in.ndjson`, makeHeader([8, 8]), [
  makeChunk([8, 8], images.slice(0, 20 * 64), labels.slice(0, 20)),
  makeChunk([8, 8], images.slice(20 * 64), labels.slice(20)),
]);

const STATS = ["mean", "median", "min", "max", "p05", "p95"];

Deno.test("evaluate --data --knn --baseline --zfp writes a consistent report", async () => {
  const out = `${dir}/report`;
  const r = await evaluate(
    "--model",
    `${dir}/model`,
    "--data",
    `${dir}/in.ndjson`,
    "--out",
    out,
    "--knn",
    "--knn-train",
    "24",
    "--knn-test",
    "24",
    "--baseline",
    `${dir}/hourglass`,
    "--zfp",
    "--zfp-sample",
    "16",
    "--batch",
    "7",
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /evaluated 48 images/);
  const summary = JSON.parse(await Deno.readTextFile(`${out}/summary.json`));
  const lines = (await Deno.readTextFile(`${out}/images.ndjson`)).trim().split("\n").map((l) =>
    JSON.parse(l)
  );
  assert.equal(summary.n, COUNT);
  assert.equal(lines.length, COUNT);
  assert.deepEqual(
    lines.map((l) => [l.i, l.index, l.model]),
    labels.map((l, i) => [i, l.index, l.model]),
  );
  for (const key of ["rel_l2", "max_pointwise_rel", "nnz_ratio", "byte_ratio"]) {
    assert.deepEqual(Object.keys(summary[key]).sort(), [...STATS].sort(), key);
    const values = lines.map((l) => l[key] as number);
    assert.ok(
      Math.abs(summary[key].mean - values.reduce((a, b) => a + b) / COUNT) <
        1e-9 * summary[key].mean,
    );
    assert.equal(summary[key].max, Math.max(...values));
    assert.equal(summary[key].min, Math.min(...values));
  }
  const codeBytes = lines.reduce((a, l) => a + l.code_bytes, 0);
  assert.equal(summary.code_size.total_bytes, codeBytes);
  assert.equal(summary.aggregate.byte_ratio, (4 * COUNT * 64) / codeBytes);
  assert.equal(summary.code_size.value_bytes + summary.code_size.gap_bytes, codeBytes);
  for (const l of lines) assert.equal(l.byte_ratio, 256 / l.code_bytes);
  assert.deepEqual(Object.keys(summary.families).sort(), ["guinier", "porod"]);
  assert.equal(summary.families.porod.n, 16);
  assert.ok(summary.model.weights_bytes > 0);
  assert.ok(summary.errors.max_abs_error > 0 && summary.errors.psnr_db > 0);
  for (const k of ["latent_accuracy", "image_accuracy"]) {
    assert.ok(summary.knn[k] >= 0 && summary.knn[k] <= 1, k);
  }
  assert.equal(summary.knn.train, 24);
  assert.equal(summary.knn.test, 24);
  assert.equal(summary.baselines.hourglass.n, COUNT);
  assert.equal(lines[0].baseline.code_bytes > 0, true);
  assert.ok(summary.baselines.gzip.byte_ratio > 0);
  const zfp = summary.baselines.zfp;
  if (!zfp.skipped) assert.ok(zfp.mean_rel_l2 <= zfp.target_mean_rel_l2 && zfp.images === 16);
  const html = await Deno.readTextFile(`${out}/index.html`);
  const svgs = [...html.matchAll(/src="([^"]+\.svg)"/g)].map((m) => m[1]);
  assert.deepEqual(svgs.sort(), [...summary.figures].sort());
  assert.ok(svgs.length >= 4);
  for (const f of svgs) assert.match(await Deno.readTextFile(`${out}/${f}`), /^<svg[^>]*>/);
});

Deno.test("the metrics are those of the real code bytes, as compress/decompress would give", async () => {
  const codec = await openModelCodec(`${dir}/model`);
  const r = await evaluateBatch(codec, images.slice(0, 3 * 64));
  const lines = (await Deno.readTextFile(`${dir}/report/images.ndjson`)).trim().split("\n").map((
    l,
  ) => JSON.parse(l));
  for (let i = 0; i < 3; i++) {
    assert.equal(r.metrics[i].rel_l2, lines[i].rel_l2);
    assert.equal(r.metrics[i].code_bytes, lines[i].code_bytes);
  }
  codec.model.dispose();
});

Deno.test("--n stops a --data stream early, mid-chunk", async () => {
  const r = await evaluate(
    "--model",
    `${dir}/model`,
    "--data",
    `${dir}/in.ndjson`,
    "--n",
    "23",
    "--out",
    `${dir}/first`,
  );
  assert.equal(r.code, 0, r.stderr);
  const summary = JSON.parse(await Deno.readTextFile(`${dir}/first/summary.json`));
  assert.equal(summary.n, 23);
  const lines = (await Deno.readTextFile(`${dir}/first/images.ndjson`)).trim().split("\n");
  assert.equal(JSON.parse(lines[22]).index, 22);
});

Deno.test("bad inputs give one-line errors and exit 1", async () => {
  await writeRecords(`${dir}/small.ndjson`, makeHeader([4, 4]), [
    makeChunk([4, 4], new Float32Array(16), [{}]),
  ]);
  const meta = JSON.parse(await Deno.readTextFile(`${dir}/model/sasquash.json`));
  await Deno.mkdir(`${dir}/seeded`);
  for (const f of ["model.json", "weights.bin"]) {
    await Deno.copyFile(`${dir}/model/${f}`, `${dir}/seeded/${f}`);
  }
  await Deno.writeTextFile(
    `${dir}/seeded/sasquash.json`,
    JSON.stringify({ ...meta, data: { ...meta.data, seed: 5 } }),
  );
  const cases: [string[], RegExp][] = [
    [["--model", `${dir}/nope`, "--data", `${dir}/in.ndjson`], /nope.*(no such|not a model)/],
    [
      ["--model", `${dir}/model`, "--data", `${dir}/small.ndjson`],
      /small\.ndjson: images are \[4,4\], the model expects \[8,8\]/,
    ],
    [
      ["--model", `${dir}/model`, "--models", "sphere,nosuchmodel"],
      /--models: unknown model "nosuchmodel"/,
    ],
    [["--model", `${dir}/seeded`, "--seed", "5"], /--seed 5 is the model's training seed/],
    [
      ["--model", `${dir}/model`, "--data", `${dir}/missing.ndjson`],
      /missing\.ndjson: no such file/,
    ],
    [["--data", `${dir}/in.ndjson`], /--model is required/],
  ];
  for (const [args, pattern] of cases) {
    const r = await evaluate(...args, "--out", `${dir}/bad`);
    assert.equal(r.code, 1, args.join(" "));
    assert.equal(r.stderr.split("\n").length, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`^evaluate: error: .*${pattern.source}`));
  }
});

Deno.test("evaluate streams fresh generator images from a seed off the training seed", async () => {
  const out = `${dir}/generated`;
  const r = await evaluate(
    "--model",
    `${dir}/model`,
    "--models",
    "lorentz,guinier",
    "--n",
    "6",
    "--workers",
    "0",
    "--out",
    out,
    "--examples",
    "2",
  );
  assert.equal(r.code, 0, r.stderr);
  const summary = JSON.parse(await Deno.readTextFile(`${out}/summary.json`));
  assert.equal(summary.n, 6);
  assert.equal(summary.source.kind, "generated");
  assert.equal(summary.source.seed, 1 + 1_000_003);
  assert.deepEqual(Object.keys(summary.families).sort(), ["guinier", "lorentz"]);
  assert.ok(summary.rel_l2.mean > 0);
});
