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
  /** The script's own options (`extra`), as given or their defaults. */
  options: Record<string, string>;
}

/**
 * Parses the arguments of `script` (default --n `defaultN`, and the script's own string options
 * `extra` with their defaults); prints usage and exits when wrong.
 */
export async function modelImages(
  script: string,
  defaultN: number,
  extra: Record<string, string> = {},
): Promise<ModelImages> {
  const own = Object.fromEntries(
    Object.entries(extra).map(([k, v]) => [k, { type: "string" as const, default: v }]),
  );
  const usage = () => {
    const flags = Object.entries(extra).map(([k, v]) => ` [--${k} ${v}]`).join("");
    console.error(`usage: deno run -A bench/${script} --data FILE [--n N]${flags} MODEL_DIR…`);
    Deno.exit(1);
  };
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        data: { type: "string" },
        n: { type: "string", default: String(defaultN) },
        ...own,
      },
      allowPositionals: true,
    });
  } catch (e) {
    console.error(`bench/${script}: ${(e as Error).message}`);
    return usage();
  }
  const { positionals } = parsed;
  const values = parsed.values as Record<string, string | undefined>;
  const limit = Number(values.n);
  const data = values.data;
  if (!data || positionals.length === 0 || !(Number.isInteger(limit) && limit > 0)) return usage();
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
  const options = Object.fromEntries(Object.keys(extra).map((k) => [k, String(values[k])]));
  return { data, images, n, count: images.length / n, models: positionals, options };
}
