/**
 * `deno task convert`: move arrays between numpy `.npy` files and the stream format, and read
 * measured files (NXcanSAS, QxQy tables) into it.
 */
import { FormatError, UsageError } from "../pipeline/errors.ts";
import { encodeNpy, parseNpy } from "../pipeline/npy.ts";
import { type Chunk, type ChunkData, itemSize, makeHeader } from "../pipeline/record_format.ts";
import { readRecords, writeRecords } from "../pipeline/record_stream.ts";
import { writeFileAtomic } from "../pipeline/atomic_file.ts";
import {
  isMeasurementPath,
  readMeasurement,
  writeMeasurement,
} from "../pipeline/measurement_file.ts";
import { readMeasurementStream, writeMeasurementStream } from "../pipeline/measurement_stream.ts";
import { runTask, type TaskSpec } from "./_cli.ts";

const spec = {
  name: "convert",
  usage: "--in FILE --out FILE",
  summary: "Convert .npy (N, …) arrays to the sasquash stream format (.ndjson[.gz]) and back.\n" +
    "npy → ndjson: the first axis indexes images. ndjson → npy: all images stacked; labels go to\n" +
    "<out>.labels.json when present. A measured file (NXcanSAS .h5, QxQy or RKH ASCII .dat)\n" +
    "becomes one float64 image of I, grid and metadata in the header, err(I) and mask in its\n" +
    "label; such a stream (or a measured file) converts back to .h5 or .dat.",
  flags: {
    in: {
      type: "string",
      help: "input .npy, .ndjson[.gz] ('-' = stdin for ndjson), or a measured .h5/.dat",
      arg: "FILE",
      path: "in-file",
      required: true,
    },
    out: {
      type: "string",
      help: "output .ndjson[.gz] or .npy",
      arg: "FILE",
      path: "out-file",
      required: true,
    },
    chunk: { type: "int", help: "images per chunk when writing ndjson", default: 256, min: 1 },
    entry: {
      type: "string",
      help: "NXcanSAS input: the SASentry group to read (default: the first with 2-D data)",
      arg: "NAME",
    },
  },
  examples: [
    "deno task convert --in images.npy --out images.ndjson.gz",
    "deno task convert --in run.h5 --out run.ndjson",
    "deno task convert --in runs.h5 --entry sasentry02 --out run2.dat",
  ],
} satisfies TaskSpec;

const isNpy = (p: string) => p.endsWith(".npy");

async function npyToRecords(input: string, output: string, chunkSize: number): Promise<number> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(input);
  } catch {
    throw new FormatError(`${input}: cannot read`);
  }
  const arr = parseNpy(bytes, input);
  if (arr.shape.length < 2) {
    throw new FormatError(`${input}: need shape (N, …) with N images, got (${arr.shape})`);
  }
  const [n, ...shape] = arr.shape;
  const size = itemSize(shape);
  const chunks = function* (): Generator<Chunk> {
    for (let s = 0; s < n; s += chunkSize) {
      const e = Math.min(n, s + chunkSize);
      const labels = Array.from({ length: e - s }, (_, i) => ({ index: s + i }));
      yield {
        count: e - s,
        shape,
        dtype: arr.dtype,
        labels,
        data: arr.data.subarray(s * size, e * size),
      };
    }
  };
  const header = makeHeader(shape, { source: { npy: input } }, arr.dtype);
  return (await writeRecords(output, header, chunks())).images;
}

async function recordsToNpy(input: string, output: string): Promise<number> {
  const { header, chunks } = await readRecords(input);
  const parts: ChunkData[] = [];
  const labels: unknown[] = [];
  let count = 0;
  for await (const c of chunks) {
    parts.push(c.data);
    labels.push(...c.labels);
    count += c.count;
  }
  const size = itemSize(header.shape);
  const ctor = (parts[0]?.constructor ?? Float32Array) as { new (n: number): ChunkData };
  const data = new ctor(count * size);
  let at = 0;
  for (const p of parts) {
    (data as Float32Array).set(p as Float32Array, at);
    at += p.length;
  }
  await writeFileAtomic(
    output,
    encodeNpy({ shape: [count, ...header.shape], dtype: header.dtype, data }),
  );
  if (labels.some((l) => l && Object.keys(l as object).length > 0)) {
    await writeFileAtomic(`${output.replace(/\.npy$/, "")}.labels.json`, JSON.stringify(labels));
  }
  return count;
}

if (import.meta.main) {
  Deno.exitCode = await runTask(spec, async (flags) => {
    const from = flags.in, to = flags.out;
    let n: number;
    if (flags.entry !== undefined && !isMeasurementPath(from)) {
      throw new UsageError(`--entry reads an NXcanSAS file; ${from} is not a measured file`);
    }
    if (isMeasurementPath(from) && !isNpy(to)) {
      const m = await readMeasurement(from, { entry: flags.entry });
      if (isMeasurementPath(to)) await writeMeasurement(to, m);
      else await writeMeasurementStream(to, m);
      n = 1;
    } else if (isMeasurementPath(to)) {
      await writeMeasurement(to, await readMeasurementStream(from));
      n = 1;
    } else if (isNpy(from) && !isNpy(to)) n = await npyToRecords(from, to, flags.chunk);
    else if (!isNpy(from) && isNpy(to)) n = await recordsToNpy(from, to);
    else throw new UsageError("one of --in/--out must be .npy and the other .ndjson[.gz]");
    if (!flags.quiet) console.error(`convert: ${n} images ${from} → ${to}`);
  });
}
