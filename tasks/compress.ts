/** `deno task compress`: images → `.sqz` sparse codes, or error-bounded codes with a bound. */
import { readRecords } from "../pipeline/record_stream.ts";
import { Progress, ProgressCountStream } from "../pipeline/progress.ts";
import { atomicWritable } from "../pipeline/atomic_file.ts";
import { UsageError } from "../pipeline/errors.ts";
import {
  CompressStream,
  describeIsotropy,
  describeRefinement,
  type ModelCodec,
  openModelCodec,
} from "../codec/model_codec.ts";
import {
  BoundedCompressStream,
  boundedSqzHeader,
  MODEL_PREDICTION_TOLERANCE,
  type RecordBound,
} from "../codec/bounded_records.ts";
import { CodeCountStream } from "../codec/code_count_stream.ts";
import type { MeasurementBound } from "../codec/measurement_record.ts";
import { compressMeasurementWithModel, modelFits } from "../codec/measurement_model.ts";
import { isMeasurementPath, readMeasurement } from "../pipeline/measurement_file.ts";
import type { Measurement } from "../pipeline/measurement.ts";
import { measurementFromStream } from "../pipeline/measurement_stream.ts";
import { writeFileAtomic } from "../pipeline/atomic_file.ts";
import { PackLabelsStream } from "../codec/label_blocks.ts";
import { type SqzInput, SqzWriterStream } from "../codec/sqz_container.ts";
import {
  expandGlob,
  isGlob,
  outputsIn,
  readInputList,
  shardOfList,
} from "../pipeline/input_files.ts";
import { parseShard } from "../generators/host/generation_plan.ts";
import { CODE_FLAGS, codeSettings } from "./_codec_flags.ts";
import { runTask, type TaskSpec } from "./_cli.ts";

const spec = {
  name: "compress",
  usage:
    "[--model DIR] --in data.ndjson[.gz]|FILE.h5|FILE.dat --out data.sqz [--max-rel-error R | --max-abs-error A | --max-sigma-error K]",
  summary:
    "Encode every image with the trained model and write its sparse code (index gaps range-\n" +
    "coded under the model's gap distribution, non-zero values quantized) to a .sqz container.\n" +
    "With --max-rel-error or --max-abs-error every decoded pixel is guaranteed within the bound\n" +
    "(|Î−I| ≤ R·|I| or ≤ A); the model's reconstruction, when given and when it helps, is the\n" +
    "prediction, otherwise spatial and symmetry predictors alone (no model needed).\n" +
    "A measured file (NXcanSAS .h5, QxQy ASCII .dat) is kept whole: q grid, mask and metadata\n" +
    "exactly, err(I) within --sigma-rel-error, I within the bound (--max-sigma-error K:\n" +
    "|Î−I| ≤ K·err(I) per pixel); deno task decompress gives back .h5, .dat or .ndjson. With\n" +
    "--model of the file's shape, the model's reconstruction predicts I when it pays.",
  flags: {
    model: {
      type: "string",
      help: "trained model folder (deno task train --out); optional with a bound",
      arg: "DIR",
      path: "in-dir",
    },
    in: {
      type: "string",
      help: "images in the stream format ('-' = stdin), or a glob such as 'night/*.ndjson.gz'",
      arg: "FILE",
    },
    list: { type: "string", help: "a file listing the inputs, one path per line", arg: "FILE" },
    shard: {
      type: "string",
      help: "compress only shard k of N of the inputs (a contiguous slice of the sorted list)",
      arg: "k/N",
    },
    out: {
      type: "string",
      help: "output .sqz; a folder (NAME.sqz per input) for a glob, --list or --shard",
      arg: "PATH",
      required: true,
    },
    "max-rel-error": {
      type: "number",
      help: "error-bounded: every pixel within R·|I|",
      arg: "R",
      above: 0,
    },
    "max-abs-error": {
      type: "number",
      help: "error-bounded: every pixel within A",
      arg: "A",
      above: 0,
    },
    "max-sigma-error": {
      type: "number",
      help: "measured files: every pixel within K·err(I)",
      arg: "K",
      above: 0,
    },
    "sigma-rel-error": {
      type: "number",
      help: "measured files: relative bound of err(I) itself",
      arg: "R",
      default: 0.01,
      above: 0,
      below: 1,
    },
    "prediction-tolerance": {
      type: "number",
      help: "relative difference ε of another backend's model prediction the bound survives",
      arg: "EPS",
      default: MODEL_PREDICTION_TOLERANCE,
      min: 0,
      below: 0.5,
    },
    prediction: {
      type: "string",
      help: "with --model and a bound: per image whichever is smaller (auto), or always the model",
      default: "auto",
      choices: ["auto", "model"] as const,
    },
    entry: {
      type: "string",
      help: "NXcanSAS inputs: the SASentry group to read (default: the first with 2-D data)",
      arg: "NAME",
    },
    "inline-labels": {
      type: "boolean",
      help: "one JSON label per record instead of deflated blocks of 64",
    },
    ...CODE_FLAGS,
  },
  examples: [
    "deno task compress --model runs/cpu --in test.ndjson.gz --out test.sqz",
    "deno task compress --max-rel-error 0.01 --in test.ndjson.gz --out test.sqz",
    "deno task compress --model runs/cpu --max-abs-error 1e-3 --in test.ndjson.gz --out test.sqz",
    "deno task compress --max-sigma-error 0.5 --in run.h5 --out run.sqz",
    "deno task compress --model runs/cpu --in 'night/*.ndjson.gz' --shard 2/8 --out sqz/",
  ],
} satisfies TaskSpec;

/** The bound asked for, or null for plain sparse codes. */
function boundOf(rel: number | undefined, abs: number | undefined): RecordBound | null {
  if (rel !== undefined && abs !== undefined) {
    throw new UsageError("--max-rel-error and --max-abs-error exclude each other; give one");
  }
  if (rel !== undefined) return { kind: "rel", r: rel };
  return abs === undefined ? null : { kind: "abs", a: abs };
}

/** The bound on a measured file's I: exactly one of the three flags. */
function measurementBound(
  rel: number | undefined,
  abs: number | undefined,
  k: number | undefined,
): MeasurementBound {
  const given = [rel, abs, k].filter((x) => x !== undefined).length;
  if (given !== 1) {
    throw new UsageError(
      "a measured file needs exactly one of --max-sigma-error, --max-rel-error, --max-abs-error",
    );
  }
  if (k !== undefined) return { kind: "sigma", k };
  return rel !== undefined ? { kind: "rel", r: rel } : { kind: "abs", a: abs! };
}

/**
 * Compresses one measurement (from a measured file or stream) into a measurement `.sqz`, with the
 * model's prediction of I when a model of the measurement's shape is given and it pays.
 */
async function compressMeasuredFile(
  m: Measurement,
  input: string,
  output: string,
  flags: Flags,
  bound: MeasurementBound,
  codec: ModelCodec | null,
): Promise<void> {
  if (codec !== null && !modelFits(codec, m) && !flags.quiet) {
    console.error(
      `compress: ${input}: ${m.height}×${m.width} measurement, the model expects ` +
        `[${codec.model.meta.image_shape}]: model-free prediction`,
    );
  }
  const { bytes, predicted } = await compressMeasurementWithModel(
    m,
    { bound, sigmaRel: flags["sigma-rel-error"] },
    codec,
    input,
    { use: flags.prediction, predictionTolerance: flags["prediction-tolerance"] },
  );
  await writeFileAtomic(output, bytes);
  if (!flags.quiet) {
    const size = input === "-" ? 0 : (await Deno.stat(input)).size;
    const how = codec === null ? "" : predicted ? ", model prediction used" : ", model-free";
    console.error(
      `compress: ${input} (${m.height}×${m.width}, ${size} bytes${how}) → ${bytes.length} bytes ` +
        `(ratio ${(size / bytes.length).toFixed(1)}×) → ${output}`,
    );
  }
}

/** The flags compressFile() reads. */
type Flags = {
  quiet: boolean;
  model?: string;
  prediction: "auto" | "model";
  "prediction-tolerance": number;
  "inline-labels": boolean;
  "max-rel-error"?: number;
  "max-abs-error"?: number;
  "max-sigma-error"?: number;
  "sigma-rel-error": number;
  entry?: string;
  isotropy?: boolean;
};

/** The inputs and their outputs: one file, or a glob/list (its shard) into a folder. */
async function plan(
  flags: { in?: string; list?: string; shard?: string; out: string },
): Promise<[string, string][]> {
  if ((flags.in === undefined) === (flags.list === undefined)) {
    throw new UsageError("give the inputs as --in FILE|GLOB or --list FILE (one of them)");
  }
  const many = flags.list !== undefined || isGlob(flags.in!) || flags.shard !== undefined;
  if (!many) return [[flags.in!, flags.out]];
  if (flags.in === "-") throw new UsageError("--shard takes a glob or --list, not stdin");
  let inputs = flags.list !== undefined
    ? await readInputList(flags.list)
    : isGlob(flags.in!)
    ? await expandGlob(flags.in!)
    : [flags.in!];
  if (flags.shard) {
    const { index, count } = parseShard(flags.shard);
    inputs = shardOfList(inputs, index, count);
  }
  await Deno.mkdir(flags.out, { recursive: true });
  const outputs = outputsIn(flags.out, inputs, ".sqz");
  return inputs.map((input, i) => [input, outputs[i]]);
}

/**
 * Compresses one input to the .sqz `output`: a measured file (.h5, .dat) or a measurement
 * stream whole, any other stream image by image (sparse codes, or error-bounded with a bound).
 */
async function compressFile(
  input: string,
  output: string,
  bound: RecordBound | null,
  model: ModelCodec | null,
  flags: Flags,
): Promise<void> {
  const measuredBound = () =>
    measurementBound(flags["max-rel-error"], flags["max-abs-error"], flags["max-sigma-error"]);
  const noIsotropy = (what: string) => {
    if (flags.isotropy) {
      throw new UsageError(`--isotropy flags the autoencoder's sparse codes, not ${what}`);
    }
  };
  if (isMeasurementPath(input)) {
    noIsotropy(`measured files (${input})`);
    const m = await readMeasurement(input, { entry: flags.entry });
    return await compressMeasuredFile(m, input, output, flags, measuredBound(), model);
  }
  if (flags.entry !== undefined) {
    throw new UsageError(`--entry reads NXcanSAS files; ${input} is a stream`);
  }
  let codec = model;
  const { header, chunks } = await readRecords(input);
  if (header.measurement !== undefined) {
    // a measurement stream (convert --in FILE.h5): compressed whole, as the file would be
    noIsotropy(`measured files (${input})`);
    const m = measurementFromStream(header, await Array.fromAsync(chunks), input);
    return await compressMeasuredFile(m, input, output, flags, measuredBound(), model);
  }
  if (flags["max-sigma-error"] !== undefined) {
    throw new UsageError(
      `--max-sigma-error needs err(I): ${input} is not a measured file (.h5, .dat) or its stream`,
    );
  }
  if (bound === null && codec === null) {
    throw new UsageError("--model is required unless --max-rel-error or --max-abs-error is given");
  }
  const progress = new Progress("compress", typeof header.n === "number" ? header.n : undefined, {
    quiet: flags.quiet,
  });
  const counted = new ProgressCountStream(progress);
  const codes = new CodeCountStream();
  const packed = !flags["inline-labels"];
  const pack = () => packed ? new PackLabelsStream() : new TransformStream<SqzInput, SqzInput>();
  let encoded: ReadableStream;
  let describe = () => "";
  if (bound === null) {
    describe = () => describeRefinement(codec!) + describeIsotropy(codec!, codes.records);
    encoded = chunks.pipeThrough(counted).pipeThrough(new CompressStream(codec!, input))
      .pipeThrough(codes).pipeThrough(pack())
      .pipeThrough(new SqzWriterStream({ ...codec!.header, packedLabels: packed }));
  } else {
    noIsotropy("error-bounded codes (--max-rel-error, --max-abs-error)");
    const [height, width] = header.shape.length === 2 ? header.shape : [1, header.shape[0]];
    if (codec !== null && codec.model.meta.image_shape.join() !== [height, width].join()) {
      if (!flags.quiet) {
        console.error(
          `compress: ${input}: images are [${header.shape}], the model expects ` +
            `[${codec.model.meta.image_shape}]: model-free prediction`,
        );
      }
      codec = null;
    }
    const stream = new BoundedCompressStream({
      height,
      width,
      bound,
      codec,
      predictionTolerance: flags["prediction-tolerance"],
      prediction: flags.prediction,
    }, input);
    const sqzHeader = { ...boundedSqzHeader(height, width, codec), packedLabels: packed };
    encoded = chunks.pipeThrough(counted).pipeThrough(stream).pipeThrough(codes)
      .pipeThrough(pack()).pipeThrough(new SqzWriterStream(sqzHeader));
    describe = () =>
      codec === null
        ? ", model-free"
        : `, model prediction used in ${stream.predicted}${describeRefinement(codec)}`;
  }
  await encoded.pipeTo(atomicWritable(output));
  const size = (await Deno.stat(output)).size;
  const ratio = (bytes: number) => (counted.bytes / bytes).toFixed(1);
  progress.done(
    `${codes.records} images${describe()}: ${counted.bytes} → ${size} bytes (file ratio ${
      ratio(size)
    }×; code only ${codes.bytes} bytes, ratio ${ratio(codes.bytes)}×) → ${output}`,
  );
}

if (import.meta.main) {
  Deno.exitCode = await runTask(spec, async (flags) => {
    const bound = boundOf(flags["max-rel-error"], flags["max-abs-error"]);
    const files = await plan(flags);
    const settings = codeSettings(flags);
    const codec: ModelCodec | null = flags.model === undefined
      ? null
      : await openModelCodec(flags.model, settings);
    for (const [input, output] of files) await compressFile(input, output, bound, codec, flags);
    codec?.model.dispose();
  });
}
