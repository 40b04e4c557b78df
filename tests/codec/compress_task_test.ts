import { maxRelativeDifference } from "../fixtures/tfjs_setup.ts";
import assert from "node:assert/strict";
import { makeChunk, makeHeader } from "../../pipeline/record_format.ts";
import { readAllRecords, writeRecords } from "../../pipeline/record_stream.ts";
import { openModelCodec } from "../../codec/model_codec.ts";
import { decodeSqz } from "../../codec/sqz_container.ts";
import { unpackLabels } from "../../codec/label_blocks.ts";
import { splitImageCode } from "../../codec/image_code.ts";
import { decodeLatent, encodeLatent, quantizeLatent } from "../../codec/sparse_code.ts";
import { learnGapModel } from "../../codec/learn_gap_model.ts";
import { saveGapModel } from "../../codec/code_model_file.ts";
import { gapModelFromJSON, learnedGapModel } from "../../codec/gap_model.ts";
import { sasImages, trainTiny } from "../fixtures/sas_images.ts";
import { refineLatents } from "../../codec/refine.ts";
import { imageErrors } from "../../pipeline/image_error.ts";
import { encodeNpy, parseNpy } from "../../pipeline/npy.ts";

const TASKS = new URL("../../tasks/", import.meta.url).pathname;
const dir = await Deno.makeTempDir();
const images = sasImages(48, 8, 3);

/** Runs the compress or decompress task with `model`, from `input` to `output` (under dir). */
async function run(
  name: "compress" | "decompress",
  model: string,
  input: string,
  output: string,
  env: Record<string, string> = {},
  extra: string[] = [],
) {
  const args = [
    "--model",
    `${dir}/${model}`,
    "--in",
    `${dir}/${input}`,
    "--out",
    `${dir}/${output}`,
    ...extra,
  ];
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${TASKS}${name}.ts`, "--quiet", ...args],
    env,
    stderr: "piped",
  }).output();
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr).trim() };
}

await trainTiny(images, `${dir}/model`, 1);
await trainTiny(images, `${dir}/other`, 2);
const labels = Array.from({ length: 48 }, (_, i) => ({ index: i, model: "fixture" }));
await writeRecords(`${dir}/in.ndjson`, makeHeader([8, 8]), [makeChunk([8, 8], images, labels)]);

Deno.test("compress → decompress reconstructs exactly decode(quantized z), labels kept", async () => {
  let r = await run("compress", "model", "in.ndjson", "x.sqz");
  assert.equal(r.code, 0, r.stderr);
  r = await run("decompress", "model", "x.sqz", "y.ndjson");
  assert.equal(r.code, 0, r.stderr);
  const back = await readAllRecords(`${dir}/y.ndjson`);
  assert.deepEqual(back.chunks.flatMap((c) => c.labels), labels);

  const codec = await openModelCodec(`${dir}/model`);
  const { ell } = codec.model.arch;
  const z = await codec.model.encode(images);
  const file = decodeSqz(await Deno.readFile(`${dir}/x.sqz`), { expectModelId: codec.modelId });
  const { header } = file;
  assert.equal(header.packedLabels, true);
  const records = unpackLabels(file.records);
  assert.deepEqual(records.map((r) => r.label), labels);
  assert.equal(header.ell, ell);
  assert.equal(records.length, 48);
  const zq = new Float32Array(48 * ell);
  const scales = codec.model.scales(images);
  for (let i = 0; i < 48; i++) {
    const want = quantizeLatent(z.subarray(i * ell, (i + 1) * ell), codec.options);
    const { scale, sparse } = splitImageCode(records[i].code, 2, `record ${i}`);
    assert.equal(scale, scales[i], `image ${i}: the code carries the image's log offset`);
    const got = decodeLatent(sparse, ell, codec.options);
    assert.deepEqual(got, want, `image ${i}: decoded z is not the quantized z`);
    zq.set(got, i * ell);
  }
  const recon = await codec.model.decode(zq, "codes", scales);
  assert.deepEqual(back.chunks[0].data, recon);
  codec.model.dispose();
});

Deno.test("a .sqz file decompresses to the same images, up to float32 rounding, on every kernel family", async () => {
  assert.equal((await run("compress", "model", "in.ndjson", "k.sqz")).code, 0);
  const images: Float32Array[] = [];
  for (const kernels of ["openblas", "portable", "stock"]) {
    const r = await run("decompress", "model", "k.sqz", `k-${kernels}.ndjson`, {
      SASQUASH_KERNELS: kernels,
    });
    assert.equal(r.code, 0, r.stderr);
    if (kernels !== "openblas") assert.match(r.stderr, new RegExp(`SASQUASH_KERNELS=${kernels}`));
    images.push(
      (await readAllRecords(`${dir}/k-${kernels}.ndjson`)).chunks[0].data as Float32Array,
    );
  }
  // the network's float32 sums differ in order only (docs/FORMAT.md, "Which kernels ran")
  for (const other of images.slice(1)) assert.ok(maxRelativeDifference(other, images[0]) < 1e-4);
  assert.ok(images[0].some((v) => v > 0));
});

Deno.test("compress --refine writes the refined codes, which decompress to smaller errors", async () => {
  const flags = ["--refine", "25", "--refine-nnz", "200"];
  assert.equal((await run("compress", "model", "in.ndjson", "r.sqz", {}, flags)).code, 0);
  assert.equal((await run("compress", "model", "in.ndjson", "p.sqz")).code, 0);
  for (const f of ["r", "p"]) {
    assert.equal((await run("decompress", "model", `${f}.sqz`, `${f}.ndjson`)).code, 0);
  }
  const codec = await openModelCodec(`${dir}/model`);
  const { ell } = codec.model.arch;
  const scales = codec.model.scales(images);
  const z = await codec.model.encode(images, "test", scales);
  const want = await refineLatents(codec.model, codec.model.toNetwork(images), z, codec.options, {
    steps: 25,
    nonzeros: 200,
    metric: "rms_rel",
  });
  const file = unpackLabels(decodeSqz(await Deno.readFile(`${dir}/r.sqz`)).records);
  file.forEach((record, i) => {
    const { sparse } = splitImageCode(record.code, 2, `record ${i}`);
    const got = decodeLatent(sparse, ell, codec.options);
    assert.deepEqual(got, want.subarray(i * ell, (i + 1) * ell), `image ${i}`);
  });
  const sumRms = async (name: string) => {
    const back = (await readAllRecords(`${dir}/${name}`)).chunks[0].data as Float32Array;
    let sum = 0;
    for (let i = 0; i < 48; i++) {
      sum += imageErrors(images.subarray(i * 64, (i + 1) * 64), back.subarray(i * 64, (i + 1) * 64))
        .rms_rel;
    }
    return sum;
  };
  const refined = await sumRms("r.ndjson");
  const plain = await sumRms("p.ndjson");
  assert.ok(refined < 0.95 * plain, `Σ rms_rel ${plain} → ${refined}`);
  codec.model.dispose();
  const bad = await run("compress", "model", "in.ndjson", "q.sqz", {}, ["--refine-nnz", "9"]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^compress: error: --refine-nnz needs --refine/);
  await assert.rejects(Deno.stat(`${dir}/q.sqz`));
});

Deno.test("decompress with another model and a corrupt file fail with one clear line", async () => {
  const wrong = await run("decompress", "other", "x.sqz", "z.ndjson");
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /^decompress: error: .*x\.sqz.*made with model [0-9a-f]+/);
  const bytes = await Deno.readFile(`${dir}/x.sqz`);
  bytes[Math.floor(bytes.length / 2)] ^= 0x10;
  await Deno.writeFile(`${dir}/bad.sqz`, bytes);
  const bad = await run("decompress", "model", "bad.sqz", "z.ndjson");
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /^decompress: error: .*bad\.sqz: record \d+ at byte \d+/);
  await assert.rejects(Deno.stat(`${dir}/z.ndjson`));
  const missing = await run("compress", "nope", "in.ndjson", "q.sqz");
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /nope/);
});

Deno.test("a gap model learned on the codes beats the paper's Gaussian and is used by compress", async () => {
  const codec = await openModelCodec(`${dir}/model`);
  const { gapModel, codes } = await learnGapModel(codec.model, images);
  assert.equal(codes, 48);
  const z = await codec.model.encode(images);
  const { ell } = codec.model.arch;
  let gaussianBytes = 0, learnedBytes = 0;
  for (let i = 0; i < 48; i++) {
    const zi = z.subarray(i * ell, (i + 1) * ell);
    gaussianBytes += encodeLatent(zi, codec.options).length;
    learnedBytes += encodeLatent(zi, { ...codec.options, gapModel }).length;
  }
  assert.ok(
    learnedBytes < gaussianBytes,
    `learned ${learnedBytes} B vs gaussian ${gaussianBytes} B`,
  );
  await saveGapModel(`${dir}/model`, gapModel);
  const r = await run("compress", "model", "in.ndjson", "l.sqz");
  assert.equal(r.code, 0, r.stderr);
  const { header, records: packed } = decodeSqz(await Deno.readFile(`${dir}/l.sqz`));
  const records = unpackLabels(packed);
  assert.equal(header.gapModelId, gapModel.id);
  assert.equal(records.reduce((a, rec) => a + rec.code.length - 2, 0), learnedBytes);
  // x.sqz was written with the paper's Gaussian, before a model was learned: it still decodes
  const old = await run("decompress", "model", "x.sqz", "g.ndjson");
  assert.equal(old.code, 0, old.stderr);
  assert.deepEqual(
    (await readAllRecords(`${dir}/g.ndjson`)).chunks.flatMap((c) => c.labels),
    labels,
  );
  // a code model the folder does not have: decompress names both ids, leaves nothing
  await saveGapModel(`${dir}/model`, learnedGapModel(Float64Array.from([0, 5, 3, 1]), 2));
  await Deno.remove(`${dir}/model/gap_models`, { recursive: true });
  await Deno.writeFile(`${dir}/l2.sqz`, await Deno.readFile(`${dir}/l.sqz`));
  const lost = await run("decompress", "model", "l2.sqz", "h.ndjson");
  assert.equal(lost.code, 1, lost.stderr);
  assert.match(lost.stderr, /^decompress: error: .*l2\.sqz: made with gap model \d+, not \d+$/);
  await assert.rejects(Deno.stat(`${dir}/h.ndjson.partial`), Deno.errors.NotFound);
  await assert.rejects(Deno.stat(`${dir}/h.ndjson`), Deno.errors.NotFound);
  await Deno.remove(`${dir}/model/gap_model.json`);
  codec.model.dispose();
});

Deno.test("float64 and float16 streams compress like the float32 stream they convert to", async () => {
  const wide = Float64Array.from(images);
  await writeRecords(`${dir}/in64.ndjson`, makeHeader([8, 8], {}, "float64"), [
    makeChunk([8, 8], wide, labels),
  ]);
  const half = new Float16Array(images);
  await writeRecords(`${dir}/in16.ndjson`, makeHeader([8, 8], {}, "float16"), [
    makeChunk([8, 8], half, labels),
  ]);
  const halfAs32 = Float32Array.from(half);
  await writeRecords(`${dir}/in16as32.ndjson`, makeHeader([8, 8]), [
    makeChunk([8, 8], halfAs32, labels),
  ]);
  for (const [input, output] of [["in.ndjson", "r32.sqz"], ["in64.ndjson", "r64.sqz"]]) {
    const r = await run("compress", "model", input, output);
    assert.equal(r.code, 0, r.stderr);
  }
  assert.deepEqual(await Deno.readFile(`${dir}/r64.sqz`), await Deno.readFile(`${dir}/r32.sqz`));
  for (const [input, output] of [["in16.ndjson", "h.sqz"], ["in16as32.ndjson", "h32.sqz"]]) {
    const r = await run("compress", "model", input, output);
    assert.equal(r.code, 0, r.stderr);
  }
  assert.deepEqual(await Deno.readFile(`${dir}/h.sqz`), await Deno.readFile(`${dir}/h32.sqz`));
});

Deno.test("compress --inline-labels writes one label per record and decompresses the same", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      `${TASKS}compress.ts`,
      "--quiet",
      "--inline-labels",
      "--model",
      `${dir}/model`,
      "--in",
      `${dir}/in.ndjson`,
      "--out",
      `${dir}/inline.sqz`,
    ],
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const bytes = await Deno.readFile(`${dir}/inline.sqz`);
  assert.equal(bytes[4], 2, "format version 2");
  assert.equal(bytes[24 + bytes[11]] & 0x80, 0, "labels not packed");
  const { records } = decodeSqz(bytes);
  assert.deepEqual(records.map((r) => r.label), labels);
  const r = await run("decompress", "model", "inline.sqz", "inline.ndjson");
  assert.equal(r.code, 0, r.stderr);
  const a = await readAllRecords(`${dir}/inline.ndjson`);
  const b = await readAllRecords(`${dir}/y.ndjson`);
  assert.deepEqual(a.chunks, b.chunks);
  assert.ok(bytes.length > (await Deno.stat(`${dir}/x.sqz`)).size, "packed labels are smaller");
});

Deno.test("compress reads a .npy and decompress writes one: the images of the .ndjson route", async () => {
  // the same 48 images as a numpy array (48, 8, 8): codes and reconstructions equal those of
  // in.ndjson; the labels are the array's indexes, so no .labels.json is written beside it
  await Deno.writeFile(
    `${dir}/in.npy`,
    encodeNpy({ shape: [48, 8, 8], dtype: "float32", data: images }),
  );
  let r = await run("compress", "model", "in.npy", "n.sqz");
  assert.equal(r.code, 0, r.stderr);
  r = await run("decompress", "model", "n.sqz", "n.npy");
  assert.equal(r.code, 0, r.stderr);
  const back = parseNpy(await Deno.readFile(`${dir}/n.npy`), "n.npy");
  assert.deepEqual(back.shape, [48, 8, 8]);
  assert.equal(back.dtype, "float32");
  r = await run("compress", "model", "in.ndjson", "s.sqz");
  assert.equal(r.code, 0, r.stderr);
  r = await run("decompress", "model", "s.sqz", "s.ndjson");
  assert.equal(r.code, 0, r.stderr);
  const viaStream = await readAllRecords(`${dir}/s.ndjson`);
  assert.deepEqual(back.data, viaStream.chunks[0].data);
  await assert.rejects(Deno.stat(`${dir}/n.labels.json`), Deno.errors.NotFound);
  // the labelled stream's reconstructions as .npy: the labels go beside it
  r = await run("decompress", "model", "s.sqz", "s.npy");
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(await Deno.readTextFile(`${dir}/s.labels.json`)), labels);
});

Deno.test("deno task code-model learns on refined codes; files of earlier code models still decode", async () => {
  await Deno.mkdir(`${dir}/cm`);
  for await (const e of Deno.readDir(`${dir}/model`)) {
    if (e.isFile && e.name !== "gap_model.json") {
      await Deno.copyFile(`${dir}/model/${e.name}`, `${dir}/cm/${e.name}`);
    }
  }
  const codeModel = async (...extra: string[]) => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", `${TASKS}code_model.ts`, "--model", `${dir}/cm`, ...extra],
      env: { SASQUASH_PROGRESS: "0" },
      stderr: "piped",
    }).output();
    return { code: out.code, stderr: new TextDecoder().decode(out.stderr).trim() };
  };
  const fp8 = ["--quant", "fp8"];
  assert.equal((await run("compress", "cm", "in.ndjson", "cm0.sqz", {}, fp8)).code, 0);
  let r = await codeModel(
    "--data",
    `${dir}/in.ndjson`,
    "--refine",
    "20",
    "--refine-nnz",
    "6",
    ...fp8,
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stderr,
    /learned on 96 codes of 48 images → .*cm\/gap_model\.json \(id [0-9a-f]{8}\)$/,
  );
  const first = gapModelFromJSON(JSON.parse(await Deno.readTextFile(`${dir}/cm/gap_model.json`)));
  assert.ok(first.units && first.values?.fp8, "unit and fp8 value tables learned");
  assert.equal((await run("compress", "cm", "in.ndjson", "cm1.sqz", {}, fp8)).code, 0);
  r = await codeModel("--data", `${dir}/in.ndjson`, "--images", "24");
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stderr,
    /learned on 24 codes of 24 images.*kept as .*gap_models\/[0-9a-f]{8}\.json/,
  );
  // every file decodes: the first with the paper's Gaussian, the second with the kept model
  const refs: Float32Array[] = [];
  for (const name of ["cm0", "cm1"]) {
    r = await run("decompress", "cm", `${name}.sqz`, `${name}.ndjson`);
    assert.equal(r.code, 0, r.stderr);
    refs.push((await readAllRecords(`${dir}/${name}.ndjson`)).chunks[0].data as Float32Array);
  }
  assert.deepEqual(refs[0], refs[1], "the same codes, whichever code model wrote them");
  assert.equal(decodeSqz(await Deno.readFile(`${dir}/cm1.sqz`)).header.gapModelId, first.id);
  // images of another shape: one line naming the file and both shapes, nothing written
  await writeRecords(`${dir}/small.ndjson`, makeHeader([4, 4]), [
    makeChunk([4, 4], new Float32Array(16).fill(1), [{ index: 0 }]),
  ]);
  const before = await Deno.readTextFile(`${dir}/cm/gap_model.json`);
  r = await codeModel("--data", `${dir}/small.ndjson`);
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /^code-model: error: --data .*small\.ndjson has images of \[4,4\], .* expects \[8,8\]$/,
  );
  assert.equal(await Deno.readTextFile(`${dir}/cm/gap_model.json`), before);
  // a unit table for another latent size: one line naming the folder, before any image
  const json = JSON.parse(before);
  json.units = [...json.units, 1];
  delete json.id;
  await Deno.writeTextFile(`${dir}/cm/gap_model.json`, JSON.stringify(json));
  r = await run("compress", "cm", "in.ndjson", "cm2.sqz");
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /^compress: error: .*cm: its code model has a unit table for ℓ = \d+, the model has ℓ = \d+/,
  );
  await assert.rejects(Deno.stat(`${dir}/cm2.sqz`), Deno.errors.NotFound);
});
