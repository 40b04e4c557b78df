/**
 * Coding plans: the order in which pixels are coded and, for each, the linear predictor from
 * already decoded values and the neighbours that choose its entropy-coding context (private to
 * `codec/bounded/`). A plan depends only on the grid and the predictor choice, so encoder and
 * decoder build the same one.
 *
 * Predictors (ids stored in the header):
 * - Lorenzo (0): raster order, 2-D Lorenzo a + b − c (Tao et al., SZ 1.4, IPDPS 2017);
 * - interpolation (1): SZ3-style multilevel interpolation (Zhao et al., ICDE 2021), cubic
 *   (−1, 9, 9, −1)/16 where four neighbours exist, else linear, else copy; along x, then y,
 *   at each stride from the coarsest down to 1.
 * With `symmetric`, only rows [0, ⌈H/2⌉) are coded that way; every other pixel (iy, ix) is
 * predicted from its already decoded mirror (H−1−iy, W−1−ix), the SAS centrosymmetry
 * I(q) = I(−q) on a grid symmetric about q = 0.
 * @module
 */

/** Predictor ids as stored in the header. */
export const LORENZO = 0;
/** SZ3-style multilevel interpolation. */
export const INTERPOLATION = 1;

/** Context classes: which kind of step a pixel is (its residuals have different scales). */
export const CLASS_MIRROR = 0;
const CLASS_FINE = 1; // stride 1 (and Lorenzo)
const CLASS_MID = 2; // stride 2
const CLASS_COARSE = 3; // stride ≥ 4 and the coarse anchors
/** Number of step classes. */
export const STEP_CLASSES = 4;

/** A coding order with its predictors; arrays are indexed by step k. */
export interface CodingPlan {
  /** Pixel coded at step k. */
  readonly pixel: Int32Array;
  /** Up to 4 predictor neighbours per step (pixel indices, −1 = unused). */
  readonly neighbour: Int32Array;
  /** Weights of those neighbours (exact binary fractions). */
  readonly weight: Float64Array;
  /** Pixel whose prediction base P is used (the pixel itself, or its mirror). */
  readonly base: Int32Array;
  /** Two already coded pixels whose code magnitudes pick the context (−1 = none). */
  readonly context: Int32Array;
  /** Step class (CLASS_*). */
  readonly stepClass: Uint8Array;
}

const cache = new Map<string, CodingPlan>();

/** The plan for an H × W grid (cached; plans are immutable). */
export function codingPlan(
  height: number,
  width: number,
  predictor: number,
  symmetric: boolean,
): CodingPlan {
  const key = `${height}x${width}:${predictor}:${symmetric}`;
  let plan = cache.get(key);
  if (plan === undefined) {
    plan = buildPlan(height, width, predictor, symmetric);
    if (cache.size > 64) cache.clear();
    cache.set(key, plan);
  }
  return plan;
}

class PlanBuilder {
  readonly n: number;
  readonly pixel: Int32Array;
  readonly neighbour: Int32Array;
  readonly weight: Float64Array;
  readonly base: Int32Array;
  readonly context: Int32Array;
  readonly stepClass: Uint8Array;
  k = 0;

  constructor(n: number) {
    this.n = n;
    this.pixel = new Int32Array(n);
    this.neighbour = new Int32Array(4 * n).fill(-1);
    this.weight = new Float64Array(4 * n);
    this.base = new Int32Array(n);
    this.context = new Int32Array(2 * n).fill(-1);
    this.stepClass = new Uint8Array(n);
  }

  add(pixel: number, nbrs: number[], weights: number[], ctx: number[], cls: number, base = pixel) {
    const k = this.k++;
    this.pixel[k] = pixel;
    for (let j = 0; j < nbrs.length; j++) {
      this.neighbour[4 * k + j] = nbrs[j];
      this.weight[4 * k + j] = weights[j];
    }
    this.base[k] = base;
    this.context[2 * k] = ctx[0] ?? -1;
    this.context[2 * k + 1] = ctx[1] ?? -1;
    this.stepClass[k] = cls;
  }
}

function buildPlan(h: number, w: number, predictor: number, symmetric: boolean): CodingPlan {
  const b = new PlanBuilder(h * w);
  const rows = symmetric ? Math.ceil(h / 2) : h;
  if (predictor === LORENZO) lorenzo(b, rows, w, 1, CLASS_FINE);
  else interpolation(b, rows, w);
  for (let i = rows * w; i < h * w; i++) {
    const mirror = h * w - 1 - i;
    b.add(i, [mirror], [1], [mirror, i - 1], CLASS_MIRROR, mirror);
  }
  if (b.k !== b.n) throw new Error(`coding plan covers ${b.k} of ${b.n} pixels`);
  return b;
}

/** Lorenzo in raster order over the sub-grid of rows/columns that are multiples of `s`. */
function lorenzo(b: PlanBuilder, h: number, w: number, s: number, cls: number): void {
  for (let iy = 0; iy < h; iy += s) {
    for (let ix = 0; ix < w; ix += s) {
      const i = iy * w + ix;
      const left = ix > 0 ? i - s : -1;
      const up = iy > 0 ? i - s * w : -1;
      if (left >= 0 && up >= 0) b.add(i, [left, up, up - s], [1, 1, -1], [left, up], cls);
      else if (left >= 0) b.add(i, [left], [1], [left], cls);
      else if (up >= 0) b.add(i, [up], [1], [up], cls);
      else b.add(i, [], [], [], cls);
    }
  }
}

function interpolation(b: PlanBuilder, h: number, w: number): void {
  let top = 1;
  while (top * 2 < Math.max(h, w)) top *= 2;
  lorenzo(b, h, w, top, CLASS_COARSE);
  for (let s = top / 2; s >= 1; s /= 2) {
    const cls = s === 1 ? CLASS_FINE : s === 2 ? CLASS_MID : CLASS_COARSE;
    // Along x: rows already at stride 2s, new columns at odd multiples of s.
    for (let iy = 0; iy < h; iy += 2 * s) {
      for (let ix = s; ix < w; ix += 2 * s) {
        const i = iy * w + ix;
        line(b, i, 1, ix, w, s, cls, iy >= 2 * s ? i - 2 * s * w : -1);
      }
    }
    // Along y: new rows at odd multiples of s, every column at stride s.
    for (let iy = s; iy < h; iy += 2 * s) {
      for (let ix = 0; ix < w; ix += s) {
        const i = iy * w + ix;
        line(b, i, w, iy, h, s, cls, ix >= s ? i - s : -1);
      }
    }
  }
}

/**
 * Interpolates pixel `i` at coordinate `c` (of `len`) along a line with element step `unit`
 * from neighbours at ±s, ±3s; `previous` is a pixel coded earlier in this pass (or −1).
 */
function line(
  b: PlanBuilder,
  i: number,
  unit: number,
  c: number,
  len: number,
  s: number,
  cls: number,
  previous: number,
): void {
  const d = s * unit;
  const hasNext = c + s < len;
  const ctx = [i - d, previous];
  if (hasNext && c >= 3 * s && c + 3 * s < len) {
    b.add(i, [i - 3 * d, i - d, i + d, i + 3 * d], [-1 / 16, 9 / 16, 9 / 16, -1 / 16], ctx, cls);
  } else if (hasNext) {
    b.add(i, [i - d, i + d], [0.5, 0.5], ctx, cls);
  } else if (c >= 3 * s) {
    // Right or bottom edge: extrapolate linearly from the two known neighbours below.
    b.add(i, [i - d, i - 3 * d], [1.5, -0.5], ctx, cls);
  } else {
    b.add(i, [i - d], [1], ctx, cls);
  }
}
