/**
 * Learning-rate schedules for training to convergence: a linear warm-up over the first steps,
 * then constant or a cosine decay to a small floor over the run (by epochs, or by the time budget
 * when training is given `--time`). After Loshchilov & Hutter, "SGDR" (arXiv 1608.03983), with
 * the warm-up of Goyal et al. (arXiv 1706.02677).
 * @module
 */

/** `--schedule` names (the first is the default). */
export const SCHEDULES = ["cosine", "constant"] as const;

/** A `--schedule` value. */
export type ScheduleName = typeof SCHEDULES[number];

/** How the learning rate moves over a run. */
export interface Schedule {
  name: ScheduleName;
  /** The peak learning rate. */
  base: number;
  /** Steps of linear warm-up from base/warmupSteps to base (0 = none). */
  warmupSteps: number;
  /** The cosine's floor, as a fraction of base. */
  floor?: number;
}

/** Cosine floor when none is given: the last steps still move, 2 % of the peak. */
const DEFAULT_FLOOR = 0.02;

/**
 * The learning rate for the step after `step` steps, `fraction` ∈ [0, 1] of the run done:
 * base · min(1, (step+1)/warm-up) · (floor + (1 − floor)·½(1 + cos π·fraction)) for cosine.
 */
export function learningRateAt(s: Schedule, step: number, fraction: number): number {
  const warm = s.warmupSteps > 0 ? Math.min(1, (step + 1) / s.warmupSteps) : 1;
  if (s.name === "constant") return s.base * warm;
  const f = Math.min(Math.max(fraction, 0), 1);
  const floor = s.floor ?? DEFAULT_FLOOR;
  return s.base * warm * (floor + (1 - floor) * 0.5 * (1 + Math.cos(Math.PI * f)));
}
