/**
 * The command line shared by the per-model bench scripts: `--data FILE [--n N] MODEL_DIR…`, and
 * the first N images of FILE as one array, on the cpu backend with native kernels.
 * @module
 */
import { parseArgs } from "node:util";
import { selectBackend } from "../models/backend.ts";
import { readRecords } from "../pipeline/record_stream.ts";
import { firstItems } from "../pipeline/batch_stream.ts";
import { chunkToFloat32 } from "../pipeline/record_format.ts";

/** What the script works on: the images [count × n], where they came from, and the model folders. */
export interface ModelImages {
  data: string;
  images: Float32Array;
  n: number;
  count: number;
  models: string[];
}

/** Parses the arguments of `script` (default --n `defaultN`); prints usage and exits when wrong. */
export async function modelImages(script: string, defaultN: number): Promise<ModelImages> {
  const { values, positionals } = parseArgs({
    options: { data: { type: "string" }, n: { type: "string", default: String(defaultN) } },
    allowPositionals: true,
  });
  const limit = Number(values.n);
  const data = values.data;
  if (!data || positionals.length === 0 || !(Number.isInteger(limit) && limit > 0)) {
    console.error(`usage: deno run -A bench/${script} --data FILE [--n N] MODEL_DIR…`);
    Deno.exit(1);
  }
  await selectBackend("cpu");
  const { header, chunks } = await readRecords(data);
  const n = header.shape.reduce((p, d) => p * d, 1);
  const images = await firstItems(
    (async function* () {
      for await (const chunk of chunks) yield chunkToFloat32(chunk, header.shape, data);
    })(),
    limit,
    n,
  );
  return { data, images, n, count: images.length / n, models: positionals };
}
