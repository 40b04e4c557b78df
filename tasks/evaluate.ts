/** `deno task evaluate`: compression ratio, errors, k-NN and baselines of a trained model. */
import { Progress } from "../pipeline/progress.ts";
import { RebatchStream } from "../pipeline/batch_stream.ts";
import { describeIsotropy, describeRefinement, openModelCodec } from "../codec/model_codec.ts";
import { openImageSource } from "../evaluate/image_source.ts";
import { EvaluateStream } from "../evaluate/evaluate_stream.ts";
import { ReportSink } from "../report/report_sink.ts";
import { writeReport } from "../report/write_report.ts";
import { summaryText } from "../report/summary_text.ts";
import { writeShardState } from "../report/shard_state.ts";
import { parseShard } from "../generators/host/generation_plan.ts";
import { UsageError } from "../pipeline/errors.ts";
import { measuredGrid } from "../pipeline/measurement.ts";
import { readMeasurement } from "../pipeline/measurement_file.ts";
import { CODE_FLAGS, codeSettings, MODEL_FLAG } from "./_codec_flags.ts";
import { rateDistortionSweep } from "../baselines/rate_distortion_sweep.ts";
import { SWEEP_FLAGS, sweepSettings } from "./_sweep_flags.ts";
import { runTask, type TaskSpec } from "./_cli.ts";

const spec = {
  name: "evaluate",
  usage: "--model DIR [--data FILE|GLOB|@LIST | --n N --seed S] [--out DIR] [flags]",
  summary:
    "Stream images (fresh generator samples from a seed disjoint from training, or --data)\n" +
    "through encode → sparse code bytes → decode and report per-image relative L2 error, max\n" +
    "pointwise relative error, ‖x‖₀/‖f(z)‖₀ and byte ratio: images.ndjson, summary.json, SVG\n" +
    "figures and index.html. Memory stays flat: images pass in batches.",
  flags: {
    model: MODEL_FLAG,
    data: {
      type: "string",
      help: "evaluate these images instead of generating: a stream file, a measured file " +
        "(.h5, .dat, …), or measured files by glob ('night/*.h5') or list file (@LIST)",
      arg: "FILE|GLOB|@LIST",
    },
    entry: {
      type: "string",
      help:
        "NXcanSAS --data or --grid-from: the SASentry to read (default: the first with 2-D data)",
      arg: "NAME",
    },
    n: { type: "int", help: "images to evaluate (at most, with --data)", default: 150000, min: 1 },
    seed: { type: "int", help: "generator seed (default: training seed + 1000003)", min: 0 },
    models: { type: "string", help: "generator models (as deno task generate)", arg: "LIST" },
    qmax: { type: "number", help: "generator q range in 1/Å", default: 0.3, above: 0 },
    "grid-from": {
      type: "string",
      help:
        "generate on a measured file's exact q grid (as generate --grid-from) instead of --qmax",
      arg: "FILE",
      conflicts: ["qmax", "data"],
    },
    workers: {
      type: "int",
      help: "generator Pyodide workers",
      default: navigator.hardwareConcurrency,
      min: 0,
    },
    out: { type: "string", help: "report folder", arg: "DIR", path: "out-dir", default: "report" },
    batch: {
      type: "int",
      help: "images per encode/decode batch",
      default: 256,
      min: 1,
      max: 65536,
    },
    ...CODE_FLAGS,
    knn: { type: "boolean", help: "k-NN family classification in latent vs image space" },
    "knn-train": {
      type: "int",
      help: "k-NN training split size (first images)",
      default: 2000,
      min: 1,
    },
    "knn-test": { type: "int", help: "k-NN test split size (next images)", default: 1000, min: 1 },
    "knn-k": { type: "int", help: "neighbours per vote", default: 5, min: 1 },
    baseline: {
      type: "string",
      help: "hourglass model folder evaluated on the same images",
      arg: "DIR",
      path: "in-dir",
    },
    zfp: { type: "boolean", help: "zfp baseline tuned to the model's mean relative L2 error" },
    "zfp-sample": {
      type: "int",
      help: "images the zfp baseline is tuned and measured on",
      default: 256,
      min: 1,
    },
    examples: { type: "int", help: "example images in examples.svg", default: 4, min: 0 },
    ...SWEEP_FLAGS,
    shard: {
      type: "string",
      help: "evaluate only shard k of N (split at --batch multiples): images.ndjson + shard.json " +
        "for deno task merge",
      arg: "k/N",
    },
  },
  examples: [
    "deno task evaluate --model runs/cpu --n 150000 --knn --zfp --out reports/cpu/",
    "deno task evaluate --model runs/cpu --data test.ndjson.gz --baseline runs/hourglass --out reports/vs-hourglass/",
    "deno task evaluate --model runs/cpu --data test.ndjson.gz --sweep --out reports/rd/   # + rate–distortion",
    "deno task evaluate --model runs/night --data 'night/*.h5' --out reports/night/",
    "deno task evaluate --model runs/cpu --n 150000 --shard 3/8 --out shards/3   # then deno task merge",
  ],
} satisfies TaskSpec;

if (import.meta.main) {
  Deno.exitCode = await runTask(spec, async (flags) => {
    const settings = codeSettings(flags);
    const shard = flags.shard ? parseShard(flags.shard) : undefined;
    const gridFrom = flags["grid-from"];
    if (flags.entry !== undefined && flags.data === undefined && gridFrom === undefined) {
      throw new UsageError("--entry names an NXcanSAS entry of --data or --grid-from");
    }
    const grid = gridFrom === undefined
      ? undefined
      : measuredGrid(await readMeasurement(gridFrom, { entry: flags.entry }));
    if (shard && (flags.knn || flags.zfp || flags.baseline || flags.sweep)) {
      throw new UsageError("--shard does not combine with --knn, --zfp, --baseline or --sweep");
    }
    const sweep = sweepSettings(flags);
    const codec = await openModelCodec(flags.model, settings);
    const baseline = flags.baseline ? await openModelCodec(flags.baseline, settings) : undefined;
    const source = await openImageSource(codec.model.meta, {
      ...flags,
      grid,
      shard: shard && { ...shard, align: flags.batch },
    });
    if (!flags.quiet) { for (const w of source.warnings) console.error(`evaluate: note: ${w}`); }
    await Deno.mkdir(flags.out, { recursive: true });
    const progress = new Progress("evaluate", source.expected, { quiet: flags.quiet });
    const knn = flags.knn ? { train: flags["knn-train"], test: flags["knn-test"] } : undefined;
    const sink = new ReportSink(`${flags.out}/images.ndjson`, codec, baseline, {
      knn,
      zfpSample: flags.zfp ? flags["zfp-sample"] : 0,
      examples: flags.examples,
      sweepSample: sweep ? flags["sweep-n"] : 0,
      progress,
    });
    await source.chunks
      .pipeThrough(new RebatchStream(flags.batch))
      .pipeThrough(new EvaluateStream(codec, baseline, flags.data ?? "generator", source.range[0]))
      .pipeTo(sink);
    progress.done(
      `→ ${flags.out}/images.ndjson${describeRefinement(codec)}${
        describeIsotropy(codec, progress.count)
      }`,
    );
    if (shard) {
      const [first, end] = source.range;
      await writeShardState(flags.out, sink.collected, {
        k: shard.index + 1,
        count: shard.count,
        first,
        end,
      }, {
        model: flags.model,
        ...settings,
        batch: flags.batch,
        examples: flags.examples,
        total: source.total ?? end,
        source: source.describe,
      });
      console.log(`evaluated images ${first}..${end - 1} (shard ${flags.shard}) → ${flags.out}`);
      codec.model.dispose();
      return;
    }
    const summary = await writeReport(sink.collected, {
      out: flags.out,
      model: { dir: flags.model, codec },
      baseline: baseline && { dir: flags.baseline!, codec: baseline },
      source: source.describe,
      knnK: flags["knn-k"],
      zfp: flags.zfp,
      sweep: sweep &&
        await rateDistortionSweep(codec, sink.collected.sweepImages(), sweep, {
          quiet: flags.quiet,
        }),
    });
    console.log(summaryText(summary, flags.out));
    codec.model.dispose();
    baseline?.model.dispose();
  });
}
