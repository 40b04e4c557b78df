import "../fixtures/tfjs_setup.ts";
import assert from "node:assert/strict";
import { makeChunk, makeHeader } from "../../pipeline/record_format.ts";
import { writeRecords } from "../../pipeline/record_stream.ts";
import { FormatError } from "../../pipeline/errors.ts";
import { openModelCodec } from "../../codec/model_codec.ts";
import { EvaluateStream } from "../../evaluate/evaluate_stream.ts";
import { sasImages, trainTiny } from "../fixtures/sas_images.ts";

const dir = await Deno.makeTempDir();
const images = sasImages(8, 8, 6);
await trainTiny(images, `${dir}/model`, 1);

async function evaluateChunks(chunks: ReturnType<typeof makeChunk>[]) {
  const codec = await openModelCodec(`${dir}/model`);
  try {
    return await Array.fromAsync(
      ReadableStream.from(chunks).pipeThrough(new EvaluateStream(codec, undefined, "x.ndjson")),
    );
  } finally {
    codec.model.dispose();
  }
}

Deno.test("evaluate refuses an all-zero image by index instead of reporting Infinity or NaN", async () => {
  const data = images.slice();
  data.fill(0, 5 * 64, 6 * 64);
  const labels = Array.from({ length: 8 }, (_, i) => ({ index: i }));
  await assert.rejects(
    evaluateChunks([makeChunk([8, 8], data, labels)]),
    (e: Error) =>
      e instanceof FormatError &&
      e.message ===
        "x.ndjson: image 5 is all zeros: its relative error is undefined; leave it out of the evaluation",
  );
});

Deno.test("evaluate refuses a stream with no images instead of reporting 0 images", async () => {
  await assert.rejects(
    evaluateChunks([]),
    (e: Error) => e instanceof FormatError && e.message === "x.ndjson: no images to evaluate",
  );
  // a valid empty stream file: header and trailer, no chunk
  await writeRecords(`${dir}/empty.ndjson`, makeHeader([8, 8]), []);
  const r = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("../../tasks/evaluate.ts", import.meta.url).pathname,
      "--quiet",
      "--model",
      `${dir}/model`,
      "--data",
      `${dir}/empty.ndjson`,
      "--out",
      `${dir}/report`,
    ],
    stderr: "piped",
    stdout: "null",
  }).output();
  const stderr = new TextDecoder().decode(r.stderr).trim();
  assert.equal(r.code, 1, stderr);
  assert.equal(stderr, `evaluate: error: ${dir}/empty.ndjson: no images to evaluate`);
});
