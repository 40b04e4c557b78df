import "../fixtures/tfjs_setup.ts";
import assert from "node:assert/strict";
import { makeChunk, makeHeader } from "../../pipeline/record_format.ts";
import { readAllRecords, writeRecords } from "../../pipeline/record_stream.ts";
import { openModelCodec } from "../../codec/model_codec.ts";
import { decodeSqz } from "../../codec/sqz_container.ts";
import { decodeLatent, encodeLatent, quantizeLatent } from "../../codec/sparse_code.ts";
import { learnGapModel, saveGapModel } from "../../codec/learn_gap_model.ts";
import { sasImages, trainTiny } from "../fixtures/sas_images.ts";

const TASKS = new URL("../../tasks/", import.meta.url).pathname;
const dir = await Deno.makeTempDir();
const images = sasImages(48, 8, 3);

/** Runs the compress or decompress task with `model`, from `input` to `output` (under dir). */
async function run(name: "compress" | "decompress", model: string, input: string, output: string) {
  const args = [
    "--model",
    `${dir}/${model}`,
    "--in",
    `${dir}/${input}`,
    "--out",
    `${dir}/${output}`,
  ];
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${TASKS}${name}.ts`, "--quiet", ...args],
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
  const { records, header } = decodeSqz(await Deno.readFile(`${dir}/x.sqz`), {
    expectModelId: codec.modelId,
  });
  assert.equal(header.ell, ell);
  assert.equal(records.length, 48);
  const zq = new Float32Array(48 * ell);
  for (let i = 0; i < 48; i++) {
    const want = quantizeLatent(z.subarray(i * ell, (i + 1) * ell), codec.options);
    const got = decodeLatent(records[i].code, ell, codec.options);
    assert.deepEqual(got, want, `image ${i}: decoded z is not the quantized z`);
    zq.set(got, i * ell);
  }
  const recon = await codec.model.decode(zq);
  assert.deepEqual(back.chunks[0].data, recon);
  codec.model.dispose();
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
  const { header, records } = decodeSqz(await Deno.readFile(`${dir}/l.sqz`));
  assert.equal(header.gapModelId, gapModel.id);
  assert.equal(records.reduce((a, rec) => a + rec.code.length, 0), learnedBytes);
  // x.sqz was written with the Gaussian gap model: decompress now names both ids, leaves nothing
  const old = await run("decompress", "model", "x.sqz", "g.ndjson");
  assert.equal(old.code, 1, old.stderr);
  assert.match(old.stderr, /^decompress: error: .*x\.sqz: made with gap model \d+, not \d+$/);
  await assert.rejects(Deno.stat(`${dir}/g.ndjson.partial`), Deno.errors.NotFound);
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
