/**
 * Math functions of the compiled-kernel runtime (generators/compiled/_py_runtime.ts) that JavaScript
 * lacks or computes slowly: sine and cosine from one argument reduction, and CPython's gamma,
 * lgamma, erf and erfc. Results are the real values, rounded as the cited C code rounds them;
 * Python's exceptions are the caller's business.
 * @module
 */

// ---- sin and cos -------------------------------------------------------------------------
// FreeBSD msun / musl k_sin.c, k_cos.c and e_rem_pio2.c (medium range), Sun fdlibm 5.3.
const S1 = -1.66666666666666324348e-01, S2 = 8.33333333332248946124e-03;
const S3 = -1.98412698298579493134e-04, S4 = 2.75573137070700676789e-06;
const S5 = -2.50507602534068634195e-08, S6 = 1.58969099521155010221e-10;
const C1 = 4.16666666666666019037e-02, C2 = -1.38888888888741095749e-03;
const C3 = 2.48015872894767294178e-05, C4 = -2.75573143513906633035e-07;
const C5 = 2.08757232129817482790e-09, C6 = -1.13596475577881948265e-11;
const INVPIO2 = 6.36619772367581382433e-01, PIO2_1 = 1.57079632673412561417e+00;
const PIO2_1T = 6.07710050650619224932e-11, PIO2_2 = 6.07710050630396597660e-11;
const PIO2_2T = 2.02226624879595063154e-21, PIO2_3 = 2.02226624871116645580e-21;
const PIO2_3T = 8.47842766036889956997e-32;
const TO_INT = 1.5 / Number.EPSILON; // adding and subtracting it rounds to an integer
const REDUCE_LIMIT = 823549.6; // below 2^19·π/2, where three parts of π/2 reduce exactly
const TINY = 7.450580596923828e-9; // 2^-27: sin x = x and cos x = 1 in double precision

/** cos of the last `sinCos` argument: a second result without allocating a pair. */
export const cosOut = new Float64Array(1);

/**
 * sin(x), leaving cos(x) in `cosOut[0]`: one argument reduction for both. Within 1 ulp of `Math.sin`/`Math.cos` (both are < 1 ulp from the truth).
 */
export function sinCos(x: number): number {
  const t = Math.abs(x);
  if (t < TINY) {
    cosOut[0] = 1;
    return x;
  }
  if (!(t < REDUCE_LIMIT)) { // large, infinite or NaN
    cosOut[0] = Math.cos(x);
    return Math.sin(x);
  }
  const fn = (t * INVPIO2 + TO_INT) - TO_INT;
  let r = t - fn * PIO2_1, w = fn * PIO2_1T, y0 = r - w;
  // a 2nd and 3rd part of π/2 where the first cancelled more than 16 (49) bits
  if (Math.abs(y0) < t * 1.52587890625e-5) {
    let u = r;
    w = fn * PIO2_2;
    r = u - w;
    w = fn * PIO2_2T - ((u - r) - w);
    y0 = r - w;
    if (Math.abs(y0) < t * 1.7763568394002505e-15) {
      u = r;
      w = fn * PIO2_3;
      r = u - w;
      w = fn * PIO2_3T - ((u - r) - w);
      y0 = r - w;
    }
  }
  const y1 = (r - y0) - w;
  const z = y0 * y0, zz = z * z, v = z * y0;
  const rs = S2 + z * (S3 + z * S4) + z * zz * (S5 + z * S6);
  const s = y0 - ((z * (0.5 * y1 - v * rs) - y1) - v * S1);
  const rc = z * (C1 + z * (C2 + z * C3)) + zz * zz * (C4 + z * (C5 + z * C6));
  const hz = 0.5 * z, wc = 1 - hz;
  const c = wc + (((1 - wc) - hz) + (z * rc - y0 * y1));
  // quadrant n mod 4 picks (s, c), (c, −s), (−s, −c) or (−c, s) (branches measured faster
  // here than a branch-free select by 0/1 products)
  const q = fn & 3;
  const sign = x < 0 ? -1 : 1;
  if (q === 0) {
    cosOut[0] = c;
    return s * sign;
  }
  if (q === 1) {
    cosOut[0] = -s;
    return c * sign;
  }
  if (q === 2) {
    cosOut[0] = -c;
    return -s * sign;
  }
  cosOut[0] = s;
  return -c * sign;
}

// ---- gamma and lgamma --------------------------------------------------------------------
// CPython Modules/mathmodule.c m_tgamma / m_lgamma: Lanczos approximation, N = 13, g ≈ 6.02.
const LANCZOS_G = 6.024680040776729583740234375;
const LANCZOS_G_MINUS_HALF = 5.524680040776729583740234375;
const LANCZOS_NUM = [
  23531376880.410759688572007674451636754734846804940,
  42919803642.649098768957899047001988850926355848959,
  35711959237.355668049440185451547166705960488635843,
  17921034426.037209699919755754458931112671403265390,
  6039542586.3520280050642916443072979210699388420708,
  1439720407.3117216736632230727949123939715485786772,
  248874557.86205415651146038641322942321632125127801,
  31426415.585400194380614231628318205362874684987640,
  2876370.6289353724412254090516208496135991145378768,
  186056.26539522349504029498971604569928220784236328,
  8071.6720023658162106380029022722506138218516325024,
  210.82427775157934587250973392071336271166969580291,
  2.5066282746310002701649081771338373386264310793408,
];
const LANCZOS_DEN = [
  0.0,
  39916800.0,
  120543840.0,
  150917976.0,
  105258076.0,
  45995730.0,
  13339535.0,
  2637558.0,
  357423.0,
  32670.0,
  1925.0,
  66.0,
  1.0,
];
const GAMMA_INTEGRAL = [1]; // Γ(1) … Γ(23), exact in double precision
for (let k = 1; k < 23; k++) GAMMA_INTEGRAL.push(GAMMA_INTEGRAL[k - 1] * k);
const LOG_PI = 1.144729885849400174143427351353058711647;

function lanczosSum(x: number): number {
  let num = 0, den = 0;
  if (x < 5) {
    for (let i = 12; i >= 0; i--) {
      num = num * x + LANCZOS_NUM[i];
      den = den * x + LANCZOS_DEN[i];
    }
  } else {
    for (let i = 0; i < 13; i++) {
      num = num / x + LANCZOS_NUM[i];
      den = den / x + LANCZOS_DEN[i];
    }
  }
  return num / den;
}

// CPython m_sinpi: sin(πx) for finite x, exact zeros at the integers
function sinPi(x: number): number {
  const y = Math.abs(x) % 2;
  const n = Math.round(2 * y); // y ≥ 0: C round() and Math.round agree
  let r: number;
  if (n === 0) r = Math.sin(Math.PI * y);
  else if (n === 1) r = Math.cos(Math.PI * (y - 0.5));
  else if (n === 2) r = Math.sin(Math.PI * (1 - y));
  else if (n === 3) r = -Math.cos(Math.PI * (y - 1.5));
  else r = Math.sin(Math.PI * (y - 2));
  return (x < 0 || Object.is(x, -0) ? -1 : 1) * r;
}

/** Result and C errno of a CPython math helper: 0, or "EDOM" / "ERANGE" where it sets one. */
export interface Flagged {
  value: number;
  errno: "" | "EDOM" | "ERANGE";
}

const flagged = (value: number, errno: Flagged["errno"] = ""): Flagged => ({ value, errno });
const rangeChecked = (r: number) => flagged(r, Number.isFinite(r) ? "" : "ERANGE");

/** CPython's m_tgamma. */
export function gamma(x: number): Flagged {
  if (!Number.isFinite(x)) return Number.isNaN(x) || x > 0 ? flagged(x) : flagged(NaN, "EDOM");
  if (x === 0) return flagged(Object.is(x, -0) ? -Infinity : Infinity, "EDOM");
  if (x === Math.floor(x)) {
    if (x < 0) return flagged(NaN, "EDOM");
    if (x <= 23) return flagged(GAMMA_INTEGRAL[x - 1]);
  }
  const absx = Math.abs(x);
  if (absx < 1e-20) return rangeChecked(1 / x);
  if (absx > 200) return x < 0 ? flagged(0 / sinPi(x)) : flagged(Infinity, "ERANGE");
  const y = absx + LANCZOS_G_MINUS_HALF;
  // error of the rounded sum y, corrected for below (see the CPython comment)
  const z =
    (absx > LANCZOS_G_MINUS_HALF
      ? (y - absx) - LANCZOS_G_MINUS_HALF
      : (y - LANCZOS_G_MINUS_HALF) - absx) * LANCZOS_G / y;
  let r: number;
  if (x < 0) {
    r = -Math.PI / sinPi(absx) / absx * Math.exp(y) / lanczosSum(absx);
    r -= z * r;
    if (absx < 140) r /= Math.pow(y, absx - 0.5);
    else {
      const sqrtpow = Math.pow(y, absx / 2 - 0.25);
      r /= sqrtpow;
      r /= sqrtpow;
    }
  } else {
    r = lanczosSum(absx) / Math.exp(y);
    r += z * r;
    if (absx < 140) r *= Math.pow(y, absx - 0.5);
    else {
      const sqrtpow = Math.pow(y, absx / 2 - 0.25);
      r *= sqrtpow;
      r *= sqrtpow;
    }
  }
  return rangeChecked(r);
}

/** CPython's m_lgamma: log|Γ(x)|. */
export function lgamma(x: number): Flagged {
  if (!Number.isFinite(x)) return flagged(Number.isNaN(x) ? x : Infinity);
  if (x === Math.floor(x) && x <= 2) return x <= 0 ? flagged(Infinity, "EDOM") : flagged(0);
  const absx = Math.abs(x);
  if (absx < 1e-20) return flagged(-Math.log(absx));
  let r = Math.log(lanczosSum(absx)) - LANCZOS_G;
  r += (absx - 0.5) * (Math.log(absx + LANCZOS_G - 0.5) - 1);
  if (x < 0) r = LOG_PI - Math.log(Math.abs(sinPi(absx))) - Math.log(absx) - r;
  return rangeChecked(r);
}

// ---- erf and erfc ------------------------------------------------------------------------
// Sun fdlibm s_erf.c (as in musl, which CPython's math.erf/erfc call in Pyodide): rational
// approximations on [0, 0.84375), [0.84375, 1.25), [1.25, 1/0.35), [1/0.35, 28).
const ERX = 8.45062911510467529297e-01, EFX = 1.28379167095512586316e-01;
const PP = [
  1.28379167095512558561e-01,
  -3.25042107247001499370e-01,
  -2.84817495755985104766e-02,
  -5.77027029648944159157e-03,
  -2.37630166566501626084e-05,
];
const QQ = [
  1,
  3.97917223959155352819e-01,
  6.50222499887672944485e-02,
  5.08130628187576562776e-03,
  1.32494738004321644526e-04,
  -3.96022827877536812320e-06,
];
const PA = [
  -2.36211856075265944077e-03,
  4.14856118683748331666e-01,
  -3.72207876035701323847e-01,
  3.18346619901161753674e-01,
  -1.10894694282396677476e-01,
  3.54783043256182359371e-02,
  -2.16637559486879084300e-03,
];
const QA = [
  1,
  1.06420880400844228286e-01,
  5.40397917702171048937e-01,
  7.18286544141962662868e-02,
  1.26171219808761642112e-01,
  1.36370839120290507362e-02,
  1.19844998467991074170e-02,
];
const RA = [
  -9.86494403484714822705e-03,
  -6.93858572707181764372e-01,
  -1.05586262253232909814e+01,
  -6.23753324503260060396e+01,
  -1.62396669462573470355e+02,
  -1.84605092906711035994e+02,
  -8.12874355063065934246e+01,
  -9.81432934416914548592e+00,
];
const SA = [
  1,
  1.96512716674392571292e+01,
  1.37657754143519042600e+02,
  4.34565877475229228821e+02,
  6.45387271733267880336e+02,
  4.29008140027567833386e+02,
  1.08635005541779435134e+02,
  6.57024977031928170135e+00,
  -6.04244152148580987438e-02,
];
const RB = [
  -9.86494292470009928597e-03,
  -7.99283237680523006574e-01,
  -1.77579549177547519889e+01,
  -1.60636384855821916062e+02,
  -6.37566443368389627722e+02,
  -1.02509513161107724954e+03,
  -4.83519191608651397019e+02,
];
const SB = [
  1,
  3.03380607434824582924e+01,
  3.25792512996573918826e+02,
  1.53672958608443695994e+03,
  3.19985821950859553908e+03,
  2.55305040643316442583e+03,
  4.74528541206955367215e+02,
  -2.24409524465858183362e+01,
];
const ONE_OVER_035 = 2.8571414947509766; // the high word 0x4006DB6D that fdlibm compares with

function poly(c: number[], x: number): number {
  let r = c[c.length - 1];
  for (let i = c.length - 2; i >= 0; i--) r = r * x + c[i];
  return r;
}

const words = new DataView(new ArrayBuffer(8));
// x with the low 32 bits of its significand cleared (fdlibm SET_LOW_WORD(z, 0))
function highPart(x: number): number {
  words.setFloat64(0, x);
  words.setUint32(4, 0);
  return words.getFloat64(0);
}

// erfc(ax) for 1.25 ≤ ax < 28
function erfcTail(ax: number): number {
  const s = 1 / (ax * ax);
  const ratio = ax < ONE_OVER_035 ? poly(RA, s) / poly(SA, s) : poly(RB, s) / poly(SB, s);
  const z = highPart(ax);
  return Math.exp(-z * z - 0.5625) * Math.exp((z - ax) * (z + ax) + ratio) / ax;
}

/** erf(x) (fdlibm). */
export function erf(x: number): number {
  if (Number.isNaN(x)) return x;
  const ax = Math.abs(x), sign = x < 0 ? -1 : 1;
  if (ax < 0.84375) {
    if (ax < 3.725290298461914e-9) { // 2^-28
      return ax < 2.848094538889218e-306 ? 0.125 * (8 * x + (8 * EFX) * x) : x + EFX * x;
    }
    const z = x * x;
    return x + x * (poly(PP, z) / poly(QQ, z));
  }
  if (ax < 1.25) return sign * (ERX + poly(PA, ax - 1) / poly(QA, ax - 1));
  if (ax >= 6) return sign;
  return sign * (1 - erfcTail(ax));
}

/** erfc(x) = 1 − erf(x) without cancellation (fdlibm). */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return x;
  const ax = Math.abs(x);
  if (ax < 0.84375) {
    if (ax < 1.3877787807814457e-17) return 1 - x; // 2^-56
    const z = x * x, y = poly(PP, z) / poly(QQ, z);
    return x < 0.25 ? 1 - (x + x * y) : 0.5 - (x * y + (x - 0.5));
  }
  if (ax < 1.25) {
    const d = poly(PA, ax - 1) / poly(QA, ax - 1);
    return x < 0 ? 1 + (ERX + d) : (1 - ERX) - d;
  }
  if (ax < 28) {
    if (x < -6) return 2;
    const r = erfcTail(ax);
    return x < 0 ? 2 - r : r;
  }
  return x < 0 ? 2 : 0;
}
