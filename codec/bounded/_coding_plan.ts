/**
 * Coding plans: the order in which pixels are coded and, for each, the linear predictor from
 * already decoded values and the neighbours that choose its entropy-coding context (private to
 * `codec/bounded/`). A plan depends only on the grid and the mode, so encoder and decoder build
 * the same one.
 *
 * Spatial predictors (ids stored in the header):
 * - Lorenzo (0): raster order, 2-D Lorenzo a + b − c (Tao et al., SZ 1.4, IPDPS 2017);
 * - interpolation (1): SZ3-style multilevel interpolation (Zhao et al., ICDE 2021), cubic
 *   (−1, 9, 9, −1)/16 where four neighbours exist, else linear, else linear extrapolation or
 *   copy; along x, then y, at each stride from the coarsest down to 1;
 * - smooth (2): the same order for noisy (measured) data: linear along x, and across y the
 *   average (1, 2, 1)/8 of the three nearest pixels in each of the rows ±s, which halves the
 *   noise a prediction carries (the residual's noise drops from ~1.28σ to ~1.08σ).
 * Symmetry priors of SAS images on a grid symmetric about q = 0 (ids stored in the header):
 * - none (0);
 * - centro (1): I(q) = I(−q), pixel (iy, ix) ↔ (H−1−iy, W−1−ix) — every SAS image;
 * - quadrant (2): also I(qx, qy) = I(−qx, qy) — isotropic or axis-aligned samples;
 * - octant (3, square grids): also I(qx, qy) = I(qy, qx) — isotropic samples;
 * - isotropic (4, square grids): I depends on |q| only. One pixel per distinct radius
 *   (dx² + dy², dx = 2·ix − (W−1), dy likewise) is coded, in order of radius, by the spatial
 *   predictor run in 1-D over that sequence with Lagrange weights at the actual radii.
 * Otherwise only the fundamental region (top rows, or the top-left quadrant) is walked by the spatial
 * predictor; a pixel whose symmetric partner is already decoded is predicted from it instead,
 * and every pixel outside the region from its partner inside.
 * @module
 */

/** Predictor ids as stored in the header. */
export const LORENZO = 0;
/** SZ3-style multilevel interpolation. */
export const INTERPOLATION = 1;
/** Interpolation for noisy data: linear along x, a 6-point (1, 2, 1)/8 average across y. */
export const SMOOTH = 2;
/** Predictor neighbours per step. */
export const SLOTS = 6;
/** Symmetry ids as stored in the header. */
export const SYMMETRIES = ["none", "centro", "quadrant", "octant", "isotropic"] as const;
const ISOTROPIC = 4;

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
  /** Up to SLOTS predictor neighbours per step (pixel indices, −1 = unused). */
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
  symmetry: number,
): CodingPlan {
  const key = `${height}x${width}:${predictor}:${symmetry}`;
  let plan = cache.get(key);
  if (plan === undefined) {
    plan = buildPlan(height, width, predictor, symmetry);
    // A plan costs ~80 bytes a pixel: keep a few detector-sized ones, not large mosaics.
    if (cache.size >= 32) cache.clear();
    if (height * width <= 2 ** 18) cache.set(key, plan);
  }
  return plan;
}

/** Whether a symmetry applies to an H × W grid (octant and isotropic need a square one). */
export function symmetryFits(height: number, width: number, symmetry: number): boolean {
  return symmetry < 3 || height === width;
}

class PlanBuilder {
  readonly pixel: Int32Array;
  readonly neighbour: Int32Array;
  readonly weight: Float64Array;
  readonly base: Int32Array;
  readonly context: Int32Array;
  readonly stepClass: Uint8Array;
  readonly added: Uint8Array;
  readonly partners: (i: number) => number[];
  k = 0;

  constructor(n: number, partners: (i: number) => number[]) {
    this.pixel = new Int32Array(n);
    this.neighbour = new Int32Array(SLOTS * n).fill(-1);
    this.weight = new Float64Array(SLOTS * n);
    this.base = new Int32Array(n);
    this.context = new Int32Array(2 * n).fill(-1);
    this.stepClass = new Uint8Array(n);
    this.added = new Uint8Array(n);
    this.partners = partners;
  }

  /** Adds pixel i with a spatial predictor, or from its partner when one is decoded already. */
  add(i: number, nbrs: number[], weights: number[], ctx: number[], cls: number): void {
    for (const j of this.partners(i)) {
      if (this.added[j]) return this.#push(i, [j], [1], [j, ctx[0] ?? -1], CLASS_MIRROR, j);
    }
    this.#push(i, nbrs, weights, ctx, cls, i);
  }

  #push(i: number, nbrs: number[], weights: number[], ctx: number[], cls: number, base: number) {
    const k = this.k++;
    this.pixel[k] = i;
    for (let j = 0; j < nbrs.length; j++) {
      this.neighbour[SLOTS * k + j] = nbrs[j];
      this.weight[SLOTS * k + j] = weights[j];
    }
    this.base[k] = base;
    this.context[2 * k] = ctx[0] ?? -1;
    this.context[2 * k + 1] = ctx[1] ?? -1;
    this.stepClass[k] = cls;
    this.added[i] = 1;
  }
}

function buildPlan(h: number, w: number, predictor: number, symmetry: number): CodingPlan {
  if (symmetry === ISOTROPIC) return radialPlan(h, w, predictor);
  const n = h * w;
  const partners = (i: number): number[] => {
    if (symmetry === 0) return [];
    const iy = Math.floor(i / w);
    const ix = i - iy * w;
    const out = [n - 1 - i];
    if (symmetry >= 2) out.push(iy * w + (w - 1 - ix), (h - 1 - iy) * w + ix);
    if (symmetry === 3) {
      for (
        const [a, b] of [[ix, iy], [w - 1 - ix, iy], [ix, h - 1 - iy], [w - 1 - ix, h - 1 - iy]]
      ) {
        out.push(a * w + b);
      }
    }
    return out;
  };
  const b = new PlanBuilder(n, partners);
  const rows = symmetry === 0 ? h : Math.ceil(h / 2);
  const cols = symmetry >= 2 ? Math.ceil(w / 2) : w;
  if (predictor === LORENZO) lorenzo(b, rows, cols, w, 1, CLASS_FINE);
  else interpolation(b, rows, cols, w, predictor === SMOOTH);
  for (let i = 0; i < n; i++) if (!b.added[i]) b.add(i, [], [], [], CLASS_MIRROR);
  if (b.k !== n) throw new Error(`coding plan covers ${b.k} of ${n} pixels`);
  return b;
}

/** Lorenzo in raster order over the region's pixels at multiples of `s` (row stride `w`). */
function lorenzo(b: PlanBuilder, h: number, cols: number, w: number, s: number, cls: number) {
  for (let iy = 0; iy < h; iy += s) {
    for (let ix = 0; ix < cols; ix += s) {
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

function interpolation(b: PlanBuilder, h: number, cols: number, w: number, smooth: boolean) {
  let top = 1;
  while (top * 2 < Math.max(h, cols)) top *= 2;
  lorenzo(b, h, cols, w, top, CLASS_COARSE);
  for (let s = top / 2; s >= 1; s /= 2) {
    const cls = s === 1 ? CLASS_FINE : s === 2 ? CLASS_MID : CLASS_COARSE;
    // Along x: rows already at stride 2s, new columns at odd multiples of s.
    for (let iy = 0; iy < h; iy += 2 * s) {
      for (let ix = s; ix < cols; ix += 2 * s) {
        const i = iy * w + ix;
        line(b, i, 1, ix, cols, s, cls, iy >= 2 * s ? i - 2 * s * w : -1, !smooth);
      }
    }
    // Along y: new rows at odd multiples of s, every column at stride s.
    for (let iy = s; iy < h; iy += 2 * s) {
      for (let ix = 0; ix < cols; ix += s) {
        const i = iy * w + ix;
        const previous = ix >= s ? i - s : -1;
        if (smooth && iy + s < h && ix >= s && ix + s < cols) {
          const up = i - s * w;
          const down = i + s * w;
          const nbrs = [up - s, up, up + s, down - s, down, down + s];
          b.add(i, nbrs, [1 / 8, 1 / 4, 1 / 8, 1 / 8, 1 / 4, 1 / 8], [up, previous], cls);
        } else line(b, i, w, iy, h, s, cls, previous, !smooth);
      }
    }
  }
}

/**
 * Interpolates pixel `i` at coordinate `c` (of `len`) along a line with element step `unit`
 * from neighbours at ±s, ±3s (cubic) or ±s; `previous` is a pixel coded earlier in this pass.
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
  cubic: boolean,
): void {
  const d = s * unit;
  const hasNext = c + s < len;
  const ctx = [i - d, previous];
  if (cubic && hasNext && c >= 3 * s && c + 3 * s < len) {
    b.add(i, [i - 3 * d, i - d, i + d, i + 3 * d], [-1 / 16, 9 / 16, 9 / 16, -1 / 16], ctx, cls);
  } else if (hasNext) {
    b.add(i, [i - d, i + d], [0.5, 0.5], ctx, cls);
  } else if (c >= 3 * s) {
    // Right or bottom edge: extrapolate linearly from the two known neighbours before it.
    b.add(i, [i - d, i - 3 * d], [1.5, -0.5], ctx, cls);
  } else {
    b.add(i, [i - d], [1], ctx, cls);
  }
}

/** Isotropic plan: one representative per radius, predicted in 1-D along the radius. */
function radialPlan(h: number, w: number, predictor: number): CodingPlan {
  const n = h * w;
  const key = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const dx = 2 * (i % w) - (w - 1);
    const dy = 2 * Math.floor(i / w) - (h - 1);
    key[i] = dx * dx + dy * dy;
  }
  const rep = new Map<number, number>();
  for (let i = 0; i < n; i++) if (!rep.has(key[i])) rep.set(key[i], i);
  const keys = [...rep.keys()].sort((a, b) => a - b);
  const pix = keys.map((k) => rep.get(k)!);
  const x = keys.map(Math.sqrt);
  const b = new PlanBuilder(n, (i) => [rep.get(key[i])!]);
  const m = pix.length;
  let top = 1;
  while (top * 2 < m) top *= 2;
  if (predictor === LORENZO) top = 1;
  // Anchors every `top`: extrapolated linearly (at the actual radii) from the two before.
  for (let j = 0, prev = -1, prev2 = -1; j < m; prev2 = prev, prev = j, j += top) {
    if (prev2 >= 0) {
      const t = (x[j] - x[prev]) / (x[prev] - x[prev2]);
      b.add(pix[j], [pix[prev], pix[prev2]], [1 + t, -t], [pix[prev], pix[prev2]], CLASS_COARSE);
    } else if (prev >= 0) b.add(pix[j], [pix[prev]], [1], [pix[prev]], CLASS_COARSE);
    else b.add(pix[j], [], [], [], CLASS_COARSE);
  }
  for (let s = top / 2; s >= 1; s /= 2) {
    const cls = s === 1 ? CLASS_FINE : s === 2 ? CLASS_MID : CLASS_COARSE;
    for (let j = s; j < m; j += 2 * s) {
      const reach = predictor === SMOOTH ? [j - s, j + s] : [j - 3 * s, j - s, j + s, j + 3 * s];
      const at = reach.filter((t) => t >= 0 && t < m);
      const use = at.length === reach.length || at.length === 1
        ? at
        : at.filter((t) => Math.abs(t - j) === s);
      const ctx = [pix[j - s], j >= 2 * s ? pix[j - 2 * s] : -1];
      b.add(pix[j], use.map((t) => pix[t]), lagrange(x, use, x[j]), ctx, cls);
    }
  }
  for (let i = 0; i < n; i++) if (!b.added[i]) b.add(i, [], [], [], CLASS_MIRROR);
  return b;
}

/** Lagrange weights at `at` for the polynomial through the points x[nodes]. */
function lagrange(x: number[], nodes: number[], at: number): number[] {
  return nodes.map((a) => {
    let wgt = 1;
    for (const c of nodes) if (c !== a) wgt *= (at - x[c]) / (x[a] - x[c]);
    return wgt;
  });
}
