import "../fixtures/tfjs_setup.ts";
import assert from "node:assert/strict";
import { makeChunk, makeHeader } from "../../pipeline/record_format.ts";
import { readAllRecords, writeRecords } from "../../pipeline/record_stream.ts";
import { openModelCodec } from "../../codec/model_codec.ts";
import { decodeSqz } from "../../codec/sqz_container.ts";
import { splitBoundedCode } from "../../codec/bounded_records.ts";
import { unpackLabels } from "../../codec/label_blocks.ts";
import { hexId } from "../../codec/sqz_header.ts";
import { openBlas } from "../../models/openblas.ts";
import { mulberry32 } from "../../pipeline/seeded_random.ts";
import { sasImages, trainTiny } from "../fixtures/sas_images.ts";

const TASKS = new URL("../../tasks/", import.meta.url).pathname;
const dir = await Deno.makeTempDir();
const N = 64;

/** Runs a task with `args` (paths relative to dir); `env` adds environment variables. */
async function run(
  name: "compress" | "decompress",
  args: string[],
  env: Record<string, string> = {},
) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${TASKS}${name}.ts`, ...args.map((a) => a.replace(/^@/, `${dir}/`))],
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b).trim();
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

/** Generator-like images, then adversarial ones: zeros, a constant, 16 decades, signs, tiny values. */
function testImages(): Float32Array {
  const sas = sasImages(12, 8, 5);
  const rand = mulberry32(9);
  const adversarial = [
    new Float32Array(N),
    new Float32Array(N).fill(3.25),
    Float32Array.from({ length: N }, (_, i) => 10 ** (-8 + 16 * (i / (N - 1)))),
    Float32Array.from({ length: N }, () => 10 ** (-8 + 16 * rand())),
    Float32Array.from({ length: N }, (_, i) => (i % 3 === 0 ? 0 : (rand() - 0.5) * 1e3)),
    Float32Array.from({ length: N }, () => 1e-30 * rand()),
  ];
  const out = new Float32Array(sas.length + adversarial.length * N);
  out.set(sas);
  adversarial.forEach((a, k) => out.set(a, sas.length + k * N));
  return out;
}

/** Asserts every pixel of `got` within the bound of `want`, naming the first that is not. */
function assertWithin(got: Float32Array, want: Float32Array, kind: "rel" | "abs", bound: number) {
  assert.equal(got.length, want.length);
  for (let i = 0; i < want.length; i++) {
    const limit = kind === "rel" ? bound * Math.abs(want[i]) : bound;
    if (!(Math.abs(got[i] - want[i]) <= limit)) {
      assert.fail(`pixel ${i}: ${got[i]} vs ${want[i]}, beyond the ${kind} bound ${bound}`);
    }
  }
}

async function readImages(path: string): Promise<Float32Array> {
  const { chunks } = await readAllRecords(`${dir}/${path}`);
  return Float32Array.from(chunks.flatMap((c) => Array.from(c.data as Float32Array)));
}

const images = testImages();
const count = images.length / N;
const labels = Array.from({ length: count }, (_, i) => ({ index: i, model: "fixture" }));
await writeRecords(`${dir}/in.ndjson`, makeHeader([8, 8]), [makeChunk([8, 8], images, labels)]);

Deno.test("compress --max-rel-error / --max-abs-error without a model: every pixel within the bound", async () => {
  for (
    const [flag, kind, bound] of [
      ["--max-rel-error", "rel", 0.01],
      ["--max-rel-error", "rel", 1e-6],
      ["--max-abs-error", "abs", 1e-3],
    ] as const
  ) {
    let r = await run("compress", [flag, String(bound), "--in", "@in.ndjson", "--out", "@b.sqz"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /model-free: \d+ → \d+ bytes \(file ratio [\d.]+×; code only \d+ bytes/);
    const { header, records } = decodeSqz(await Deno.readFile(`${dir}/b.sqz`));
    assert.equal(header.records, "bounded");
    assert.equal(header.modelId.length, 0);
    assert.equal(records.length, count);
    r = await run("decompress", ["--in", "@b.sqz", "--out", "@b.ndjson", "--quiet"]);
    assert.equal(r.code, 0, r.stderr);
    assertWithin(await readImages("b.ndjson"), images, kind, bound);
    const back = await readAllRecords(`${dir}/b.ndjson`);
    assert.deepEqual(back.chunks.flatMap((c) => c.labels), labels);
  }
});

Deno.test("compress rejects NaN naming the image and pixel, and contradictory flags, in one line", async () => {
  const bad = images.slice();
  bad[5 * N + 17] = NaN;
  await writeRecords(`${dir}/nan.ndjson`, makeHeader([8, 8]), [makeChunk([8, 8], bad, labels)]);
  let r = await run("compress", [
    "--max-rel-error",
    "0.01",
    "--in",
    "@nan.ndjson",
    "--out",
    "@n.sqz",
  ]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^compress: error: .*nan\.ndjson: image 5 pixel 17 is NaN[^\n]*$/);
  await assert.rejects(Deno.stat(`${dir}/n.sqz`));
  const both = ["--max-rel-error", "0.01", "--max-abs-error", "1"];
  r = await run("compress", [...both, "--in", "@in.ndjson", "--out", "@n.sqz"]);
  assert.match(r.stderr, /^compress: error: --max-rel-error and --max-abs-error exclude/);
  r = await run("compress", ["--in", "@in.ndjson", "--out", "@n.sqz"]);
  assert.match(r.stderr, /^compress: error: --model is required unless --max-rel-error/);
  r = await run("compress", ["--max-rel-error", "0", "--in", "@in.ndjson", "--out", "@n.sqz"]);
  assert.match(r.stderr, /^compress: error: --max-rel-error must be > 0, got 0$/);
});

// A model, and images it predicts well (near a fixed point of encode → decode, plus 0.5% noise),
// so that the encoder does choose the prediction and a decoder's different kernels matter.
await trainTiny(sasImages(48, 8, 3), `${dir}/model`, 1);
await trainTiny(sasImages(48, 8, 3), `${dir}/other`, 2);
const codec = await openModelCodec(`${dir}/model`);
let recon = sasImages(32, 8, 7);
for (let k = 0; k < 12; k++) {
  const z = await codec.model.encode(recon);
  recon = await codec.model.decode(z, "fixture", codec.model.scales(recon));
}
const noise = mulberry32(3);
const near = Float32Array.from(recon, (p) => p * (1 + 0.005 * (noise() - 0.5)));
const nearLabels = Array.from({ length: 32 }, (_, i) => ({ index: i }));
await writeRecords(`${dir}/near.ndjson`, makeHeader([8, 8]), [makeChunk([8, 8], near, nearLabels)]);
codec.model.dispose();

Deno.test("compress --model --max-rel-error uses the prediction, and decoding with stock kernels keeps the bound", async () => {
  const r = await run("compress", [
    "--model",
    "@model",
    "--prediction",
    "model",
    "--max-rel-error",
    "0.001",
    "--in",
    "@near.ndjson",
    "--out",
    "@m.sqz",
  ]);
  assert.equal(r.code, 0, r.stderr);
  const used = Number(/model prediction used in (\d+)/.exec(r.stderr)?.[1]);
  assert.equal(used, 32, `prediction used in ${used} of 32 images`);
  const { header, records } = decodeSqz(await Deno.readFile(`${dir}/m.sqz`));
  assert.equal(header.records, "bounded");
  assert.equal(hexId(header.modelId).length, 64);
  const withCode = unpackLabels(records).filter((rec) =>
    splitBoundedCode(rec.code, "t").modelCode.length > 0
  );
  assert.equal(withCode.length, used);

  const native = await run("decompress", [
    "--model",
    "@model",
    "--in",
    "@m.sqz",
    "--out",
    "@m1.ndjson",
  ]);
  assert.equal(native.code, 0, native.stderr);
  assertWithin(await readImages("m1.ndjson"), near, "rel", 0.001);
  // The same file decoded on the other kernel families: stock tfjs and the portable WebAssembly
  // kernels compute the prediction with other summation orders, the bound holds all the same.
  const a = await readImages("m1.ndjson");
  for (const kernels of ["stock", "portable"]) {
    const out = `m-${kernels}.ndjson`;
    const other = await run(
      "decompress",
      ["--model", "@model", "--in", "@m.sqz", "--out", `@${out}`, "--quiet"],
      { SASQUASH_KERNELS: kernels },
    );
    assert.equal(other.code, 0, other.stderr);
    const b = await readImages(out);
    assertWithin(b, near, "rel", 0.001);
    if (openBlas() !== null && kernels === "stock") {
      assert.ok(a.some((v, i) => v !== b[i]), "OpenBLAS and stock decodes differ somewhere");
    }
  }
  // One OpenBLAS thread instead of the default pool: another summation split, same guarantee.
  const one = await run(
    "decompress",
    ["--model", "@model", "--in", "@m.sqz", "--out", "@m3.ndjson", "--quiet"],
    { OPENBLAS_NUM_THREADS: "1" },
  );
  assert.equal(one.code, 0, one.stderr);
  assertWithin(await readImages("m3.ndjson"), near, "rel", 0.001);
});

Deno.test("a file made with a prediction needs its model: none or another is a one-line error", async () => {
  const id = hexId(decodeSqz(await Deno.readFile(`${dir}/m.sqz`)).header.modelId);
  let r = await run("decompress", ["--in", "@m.sqz", "--out", "@x.ndjson"]);
  assert.equal(r.code, 1);
  assert.equal(
    r.stderr,
    `decompress: error: ${dir}/m.sqz: made with model ${id}; pass its folder with --model`,
  );
  r = await run("decompress", ["--model", "@other", "--in", "@m.sqz", "--out", "@x.ndjson"]);
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    new RegExp(`^decompress: error: .*m\\.sqz: made with model ${id}, not [0-9a-f]+$`),
  );
  await assert.rejects(Deno.stat(`${dir}/x.ndjson`));
});

Deno.test("compress --model with images of another shape falls back to model-free predictors", async () => {
  const wide = sasImages(4, 4, 2); // 4 images of 4×4 = 16 pixels, written as 2 × 8
  await writeRecords(`${dir}/wide.ndjson`, makeHeader([2, 8]), [
    makeChunk([2, 8], wide, Array.from({ length: 4 }, (_, i) => ({ index: i }))),
  ]);
  let r = await run("compress", [
    "--model",
    "@model",
    "--max-abs-error",
    "0.5",
    "--in",
    "@wide.ndjson",
    "--out",
    "@w.sqz",
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /the model expects \[8,8\]: model-free prediction/);
  const { header } = decodeSqz(await Deno.readFile(`${dir}/w.sqz`));
  assert.deepEqual([header.height, header.width, header.modelId.length], [2, 8, 0]);
  r = await run("decompress", ["--in", "@w.sqz", "--out", "@w.ndjson", "--quiet"]);
  assert.equal(r.code, 0, r.stderr);
  assertWithin(await readImages("w.ndjson"), wide, "abs", 0.5);
});
