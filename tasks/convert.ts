/**
 * `deno task convert`: move arrays between numpy `.npy` files and the stream format, and read
 * measured files (NXcanSAS, QxQy tables) into it.
 */
import { UsageError } from "../pipeline/errors.ts";
import { readNpyRecords } from "../pipeline/npy.ts";
import { isNpyPath, readRecords, writeRecords } from "../pipeline/record_stream.ts";
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
    "npy → ndjson: the first axis indexes images. ndjson → npy: all images stacked; labels other\n" +
    "than the image's index go to <out>.labels.json (every task also reads and writes .npy\n" +
    "itself). A measured file (NXcanSAS .h5, QxQy or RKH ASCII .dat) becomes one float64 image\n" +
    "of I, grid and metadata in the header, err(I) and mask in its label; such a stream (or a\n" +
    "measured file) converts back to .h5 or .dat.",
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

/** Copies the images of `input` (a stream or a `.npy`) to `output` (the other kind). */
async function copyImages(input: string, output: string, chunkSize: number): Promise<number> {
  const { header, chunks } = isNpyPath(input)
    ? await readNpyRecords(input, chunkSize)
    : await readRecords(input);
  return (await writeRecords(output, header, chunks)).images;
}

if (import.meta.main) {
  Deno.exitCode = await runTask(spec, async (flags) => {
    const from = flags.in, to = flags.out;
    let n: number;
    if (flags.entry !== undefined && !isMeasurementPath(from)) {
      throw new UsageError(`--entry reads an NXcanSAS file; ${from} is not a measured file`);
    }
    if (isMeasurementPath(from) && !isNpyPath(to)) {
      const m = await readMeasurement(from, { entry: flags.entry });
      if (isMeasurementPath(to)) await writeMeasurement(to, m);
      else await writeMeasurementStream(to, m);
      n = 1;
    } else if (isMeasurementPath(to)) {
      await writeMeasurement(to, await readMeasurementStream(from));
      n = 1;
    } else if (isNpyPath(from) !== isNpyPath(to)) n = await copyImages(from, to, flags.chunk);
    else throw new UsageError("one of --in/--out must be .npy and the other .ndjson[.gz]");
    if (!flags.quiet) console.error(`convert: ${n} images ${from} → ${to}`);
  });
}
