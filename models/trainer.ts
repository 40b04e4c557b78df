/**
 * The training loop: streams images (each pass over the data is a fresh async iterable),
 * holds out a validation split by a hash of the image index, shuffles through a bounded buffer,
 * steps Adam, adapts λ toward a target error, logs and checkpoints every epoch.
 * @module
 */

import { FormatError, UsageError } from "../pipeline/errors.ts";
import type { InitModel } from "./init_model.ts";
import { checkResumeSettings, keepLogLines, resumeSettings } from "./_resume_settings.ts";
import { DivergedError } from "./checkpoint.ts";
import { type Architecture, countNonzero, macsPerImage, SparseAutoencoder } from "./autoencoder.ts";
import { Adam } from "./adam.ts";
import { ShuffleBuffer } from "./_shuffle.ts";
import { type ModelMeta, saveModel } from "./model_io.ts";
import { restoreTrainingState, saveTrainingState } from "./checkpoint.ts";
import { trainStep } from "./train_step.ts";
import { lossIsRelative, type LossKind } from "./native_ops.ts";
import { learningRateAt, type Schedule, type ScheduleName } from "./lr_schedule.ts";
import { TrainedModel } from "./trained_model.ts";
import { type IsotropicRows, isotropicRows, radialClassesOf } from "./isotropy.ts";
import {
  assertFinite,
  fitTransform,
  imageScales,
  type InputTransform,
  lnPerNetworkUnit,
  toNetwork,
  type TransformName,
} from "./transform.ts";
import { firstItems } from "../pipeline/batch_stream.ts";
import { hashUnit, mulberry32, subSeed } from "../pipeline/seeded_random.ts";
import {
  type ErrorMetric,
  type ImageErrorStats,
  imageErrorStats,
} from "../pipeline/image_error.ts";

/** Produces one pass over the training stream: Float32Arrays of whole images (intensities). */
export type ImageSource = () => AsyncIterable<Float32Array>;

/** The statistics over validation images that can pick `best/` (`--best-by`). */
export const BEST_BY = ["mean", "median"] as const;
/** One of {@link BEST_BY}. */
export type BestBy = typeof BEST_BY[number];

/** What `train` needs besides the data. */
export interface TrainOptions {
  out: string;
  arch: Architecture;
  imageShape: number[];
  /** Epochs to train (the most, when `timeBudget` is set). */
  epochs: number;
  batch: number;
  /** Peak learning rate of the schedule. */
  learningRate: number;
  /** Learning-rate schedule (default cosine decay over the run). */
  schedule?: ScheduleName;
  /** Steps of linear learning-rate warm-up (default 100). */
  warmupSteps?: number;
  /**
   * Seconds of training (steps, not validation) after which the run stops at the end of the
   * step; the cosine then decays over this budget rather than over `epochs`. A run with a
   * budget is not reproducible byte for byte, since where it stops depends on the machine.
   */
  timeBudget?: number;
  valFraction: number;
  seed: number;
  /** The data term of the loss (default `mse`, the paper's; `rms`: mean per-image RMS). */
  loss?: LossKind;
  /** Target validation error (in `targetMetric`); λ adapts when set. */
  targetError?: number;
  /**
   * Target validation mean ‖f(z)‖₀ (the rate); λ adapts when set, and `best/` keeps the
   * lowest-error epoch whose mean is at or under it.
   */
  targetNnz?: number;
  /** The validation error `targetError` refers to (default rel_l2, the paper's). */
  targetMetric?: ErrorMetric;
  /**
   * Which statistic over validation images of `targetMetric` picks the `best/` epoch: the mean
   * (default) or the median (the typical image, which the mean's worst few images can outweigh).
   */
  bestBy?: BestBy;
  shuffleImages?: number;
  maxValImages?: number;
  /**
   * Images isotropic to ISOTROPY_TOLERANCE are trained and validated on the reconstruction
   * averaged over pixels of equal |q|, as `compress --isotropy` decodes them.
   */
  isotropy?: boolean;
  /** The input transform to fit (default `log-image`: per-image log offset in each code). */
  transform?: TransformName;
  transformSample?: number;
  resume?: boolean;
  /** Start from these weights and this transform instead of a fresh initialization. */
  init?: InitModel;
  headerSha256?: string;
  /** Base seed of the training stream (recorded so evaluation can pick a disjoint one). */
  dataSeed?: number;
  signal?: AbortSignal;
  /** Called as epoch `epoch` (1-based, also after a resume) starts. */
  onEpochStart?: (epoch: number) => void;
  onBatch?: (images: number, loss: number) => void;
  onEpoch?: (log: EpochLog) => void;
}

/** One line of `log.ndjson`. */
export interface EpochLog {
  epoch: number;
  loss: number;
  /** Validation means of the three error measures; null with no validation images (`--val 0`). */
  val_rel_l2: number | null;
  val_rms_rel: number | null;
  val_max_rel: number | null;
  /** Validation medians of rel. L2 and RMS pointwise relative error (null as above). */
  val_rel_l2_median: number | null;
  val_rms_rel_median: number | null;
  nnz_mean: number | null;
  lambda: number;
  images_per_second: number;
  gflops: number;
  train_images: number;
  val_images: number;
  seconds: number;
}

/** Where training stands; this is what a checkpoint's header stores. */
interface Progress {
  epoch: number;
  /** Training seconds over all epochs so far (for `timeBudget`). */
  totalSeconds?: number;
  /** Training images in the last complete epoch (to place a step within the schedule). */
  epochImages?: number;
  /** The best validation error so far (in the target metric) and its epoch, kept in `best/`. */
  best?: { epoch: number; error: number };
  batchesDone: number;
  lossSum: number;
  imagesDone: number;
  seconds: number;
  lambda: number;
  step: number;
  transform: InputTransform;
}

/** (Multiplicative controller) λ ← λ·exp((E − e)/E), the factor clamped to [½, 2]. */
export function adaptLambda(lambda: number, error: number, target: number): number {
  return scaleLambda(lambda, (target - error) / target);
}

/**
 * λ after an epoch whose validation mean ‖f(z)‖₀ was `nnz`, for a target `target`: λ·exp((nnz −
 * target)/target), the factor clamped to [½, 2]. More non-zeros than wanted raise λ.
 */
export function adaptLambdaToRate(lambda: number, nnz: number, target: number): number {
  return scaleLambda(lambda, (nnz - target) / target);
}

/** λ·exp(x), the factor clamped to [½, 2] (and λ kept off 0 so it can grow again). */
function scaleLambda(lambda: number, x: number): number {
  return Math.max(lambda, 1e-6) * Math.min(2, Math.max(0.5, Math.exp(x)));
}

/** What `train` returns: the per-epoch logs and whether a signal stopped it early. */
export interface TrainResult {
  logs: EpochLog[];
  interrupted: boolean;
  /** The epoch kept in best/ and its validation error (null when none was kept). */
  best: { epoch: number; error: number } | null;
}

/**
 * With `--target-nnz`, best/ keeps only epochs at or under the rate. When the final epoch has a
 * lower error than best/'s but is over the rate (λ cannot pull the rate back once the schedule has
 * let the learning rate fall), a user reading only best/ would miss it: this says so, with both
 * epochs' error and rate. Null when best/ is the final epoch or better, or no rate was targeted.
 */
export function staleBestNote(
  logs: readonly EpochLog[],
  best: { epoch: number; error: number } | null,
  options: Pick<TrainOptions, "targetNnz" | "targetMetric" | "bestBy" | "out">,
): string | null {
  const last = logs.at(-1);
  if (options.targetNnz === undefined || !best || !last || last.epoch === best.epoch) return null;
  const metric = options.targetMetric ?? "rel_l2";
  const median = options.bestBy === "median";
  const error = median
    ? (metric === "rms_rel" ? last.val_rms_rel_median : last.val_rel_l2_median)
    : (metric === "rms_rel" ? last.val_rms_rel : last.val_rel_l2);
  if (error === null || last.nnz_mean === null || error >= best.error) return null;
  const over = logs.filter((log) =>
    log.epoch > best.epoch && (log.nnz_mean ?? 0) > options.targetNnz!
  );
  const name = `${median ? "median" : "mean"} ${metric === "rms_rel" ? "RMS rel." : "rel. L2"}`;
  const rate = (log: EpochLog) => log.nnz_mean!.toFixed(1);
  return `best/ holds epoch ${best.epoch} (${name} ${best.error.toPrecision(3)}); ` +
    `${over.length} later epoch${over.length === 1 ? " was" : "s were"} over --target-nnz ` +
    `${options.targetNnz} (‖f(z)‖₀ up to ${
      Math.max(...over.map((log) => log.nnz_mean!)).toFixed(1)
    }). ` +
    `The final model in ${options.out}, epoch ${last.epoch}, has ${error.toPrecision(3)} at ` +
    `‖f(z)‖₀ ${rate(last)}: evaluate both and pick by the byte ratio you need`;
}

/** The `--transform` name of each transform kind (a model's `transform.kind`). */
const KIND_NAMES: Record<InputTransform["kind"], TransformName> = {
  "log10-per-image": "log-image",
  "linear-per-image-max": "linear-max",
  "log10-standardized": "log-global",
};

/** Trains and saves the model to `options.out`; returns the epoch logs (and whether interrupted). */
export async function train(source: ImageSource, options: TrainOptions): Promise<TrainResult> {
  const { arch, out } = options;
  const n = arch.n;
  const checkpointPath = `${out}/checkpoint.bin`;
  // The transform the run will use, by its --transform name, and where it comes from.
  const transform: TransformName = options.init
    ? KIND_NAMES[options.init.transform.kind]
    : options.transform ?? "log-image";
  const from = options.init ? `${options.init.dir} uses` : "--transform is";
  if (lossIsRelative(options.loss ?? "mse") && transform === "linear-max") {
    throw new UsageError(
      `--loss ${options.loss} measures error as a ratio of intensities and needs a log ` +
        `transform; ${from} linear-max`,
    );
  }
  if (options.isotropy && transform === "log-global") {
    throw new UsageError(
      "--isotropy trains for codes that carry an isotropy flag in their per-image scale; " +
        `${from} log-global, which has none`,
    );
  }
  await Deno.mkdir(out, { recursive: true });
  let progress: Progress;
  let model: SparseAutoencoder;
  let adam: Adam;
  if (options.resume) {
    const restored = await restoreTrainingState(
      checkpointPath,
      arch,
      options.learningRate,
      (header) => (header.progress as Progress).step,
    );
    progress = restored.header.progress as Progress;
    model = restored.model;
    adam = restored.adam;
    checkResumeSettings(checkpointPath, restored.header, resumeSettings(options));
    await keepLogLines(`${out}/log.ndjson`, progress.epoch);
  } else {
    const transform = options.init?.transform ?? fitTransform(
      options.transform ?? "log-image",
      await firstImages(source, n, options.transformSample ?? 1024),
      n,
    );
    progress = {
      epoch: 0,
      batchesDone: 0,
      lossSum: 0,
      imagesDone: 0,
      seconds: 0,
      lambda: arch.lambda,
      step: 0,
      transform,
    };
    model = options.init
      ? new SparseAutoencoder(arch, await options.init.weights())
      : SparseAutoencoder.create(arch, options.seed);
    adam = new Adam(model.variables, { learningRate: options.learningRate });
    await Deno.writeTextFile(`${out}/log.ndjson`, "");
  }
  const logs: EpochLog[] = [];
  const checkpoint = () =>
    saveTrainingState(checkpointPath, model, adam, (step) => ({
      arch,
      seed: options.seed,
      settings: resumeSettings(options),
      progress: { ...progress, step },
    }));
  const trainMacs = 3 * macsPerImage(arch);
  try {
    while (progress.epoch < options.epochs) {
      options.onEpochStart?.(progress.epoch + 1);
      const pass = await runEpoch(source, options, progress, model, adam);
      if (pass.interrupted && !pass.budgetSpent) {
        await checkpoint();
        return { logs, interrupted: true, best: progress.best ?? null };
      }
      const validation = await evaluate(
        new TrainedModel(meta(options, progress), model),
        pass.val,
        options.isotropy,
      );
      const seconds = Math.max(progress.seconds, 1e-9);
      const log: EpochLog = {
        epoch: progress.epoch + 1,
        loss: progress.lossSum / Math.max(progress.imagesDone, 1),
        val_rel_l2: validation.errors?.rel_l2 ?? null,
        val_rms_rel: validation.errors?.rms_rel ?? null,
        val_max_rel: validation.errors?.max_rel ?? null,
        val_rel_l2_median: validation.medians?.rel_l2 ?? null,
        val_rms_rel_median: validation.medians?.rms_rel ?? null,
        nnz_mean: validation.nnzMean,
        lambda: progress.lambda,
        images_per_second: progress.imagesDone / seconds,
        gflops: 2 * trainMacs * progress.imagesDone / seconds / 1e9,
        train_images: progress.imagesDone,
        val_images: pass.val.length / n,
        seconds: progress.seconds,
      };
      logs.push(log);
      await Deno.writeTextFile(`${out}/log.ndjson`, JSON.stringify(log) + "\n", { append: true });
      options.onEpoch?.(log);
      if (validation.errors) {
        const metric = options.targetMetric ?? "rel_l2";
        const error = validation.errors[metric];
        const bestError = options.bestBy === "median" ? validation.medians[metric] : error;
        const withinRate = options.targetNnz === undefined ||
          validation.nnzMean <= options.targetNnz;
        if (withinRate && (!progress.best || bestError < progress.best.error)) {
          progress.best = { epoch: progress.epoch + 1, error: bestError };
          const best = { ...arch, lambda: progress.lambda };
          const weights = await model.readWeights();
          await saveModel(`${out}/best`, meta({ ...options, arch: best }, progress), weights);
        }
        if (options.targetError !== undefined) {
          progress.lambda = adaptLambda(progress.lambda, error, options.targetError);
        }
        if (options.targetNnz !== undefined) {
          progress.lambda = adaptLambdaToRate(
            progress.lambda,
            validation.nnzMean,
            options.targetNnz,
          );
        }
      }
      Object.assign(progress, {
        epoch: progress.epoch + 1,
        epochImages: pass.budgetSpent ? progress.epochImages : progress.imagesDone,
        batchesDone: 0,
        lossSum: 0,
        imagesDone: 0,
        seconds: 0,
      });
      await checkpoint();
      if (pass.budgetSpent) break;
    }
    const final = { ...arch, lambda: progress.lambda };
    await saveModel(out, meta({ ...options, arch: final }, progress), await model.readWeights());
    return { logs, interrupted: false, best: progress.best ?? null };
  } finally {
    adam.dispose();
    model.dispose();
  }
}

/**
 * Seed of the validation split: the `--init` model's when it was trained on the same data (the
 * same stream header), so its validation images stay ones no run has trained on; else `seed`.
 */
function splitSeed(options: TrainOptions): number {
  const split = options.init?.split;
  return split && split.headerSha256 === options.headerSha256 ? split.seed : options.seed;
}

function meta(options: TrainOptions, progress: Progress): ModelMeta {
  return {
    format: "sasquash-model",
    version: 1,
    architecture: options.arch,
    image_shape: options.imageShape,
    transform: progress.transform,
    data: {
      header_sha256: options.headerSha256 ?? "",
      ...(options.dataSeed === undefined ? {} : { seed: options.dataSeed }),
    },
    training: {
      epochs: options.epochs,
      batch: options.batch,
      learning_rate: options.learningRate,
      val_fraction: options.valFraction,
      seed: options.seed,
      split_seed: splitSeed(options),
      target_error: options.targetError ?? null,
      target_nnz: options.targetNnz ?? null,
      target_metric: options.targetMetric ?? "rel_l2",
      best_by: options.bestBy ?? "mean",
      schedule: options.schedule ?? "cosine",
      loss: options.loss ?? "mse",
      warmup_steps: options.warmupSteps ?? 100,
      time_budget_seconds: options.timeBudget ?? null,
      best_epoch: progress.best?.epoch ?? null,
      best_val_error: progress.best?.error ?? null,
      init: options.init?.dir ?? null,
      isotropy: options.isotropy ?? false,
    },
  };
}

/** The isotropic rows of a batch of network inputs, when the run trains them averaged. */
function isotropicBatch(
  options: TrainOptions,
  transform: InputTransform,
  x: Float32Array,
): IsotropicRows | undefined {
  if (!options.isotropy) return undefined;
  const classes = radialClassesOf(options.imageShape, options.arch.n);
  const flags = isotropicRows(x, classes, transform);
  return flags.some((f) => f === 1) ? { flags, classes } : undefined;
}

async function firstImages(source: ImageSource, n: number, wanted: number): Promise<Float32Array> {
  async function* checked() {
    for await (const values of source()) {
      checkImages(values, n, "training data");
      yield values;
    }
  }
  const sample = await firstItems(checked(), wanted, n);
  if (sample.length === 0) throw new FormatError("training data: no images");
  return sample;
}

/** Throws FormatError unless `values` is whole images of n finite pixels. */
export function checkImages(values: Float32Array, n: number, source: string): void {
  if (!(values instanceof Float32Array)) throw new FormatError(`${source}: images must be float32`);
  if (values.length % n !== 0) {
    throw new FormatError(
      `${source}: ${values.length} values is not a whole number of ${n}-pixel images`,
    );
  }
  assertFinite(values, n, source);
}

async function runEpoch(
  source: ImageSource,
  options: TrainOptions,
  progress: Progress,
  model: SparseAutoencoder,
  adam: Adam,
) {
  const n = options.arch.n;
  const random = mulberry32(subSeed(options.seed, progress.epoch));
  const shuffle = new ShuffleBuffer(options.shuffleImages ?? 4096, n, random);
  const maxVal = options.maxValImages ?? 4096;
  const val = new Float32Array(maxVal * n);
  let valCount = 0;
  const kept = () => val.subarray(0, valCount * n);
  const batch = new Float32Array(options.batch * n);
  let filled = 0;
  let batchIndex = 0;
  let index = 0;
  // Only the relative losses read it; their log transform was checked at the start of train().
  const lnPerUnit = lnPerNetworkUnit(progress.transform) ?? 0;
  const split = splitSeed(options);
  const schedule: Schedule = {
    name: options.schedule ?? "cosine",
    base: options.learningRate,
    warmupSteps: options.warmupSteps ?? 100,
  };
  const fraction = () =>
    options.timeBudget
      ? (progress.totalSeconds ?? 0) / options.timeBudget
      : (progress.epoch + (progress.imagesDone / (progress.epochImages ?? Infinity))) /
        options.epochs;
  const budgetSpent = () =>
    options.timeBudget !== undefined && (progress.totalSeconds ?? 0) >= options.timeBudget;
  const step = async (rows: number) => {
    if (batchIndex++ < progress.batchesDone) return;
    adam.learningRate = learningRateAt(schedule, adam.step, fraction());
    const start = performance.now();
    const images = batch.subarray(0, rows * n);
    const x = toNetwork(progress.transform, images, imageScales(progress.transform, images, n));
    const isotropy = isotropicBatch(options, progress.transform, x);
    const loss = await trainStep(
      model,
      adam,
      x,
      progress.lambda,
      options.loss,
      lnPerUnit,
      isotropy,
    );
    if (!Number.isFinite(loss)) {
      throw new DivergedError(
        `training diverged at epoch ${progress.epoch + 1}, batch ${batchIndex} (loss ${loss}); ` +
          `the last good checkpoint is kept; try a smaller --lr (now ${options.learningRate})`,
      );
    }
    const seconds = (performance.now() - start) / 1000;
    progress.seconds += seconds;
    progress.totalSeconds = (progress.totalSeconds ?? 0) + seconds;
    progress.batchesDone++;
    progress.lossSum += loss * rows;
    progress.imagesDone += rows;
    options.onBatch?.(rows, loss);
    // A macrotask turn, so that a signal handler (Ctrl-C) can run between steps.
    await new Promise((resolve) => setTimeout(resolve, 0));
  };
  for await (const values of source()) {
    checkImages(values, n, "training data");
    for (let offset = 0; offset < values.length; offset += n, index++) {
      const image = values.subarray(offset, offset + n);
      if (hashUnit(split, index) < options.valFraction) {
        if (valCount < maxVal) val.set(image, valCount++ * n);
        continue;
      }
      if (
        shuffle.push(image, batch.subarray(filled * n, filled * n + n)) &&
        ++filled === options.batch
      ) {
        await step(filled);
        filled = 0;
        if (options.signal?.aborted) return { interrupted: true, budgetSpent: false, val };
        if (budgetSpent()) return { interrupted: true, budgetSpent: true, val: kept() };
      }
    }
  }
  for (const image of shuffle.drain()) {
    batch.set(image, filled * n);
    if (++filled === options.batch) {
      await step(filled);
      filled = 0;
      if (options.signal?.aborted) return { interrupted: true, budgetSpent: false, val };
      if (budgetSpent()) return { interrupted: true, budgetSpent: true, val: kept() };
    }
  }
  if (filled > 0) await step(filled);
  return { interrupted: false, budgetSpent: budgetSpent(), val: kept() };
}

/** What validation measures: mean and median errors in intensity and mean ‖f(z)‖₀ per image. */
export type Validation =
  | { errors: ImageErrorStats["mean"]; medians: ImageErrorStats["median"]; nnzMean: number }
  | { errors: null; medians: null; nnzMean: null };

/**
 * Mean and median error measures in intensity (rel. L2, RMS and max pointwise relative) and mean
 * ‖f(z)‖₀ over images (intensities); nulls when there are no images to measure. With `isotropy`
 * the images isotropic to ISOTROPY_TOLERANCE decode averaged over equal |q|.
 */
export async function evaluate(
  model: TrainedModel,
  images: Float32Array,
  isotropy = false,
): Promise<Validation> {
  const { n, ell, f } = model.arch;
  const count = images.length / n;
  if (count === 0) return { errors: null, medians: null, nnzMean: null };
  const scales = model.scales(images, "validation images");
  const z = await model.encode(images, "validation images", scales);
  const flags = isotropy
    ? isotropicRows(
      toNetwork(model.transform, images, scales),
      model.radialClasses,
      model.transform,
    )
    : undefined;
  const reconstruction = await model.decode(z, "validation images", scales, flags);
  const stats = imageErrorStats(images, reconstruction, n)!;
  return {
    errors: stats.mean,
    medians: stats.median,
    nnzMean: countNonzero(z, ell, f) / count,
  };
}
