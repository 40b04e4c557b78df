/**
 * Code refinement: the encoder's latent is a good first guess, not the best code for the decoder.
 * `refineLatents` improves each image's sparse code by gradient steps through the decoder on the
 * metric of record, measured on the quantized code the file will carry. The decoder and the
 * `.sqz` format do not change: a refined code decodes like any other.
 *
 * Per block of images, with c the coded entries (z for f = z, its jumps for f = ∇z) and S each
 * code's support (its coded entries):
 * 1. Adam on c restricted to S, learning rate `learningRate` with a cosine decay to 0;
 * 2. with `nonzeros` K: every {@linkcode GROW_EVERY} steps in the first {@linkcode GROW_UNTIL} of
 *    the run, the entries outside S with the largest |∂e/∂c| join S, up to a pool of
 *    {@linkcode POOL_FACTOR}·K entries ({@linkcode GROW_BY} per growth, more when that would not fill
 *    the pool in time); from {@linkcode PRUNE_FROM} to
 *    {@linkcode PRUNE_UNTIL} of the run S shrinks back linearly to K, dropping the entries of least
 *    |cᵢ|·‖how far cᵢ moves the decoder's hidden layer‖ (grow, then prune: a greedy growth to K
 *    alone ended at a median of 0.061 where this reaches 0.053 in the same 100 steps);
 * 3. from {@linkcode STRAIGHT_THROUGH_FROM} of the run on, the decoder sees the quantized code
 *    (the codec's own `quantizeLatent`) and the gradient passes straight through the rounding;
 * 4. each image keeps the code with the lowest error e among the encoder's and every quantized
 *    code tried that is no longer than K (or the encoder's own length), so refinement never
 *    makes an image worse by its own measure.
 *
 * e is the image's `rms_rel` (√ mean over pixels of ((Î − I)/I)²) or `rel_l2` (‖Î − I‖/‖I‖), in
 * intensity, against the network's input (intensities below a log transform's floor count at the
 * floor, as the network sees them). Measured in docs/TRAINING.md ("Refining each code"): 300
 * steps and 50 entries take runs/logrel-wide-gentle from a median RMS pointwise error of 0.0825 to
 * 0.0495 on 1 000 test images, at a median byte ratio of 107×.
 * @module
 */

import { quantizeLatent, type SparseCodeOptions } from "./sparse_code.ts";
import { UsageError } from "../pipeline/errors.ts";
import { adamLoop } from "../models/adam.ts";
import { learningRateAt, type Schedule } from "../models/lr_schedule.ts";
import type { TrainedModel } from "../models/trained_model.ts";
import { RefineObjective } from "./refine_objective.ts";
import { codeGradient, entryNorms, fromCode, grow, prune, toCode } from "./_refine_support.ts";

export { RefineObjective };

/** Metrics a refinement can minimize. */
export const REFINE_METRICS = ["rms_rel", "rel_l2"] as const;

/** A `--refine-metric` value. */
export type RefineMetric = typeof REFINE_METRICS[number];

/** How codes are refined. */
export interface RefineSettings {
  /** Gradient steps per image (0: the encoder's codes as they are). */
  steps: number;
  /** Entries a code may grow to (a code the encoder made longer keeps its length; 0: no growth). */
  nonzeros: number;
  /** The error minimized and used to pick each image's best code. */
  metric: RefineMetric;
  /** Adam's peak learning rate (default {@linkcode REFINE_LEARNING_RATE}). */
  learningRate?: number;
  /**
   * Per-image error target: each image keeps the shortest code of the ladder
   * {@linkcode refineLadder}(`nonzeros`) whose error is at most this, or its best code of at most
   * `nonzeros` entries when no rung reaches it. Absent: every code may use `nonzeros` entries.
   */
  target?: number;
}

/** Default peak learning rate, in latent units. */
export const REFINE_LEARNING_RATE = 0.01;
/** Steps between support growths (and between prunings). */
export const GROW_EVERY = 10;
/** Entries added per code per growth. */
export const GROW_BY = 8;
/** Fraction of the steps during which supports grow. */
export const GROW_UNTIL = 0.4;
/** While growing, a code may hold this many times `nonzeros` entries. */
export const POOL_FACTOR = 2.5;
/** Fraction of the steps from which, and until which, supports shrink back to `nonzeros`. */
export const PRUNE_FROM = 0.35;
export const PRUNE_UNTIL = 0.8;
/** Prunings fall mid-way between growths. */
const PRUNE_PHASE = 5;
/** Fraction of the steps after which the decoder sees quantized codes. */
export const STRAIGHT_THROUGH_FROM = 0.3;
/** Images refined together (one matrix product per layer and step). */
const BLOCK = 256;
const BETA1 = 0.9;
const BETA2 = 0.999;
const ADAM_EPSILON = 1e-8;

/** Checks settings from the command line; UsageError names the flag. */
export function checkRefineSettings(s: RefineSettings): RefineSettings {
  if (!Number.isInteger(s.steps) || s.steps < 0) {
    throw new UsageError(`--refine: expected a whole number of steps ≥ 0, got ${s.steps}`);
  }
  if (!Number.isInteger(s.nonzeros) || s.nonzeros < 0) {
    throw new UsageError(`--refine-nnz: expected a whole number ≥ 0, got ${s.nonzeros}`);
  }
  if (s.nonzeros > 0 && s.steps === 0) {
    throw new UsageError("--refine-nnz needs --refine STEPS (the growth happens while refining)");
  }
  if (!REFINE_METRICS.includes(s.metric)) {
    throw new UsageError(
      `--refine-metric: expected ${REFINE_METRICS.join(" or ")}, got ${s.metric}`,
    );
  }
  if (s.target !== undefined) {
    if (!(s.target > 0 && Number.isFinite(s.target))) {
      throw new UsageError(`--refine-target: expected a positive error, got ${s.target}`);
    }
    if (s.nonzeros === 0) {
      throw new UsageError(
        "--refine-target needs --refine-nnz K (codes of K/4, K/2 and K entries are tried)",
      );
    }
  }
  const lr = s.learningRate ?? REFINE_LEARNING_RATE;
  if (!(lr > 0 && Number.isFinite(lr))) {
    throw new UsageError(`refine learning rate must be a positive number, got ${lr}`);
  }
  return s;
}

/** What a refinement did, summed over its images. */
export interface RefineStats {
  images: number;
  /** Images whose code changed (a better one was found). */
  improved: number;
  /** Σ e over the images before and after (the encoder's quantized codes vs the kept ones). */
  errorBefore: number;
  errorAfter: number;
  /** With a target: images within it, and images whose code came from each rung of the ladder. */
  withinTarget?: number;
  rungs?: number[];
}

/**
 * The code lengths a `--refine-target` run tries, shortest first: K/4, K/2 and K (rounded up,
 * repeats dropped).
 */
export function refineLadder(nonzeros: number): number[] {
  const rungs = [Math.ceil(nonzeros / 4), Math.ceil(nonzeros / 2), nonzeros].filter((k) => k > 0);
  return [...new Set(rungs)];
}

/**
 * Refines the codes of `rows` images: `x` their network inputs [rows × n], `z` the encoder's
 * latents [rows × ℓ]. Returns latents [rows × ℓ] as `quantizeLatent` with `code` leaves them
 * (with threshold 0 its fixed points: the codec writes them exactly), and adds to `stats`. Rows
 * flagged in `isotropic` are refined for the decoder's output averaged over equal |q|.
 */
export async function refineLatents(
  model: TrainedModel,
  x: Float32Array,
  z: Float32Array,
  code: Omit<SparseCodeOptions, "gapModel">,
  settings: RefineSettings,
  stats?: RefineStats,
  isotropic?: Uint8Array,
): Promise<Float32Array> {
  const { n, ell } = model.arch;
  const rows = x.length / n;
  if (z.length !== rows * ell) throw new Error(`refine: ${z.length} latents for ${rows} images`);
  const out = new Float32Array(rows * ell);
  for (let first = 0; first < rows; first += BLOCK) {
    const count = Math.min(BLOCK, rows - first);
    const bx = x.subarray(first * n, (first + count) * n);
    const bz = z.subarray(first * ell, (first + count) * ell);
    const flags = isotropic?.subarray(first, first + count);
    const block = settings.target === undefined
      ? await refineBlock(model, bx, bz, count, code, settings, false, flags)
      : await refineToTarget(model, bx, bz, count, code, settings, settings.target, flags);
    if (stats) {
      stats.images += count;
      stats.improved += block.improved.reduce((a, b) => a + b, 0);
      stats.errorBefore += block.before.reduce((a, b) => a + b, 0);
      stats.errorAfter += block.errors.reduce((a, b) => a + b, 0);
      if (block.rungs) {
        stats.withinTarget = (stats.withinTarget ?? 0) +
          block.errors.reduce((a, e) => a + (e <= settings.target! ? 1 : 0), 0);
        stats.rungs ??= block.rungs.map(() => 0);
        block.rungs.forEach((c, i) => stats.rungs![i] += c);
      }
    }
    out.set(block.codes, first * ell);
  }
  return out;
}

/** A refined block: kept codes, their errors, the encoder's errors, which rows changed. */
interface RefinedBlock {
  codes: Float32Array;
  errors: Float64Array;
  before: Float64Array;
  improved: Uint8Array;
  /** With a target: how many rows took their code from each rung. */
  rungs?: number[];
}

/**
 * Refines each row at the ladder's rungs, shortest first; a row stops at the first rung whose code
 * is within `target` (at the last rung it keeps its best code, as without a target).
 */
async function refineToTarget(
  model: TrainedModel,
  x: Float32Array,
  z: Float32Array,
  rows: number,
  code: Omit<SparseCodeOptions, "gapModel">,
  settings: RefineSettings,
  target: number,
  isotropic?: Uint8Array,
): Promise<RefinedBlock> {
  const { n, ell } = model.arch;
  const ladder = refineLadder(settings.nonzeros);
  const codes = new Float32Array(rows * ell);
  const errors = new Float64Array(rows);
  const before = new Float64Array(rows);
  const improved = new Uint8Array(rows);
  const rungs = ladder.map(() => 0);
  let pending = Array.from({ length: rows }, (_, r) => r);
  for (let rung = 0; rung < ladder.length && pending.length > 0; rung++) {
    const last = rung === ladder.length - 1;
    const px = new Float32Array(pending.length * n);
    const pz = new Float32Array(pending.length * ell);
    pending.forEach((r, j) => {
      px.set(x.subarray(r * n, (r + 1) * n), j * n);
      pz.set(z.subarray(r * ell, (r + 1) * ell), j * ell);
    });
    const step = await refineBlock(
      model,
      px,
      pz,
      pending.length,
      code,
      { ...settings, nonzeros: ladder[rung] },
      !last,
      isotropic && Uint8Array.from(pending, (r) => isotropic[r]),
    );
    const next: number[] = [];
    pending.forEach((r, j) => {
      if (rung === 0) before[r] = step.before[j];
      if (!last && !(step.errors[j] <= target)) return void next.push(r);
      codes.set(step.codes.subarray(j * ell, (j + 1) * ell), r * ell);
      errors[r] = step.errors[j];
      improved[r] = step.improved[j];
      rungs[rung]++;
    });
    pending = next;
  }
  return { codes, errors, before, improved, rungs };
}

async function refineBlock(
  model: TrainedModel,
  x: Float32Array,
  z: Float32Array,
  rows: number,
  code: Omit<SparseCodeOptions, "gapModel">,
  settings: RefineSettings,
  strict: boolean,
  isotropic?: Uint8Array,
): Promise<RefinedBlock> {
  const { ell } = model.arch;
  const grad = code.f === "grad";
  const quantize = (latents: Float32Array) => {
    const q = new Float32Array(latents.length);
    for (let r = 0; r < rows; r++) {
      q.set(quantizeLatent(latents.subarray(r * ell, (r + 1) * ell), code), r * ell);
    }
    return q;
  };
  // The quantized code the decoder sees, from coded entries c: for ∇z each jump is rounded on its
  // own before the running sums, so rounding adds no jumps (rounding the sums would: each run's
  // first latent would carry the previous jump's rounding error as a new jump).
  const quantizeCode = grad
    ? (c: Float32Array) => {
      const jumps = new Float32Array(c.length);
      for (let r = 0; r < rows; r++) {
        const row = c.subarray(r * ell, (r + 1) * ell);
        jumps.set(quantizeLatent(row, { ...code, f: "z" }), r * ell);
      }
      return quantize(fromCode(jumps, rows, ell, true));
    }
    : quantize;
  const best = quantize(z);
  const objective = new RefineObjective(model, x, rows, settings.metric, isotropic);
  const before = (await objective.evaluate(best, false)).errors;
  const bestError = Float64Array.from(before);
  if (strict) {
    // A code longer than the rung's length cannot be kept: the first short enough one replaces it.
    for (let r = 0; r < rows; r++) {
      if (codedLength(best.subarray(r * ell, (r + 1) * ell), grad) > settings.nonzeros) {
        bestError[r] = Infinity;
      }
    }
  }
  let improved: Uint8Array = new Uint8Array(rows);
  if (settings.steps > 0) {
    improved = await descend(
      model,
      objective,
      best,
      bestError,
      rows,
      grad,
      quantizeCode,
      settings,
      strict,
    );
  }
  return { codes: best, errors: bestError, before, improved };
}

/** The gradient loop; updates `best`/`bestError` in place and returns which rows improved. */
async function descend(
  model: TrainedModel,
  objective: RefineObjective,
  best: Float32Array,
  bestError: Float64Array,
  rows: number,
  grad: boolean,
  quantizeCode: (c: Float32Array) => Float32Array,
  settings: RefineSettings,
  strict: boolean,
): Promise<Uint8Array> {
  const { ell } = model.arch;
  const steps = settings.steps;
  const base = settings.learningRate ?? REFINE_LEARNING_RATE;
  const schedule: Schedule = { name: "cosine", base, warmupSteps: 0, floor: 0 };
  const c = toCode(best, rows, ell, grad);
  const mask = new Uint8Array(c.length);
  for (let i = 0; i < c.length; i++) mask[i] = c[i] !== 0 ? 1 : 0;
  const support = new Int32Array(rows);
  for (let i = 0; i < c.length; i++) support[Math.floor(i / ell)] += mask[i];
  // Each code's final length limit (the encoder's own when longer, unless `strict`) and its pool
  // while growing.
  const growing = settings.nonzeros > 0;
  const limit = support.map((k) => strict ? settings.nonzeros : Math.max(k, settings.nonzeros));
  const pool = limit.map((k) => Math.max(k, Math.round(POOL_FACTOR * settings.nonzeros)));
  // Entries added per growth: at least GROW_BY, and enough that the pool fills within the
  // growth phase (with 300 steps there are 12 growths; 8 each fell short of 2.5·K past K ≈ 40).
  const growths = growthCount(steps);
  const growBy = pool.map((p, r) =>
    Math.max(GROW_BY, growths > 0 ? Math.ceil((p - support[r]) / growths) : 0)
  );
  const norms = growing ? entryNorms(model, grad) : null;
  const m1 = new Float32Array(c.length);
  const m2 = new Float32Array(c.length);
  const improved = new Uint8Array(rows);
  for (let s = 1; s <= steps; s++) {
    const latents = fromCode(c, rows, ell, grad);
    const straightThrough = s > STRAIGHT_THROUGH_FROM * steps;
    const seen = straightThrough ? quantizeCode(c) : latents;
    const { errors, gradient } = await objective.evaluate(seen, true);
    if (straightThrough) {
      for (let r = 0; r < rows; r++) {
        const row = seen.subarray(r * ell, (r + 1) * ell);
        if (errors[r] < bestError[r] && codedLength(row, grad) <= limit[r]) {
          bestError[r] = errors[r];
          best.set(row, r * ell);
          improved[r] = 1;
        }
      }
    }
    const g = codeGradient(gradient!, rows, ell, grad);
    if (growing && s % GROW_EVERY === 1 && s < GROW_UNTIL * steps) {
      grow(g, mask, support, pool, growBy, ell);
    }
    if (growing && s % GROW_EVERY === PRUNE_PHASE && s >= PRUNE_FROM * steps) {
      // The allowed length shrinks linearly from the pool to the limit.
      const done = Math.min(1, (s - PRUNE_FROM * steps) / ((PRUNE_UNTIL - PRUNE_FROM) * steps));
      const keep = (r: number) => Math.round(pool[r] - (pool[r] - limit[r]) * done);
      prune(c, m1, m2, mask, support, norms!, keep, ell);
    }
    // Entries outside S have c = m = v = 0 (never in S, or zeroed when pruned): g = 0 keeps them.
    for (let i = 0; i < c.length; i++) if (!mask[i]) g[i] = 0;
    const rate = learningRateAt(schedule, s - 1, s / steps);
    const stepSize = rate / (1 - BETA1 ** s);
    adamLoop(c, g, m1, m2, stepSize, 1 / Math.sqrt(1 - BETA2 ** s), BETA1, BETA2, ADAM_EPSILON);
  }
  if (growing) {
    // A short run may end before the pruning has reached the limit (prunings fall every
    // GROW_EVERY steps): the last code, pruned to it, is measured once more, so that every row has
    // a grown code it may keep.
    prune(c, m1, m2, mask, support, norms!, (r) => limit[r], ell);
    const last = quantizeCode(c);
    const { errors } = await objective.evaluate(last, false);
    for (let r = 0; r < rows; r++) {
      const row = last.subarray(r * ell, (r + 1) * ell);
      if (errors[r] < bestError[r] && codedLength(row, grad) <= limit[r]) {
        bestError[r] = errors[r];
        best.set(row, r * ell);
        improved[r] = 1;
      }
    }
  }
  return improved;
}

/** How many growths a refinement of `steps` steps makes (at steps 1, 11, 21, … before GROW_UNTIL). */
export function growthCount(steps: number): number {
  let count = 0;
  for (let s = 1; s <= steps && s < GROW_UNTIL * steps; s += GROW_EVERY) count++;
  return count;
}

/**
 * Entries the codec writes for a quantized latent: its non-zeros for z, its jumps for ∇z (the
 * quantizer's rounding can add jumps to a code's support, so the support alone undercounts).
 */
export function codedLength(latent: Float32Array, grad: boolean): number {
  let count = 0;
  let previous = 0;
  for (let i = 0; i < latent.length; i++) {
    if (grad ? latent[i] !== previous : latent[i] !== 0) count++;
    previous = latent[i];
  }
  return count;
}
