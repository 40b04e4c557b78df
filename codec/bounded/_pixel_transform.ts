/**
 * Transforms between intensities and the domain where residuals are quantized, the bound's
 * half-width there, and the one reconstruction path that both encoder (to verify) and decoder
 * (to output) run (private to `codec/bounded/`).
 *
 * - LOG (0), for relative bounds: y = ln|I|, sign and zeros coded apart. |ŷ − y| ≤ δ with
 *   δ = ln(1 + R) gives |Î/I − 1| ≤ max(e^δ − 1, 1 − e^−δ) = R, since 1 − 1/(1 + R) < R.
 * - LINEAR (1), for absolute and pointwise bounds: y = I, δ = A or the pixel's tolerance.
 * @module
 */

/** Transform ids as stored in the header. */
export const LOG = 0;
/** Identity transform. */
export const LINEAR = 1;

/** Smallest |prediction| the log transform distinguishes (float32's smallest normal). */
const LOG_FLOOR = 2 ** -126;
/** Slack, in the transform domain, for last-ulp differences of Math.exp/Math.log between engines. */
export const ENGINE_SLACK = 2 ** -40;

/** Transform-domain value of a prediction (its base P); identical wherever it is computed. */
export function predictionBase(transform: number, prediction: number): number {
  if (transform === LINEAR) return prediction;
  const a = Math.abs(prediction);
  return Math.log(a > LOG_FLOOR ? a : LOG_FLOOR);
}

/**
 * Largest transform-domain difference between two machines' bases when their predictions
 * differ by at most relative `epsilon` (|P′ − P| ≤ ε·|P|), for a base of value `base`.
 */
export function baseTolerance(transform: number, epsilon: number, base: number): number {
  if (transform === LOG) return -Math.log1p(-epsilon) * (1 + 2 ** -20) + ENGINE_SLACK;
  return epsilon * Math.abs(base) * (1 + 2 ** -20);
}

/** The decoder's output for transform-domain value `yhat` (sign ±1 for LOG), rounded to float32. */
export function reconstruct(transform: number, yhat: number, sign: number): number {
  return transform === LOG ? Math.fround(sign * Math.exp(yhat)) : Math.fround(yhat);
}
