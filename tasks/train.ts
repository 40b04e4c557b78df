/** `deno task train`: train a sparse L1-autoencoder on a sasquash NDJSON stream or measured files. */
import { FormatError, UsageError } from "../pipeline/errors.ts";
import {
  chunkToFloat32,
  FLOAT_DTYPES,
  headerSha256,
  type StreamHeader,
} from "../pipeline/record_format.ts";
import { openRecordSource } from "../pipeline/record_source.ts";
import { Progress } from "../pipeline/progress.ts";
import { PRESETS, resolveArchitecture } from "../models/autoencoder.ts";
import { TRANSFORMS } from "../models/transform.ts";
import { SCHEDULES } from "../models/lr_schedule.ts";
import { LOSSES } from "../models/native_ops.ts";
import { BACKENDS, selectBackend } from "../models/backend.ts";
import { activeKernels } from "../models/native_kernels.ts";
import { describeKernels } from "../models/kernel_choice.ts";
import { BEST_BY, type EpochLog, staleBestNote, train } from "../models/trainer.ts";
import { loadInitModel } from "../models/init_model.ts";
import { learnModelGaps } from "../codec/learn_gap_model.ts";
import { parseDuration, runTask, type TaskSpec } from "./_cli.ts";
import { pathExists } from "../pipeline/path_check.ts";

const spec = {
  name: "train",
  usage: "--data FILE|GLOB|@LIST --out DIR [--preset NAME] [--epochs N] …",
  summary:
    "Train a sparse L1-autoencoder (arXiv 2405.14270) on a stream of SAS images or measured files.\n" +
    "Logs one JSON line per epoch to DIR/log.ndjson, checkpoints every epoch (Ctrl-C saves one),\n" +
    "and saves DIR/model.json + weights.bin (TensorFlow.js) and DIR/sasquash.json. See docs/TRAINING.md.",
  flags: {
    data: {
      type: "string",
      help: "training images: a stream .ndjson[.gz], a measured file (.h5, .dat, …), or measured " +
        "files by glob ('night/*.h5') or list file (@LIST)",
      arg: "FILE|GLOB|@LIST",
      required: true,
    },
    entry: {
      type: "string",
      help: "NXcanSAS --data: the SASentry group to read (default: the first with 2-D data)",
      arg: "NAME",
    },
    out: { type: "string", help: "run directory", arg: "DIR", path: "out-dir", required: true },
    preset: {
      type: "string",
      help: "architecture preset",
      choices: Object.keys(PRESETS),
      default: "cpu",
    },
    arch: { type: "string", help: "override widths as m/n,l/n (e.g. 1,2)", arg: "M,L" },
    lambda: { type: "number", help: "L1 weight λ (overrides the preset)", min: 0 },
    f: { type: "string", help: "sparse structure selector", choices: ["z", "grad"] as const },
    topk: {
      type: "int",
      help: "keep only each image's K largest latent activations (a k-sparse code: at most K " +
        "non-zeros, no L1 shrinkage needed; use with --lambda 0)",
      arg: "K",
      min: 1,
    },
    "target-error": {
      type: "number",
      help: "adapt λ to hold validation relative L2 at this",
      above: 0,
    },
    "target-nnz": {
      type: "number",
      help: "adapt λ to hold the validation mean ‖f(z)‖₀ (the code's rate) at this; best/ " +
        "then keeps the lowest-error epoch at or under it",
      above: 0,
      conflicts: ["target-error"],
    },
    epochs: { type: "int", help: "epochs (default 20; with --time, the most)", min: 1 },
    time: {
      type: "string",
      help: "training time budget, e.g. 1h, 45m, 900s: stops after the step that spends it",
      arg: "DURATION",
    },
    schedule: {
      type: "string",
      help: "learning rate: cosine decay over the run (epochs or --time) or constant",
      choices: SCHEDULES,
      default: "cosine",
    },
    loss: {
      type: "string",
      help: "data term of the loss: mse, the paper's mean square over all pixels; rms, the mean " +
        "of each image's RMS error (every image pulls equally: lowers the median error); rel, " +
        "the mean of each image's RMS relative error in intensity (rms_rel itself; log " +
        "transforms); log-rel, the mean of ln(0.05 + that) (the images near the median lead)",
      choices: LOSSES,
      default: "mse",
    },
    warmup: { type: "int", help: "steps of linear learning-rate warm-up", default: 100, min: 0 },
    isotropy: {
      type: "boolean",
      help: "train (and validate) the images isotropic to 1 % on the reconstruction averaged " +
        "over pixels of equal |q|, as compress --isotropy decodes them",
    },
    batch: { type: "int", help: "images per Adam step", default: 512, min: 1, max: 65536 },
    lr: {
      type: "number",
      help: "Adam learning rate (default: the preset's, 0.001; hourglass 0.0003)",
      above: 0,
    },
    val: { type: "number", help: "validation fraction", default: 0.1, min: 0, below: 1 },
    "max-val": {
      type: "int",
      help: "validation images held in memory",
      default: 4096,
      min: 1,
      max: 2 ** 20,
    },
    shuffle: {
      type: "int",
      help: "shuffle buffer, in images",
      default: 4096,
      min: 1,
      max: 2 ** 20,
    },
    seed: { type: "int", help: "seed of init, split and shuffle", default: 0, min: 0 },
    backend: { type: "string", help: "tfjs backend", choices: BACKENDS, default: "auto" },
    transform: {
      type: "string",
      help: "input transform: log10 minus each image's mean (its offset travels in the code), " +
        "linear ÷ each image's max, or one global standardized log10",
      choices: TRANSFORMS,
      default: "log-image",
    },
    "best-by": {
      type: "string",
      help: "keep in best/ the epoch with the lowest mean or median validation error (in " +
        "--target-metric); the median follows the typical image, not the worst few",
      choices: BEST_BY,
      default: "mean",
    },
    "target-metric": {
      type: "string",
      help: "the validation error --target-error holds: relative L2 (the paper's) or RMS " +
        "pointwise relative",
      choices: ["rel_l2", "rms_rel"] as const,
      default: "rel_l2",
    },
    resume: { type: "boolean", help: "continue from DIR/checkpoint.bin" },
    init: {
      type: "string",
      help: "start from a trained model's weights and input transform (fine-tuning: another " +
        "rate with --target-nnz, more training, or measured data); its widths, f and transform " +
        "are kept, λ is its own unless --lambda; repeat it with --resume",
      arg: "DIR",
      path: "in-dir",
      conflicts: ["preset", "arch", "f", "transform"],
    },
    widen: {
      type: "int",
      help: "with --init: widen the model's hidden layers to M units, keeping what it computes " +
        "(each new unit copies an old one, whose outgoing weights are split between them)",
      arg: "M",
      min: 2,
    },
    "gaps-only": {
      type: "boolean",
      help: "do not train: (re)learn DIR/gap_model.json (gaps, unit and value tables) from the " +
        "encoder's codes of --data (for refined codes: deno task code-model)",
    },
  },
  examples: [
    "deno task train --data train.ndjson.gz --out runs/cpu --preset cpu --epochs 20",
    "deno task train --data train.ndjson.gz --out runs/z --preset paper-z --target-error 0.05",
    "deno task train --data train.ndjson.gz --out runs/old --gaps-only   # gap model for an old run",
    "deno task train --data 'night/*.h5' --out runs/night --preset cpu --epochs 20",
    "deno task train --data train.ndjson.gz --out runs/k50 --init runs/cpu --target-nnz 50 --time 1h",
  ],
} satisfies TaskSpec;

/** Checks what the trainer needs beyond a valid stream: a float dtype and 2-D images. */
function checkHeader(header: StreamHeader, path: string): void {
  if (!FLOAT_DTYPES.includes(header.dtype)) {
    throw new FormatError(
      `${path}: header dtype is ${header.dtype}, training needs ${FLOAT_DTYPES.join("/")}`,
    );
  }
  if (header.shape.length !== 2) {
    throw new FormatError(`${path}: header shape [${header.shape}] is not a 2-D image shape`);
  }
}

function describe(log: EpochLog): string {
  const val = log.val_rel_l2 === null
    ? "no validation images"
    : `val mean (median) rel L2 ${log.val_rel_l2.toPrecision(3)} (${
      log.val_rel_l2_median?.toPrecision(3)
    }), RMS rel ${log.val_rms_rel?.toPrecision(3)} (${log.val_rms_rel_median?.toPrecision(3)}), ` +
      `‖f(z)‖₀ ${log.nnz_mean?.toFixed(1)}`;
  return `loss ${log.loss.toPrecision(4)}, ${val}, λ ${log.lambda.toPrecision(3)}, ` +
    `${log.images_per_second.toFixed(0)} img/s, ${log.gflops.toFixed(1)} GFLOP/s`;
}

/** Learns the code model on the codes of the first training images and stores it with the model. */
async function learnGaps(
  images: () => AsyncIterable<Float32Array>,
  header: StreamHeader,
  dir: string,
  quiet: boolean,
): Promise<void> {
  const codes = await learnModelGaps(dir, images(), header.shape);
  if (!quiet) {
    console.error(`train: code model learned on ${codes} codes → ${dir}/gap_model.json`);
  }
}

if (import.meta.main) {
  Deno.exitCode = await runTask(spec, async (flags) => {
    const path = flags.data;
    const open = () => openRecordSource(path, { entry: flags.entry });
    const { header, chunks } = await open();
    await chunks.cancel();
    checkHeader(header, path);
    const n = header.shape[0] * header.shape[1];
    if (flags.widen !== undefined && flags.init === undefined) {
      throw new UsageError("--widen widens the model of --init; give --init DIR");
    }
    const init = flags.init === undefined ? undefined : await loadInitModel(
      flags.init,
      header.shape,
      path,
      flags.lambda,
      flags.topk,
      flags.widen === undefined ? undefined : { m: flags.widen, seed: flags.seed },
    );

    const arch = init?.arch ?? resolveArchitecture(n, {
      preset: flags.preset,
      arch: flags.arch,
      lambda: flags.lambda,
      f: flags.f,
      topk: flags.topk,
    });
    const backend = await selectBackend(flags.backend);
    const source = async function* () {
      const pass = await open();
      for await (const chunk of pass.chunks) yield chunkToFloat32(chunk, pass.header.shape, path);
    };
    if (flags["gaps-only"]) return await learnGaps(source, header, flags.out, flags.quiet);
    const budget = flags.time === undefined ? undefined : parseDuration(flags.time, "--time");
    const controller = new AbortController();
    const onInterrupt = () => {
      if (!flags.quiet) console.error("\ntrain: interrupted, saving a checkpoint after this step…");
      controller.abort();
    };
    Deno.addSignalListener("SIGINT", onInterrupt);
    let progress: Progress | undefined;
    if (!flags.quiet) {
      console.error(
        `train: n=${arch.n} m=${arch.m} ℓ=${arch.ell} λ=${arch.lambda}${
          flags.resume && (flags["target-error"] ?? flags["target-nnz"]) !== undefined
            ? " (its start; the adapted λ continues from the checkpoint)"
            : ""
        } f=${arch.f}${arch.topk ? ` top-${arch.topk}` : ""}${
          init ? `, from ${init.dir}${flags.widen ? ` widened to m = ${flags.widen}` : ""}` : ""
        } on ` +
          `${backend.backend}${backend.native ? `, ${describeKernels(activeKernels())}` : ""}`,
      );
    }
    try {
      const result = await train(source, {
        out: flags.out,
        arch,
        imageShape: header.shape,
        epochs: flags.epochs ?? (budget === undefined ? 20 : Infinity),
        timeBudget: budget,
        schedule: flags.schedule,
        loss: flags.loss,
        warmupSteps: flags.warmup,
        batch: flags.batch,
        learningRate: flags.lr ?? PRESETS[flags.preset].lr,
        valFraction: flags.val,
        seed: flags.seed,
        targetError: flags["target-error"],
        targetNnz: flags["target-nnz"],
        targetMetric: flags["target-metric"],
        bestBy: flags["best-by"],
        transform: flags.transform,
        isotropy: flags.isotropy,
        shuffleImages: flags.shuffle,
        maxValImages: flags["max-val"],
        resume: flags.resume,
        init,
        headerSha256: await headerSha256(header),
        dataSeed: typeof header.seed === "number" ? header.seed : undefined,
        signal: controller.signal,
        // Started before the epoch's first batch, so the first line's rate counts its time.
        onEpochStart: (epoch) => {
          progress = new Progress(`epoch ${epoch}`, undefined, { quiet: flags.quiet });
        },
        onBatch: (rows) => progress?.add(rows),
        onEpoch: (log) => progress?.done(describe(log)),
      });
      if (result.interrupted) {
        console.error(`train: checkpoint saved in ${flags.out}; continue with --resume`);
        return 130;
      }
      if (!flags.quiet) console.error(`train: model saved in ${flags.out}`);
      const note = staleBestNote(result.logs, result.best, {
        out: flags.out,
        targetNnz: flags["target-nnz"],
        targetMetric: flags["target-metric"],
        bestBy: flags["best-by"],
      });
      if (note) console.error(`train: note: ${note}`);
      await learnGaps(source, header, flags.out, flags.quiet);
      if (await pathExists(`${flags.out}/best/sasquash.json`)) {
        await learnGaps(source, header, `${flags.out}/best`, flags.quiet);
      }
    } finally {
      Deno.removeSignalListener("SIGINT", onInterrupt);
    }
  });
}
