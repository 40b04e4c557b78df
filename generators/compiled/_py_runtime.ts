/**
 * Python semantics for kernels compiled to JavaScript by generators/compiled/_sas_compile.py: operators
 * and math functions that raise where CPython raises (so compiled try/except behaves alike),
 * floor division and modulo, round-half-even, and min/max with Python's NaN order.
 * @module
 */
import { cosOut, erf, erfc, type Flagged, gamma, lgamma, sinCos } from "./_py_math.ts";

/** A Python exception raised by compiled code; `pyType` is its class name. */
export class PyRaise extends Error {
  /** Create the exception `pyType` (e.g. "ZeroDivisionError"). */
  constructor(readonly pyType: string, message = pyType) {
    super(message);
  }
}

/** Thrown where the compiled code cannot follow Python (complex result, `raise`): no handler
 * catches it, and the caller renders the image in Python instead. */
export class PyFallback extends Error {}

const PARENTS: Record<string, string[]> = {
  ZeroDivisionError: ["ZeroDivisionError", "ArithmeticError", "Exception"],
  OverflowError: ["OverflowError", "ArithmeticError", "Exception"],
  ValueError: ["ValueError", "Exception"],
};

function zeroDivision(): never {
  throw new PyRaise("ZeroDivisionError");
}
function overflow(): never {
  throw new PyRaise("OverflowError");
}
function domain(): never {
  throw new PyRaise("ValueError");
}

const isOddInteger = (x: number) => Math.abs(x % 2) === 1;

// CPython Objects/floatobject.c float_pow: the special cases C pow leaves to the caller.
function pyPow(x: number, y: number): number {
  if (y === 0) return 1;
  if (Number.isNaN(x)) return x;
  if (Number.isNaN(y)) return x === 1 ? 1 : y;
  if (!Number.isFinite(y)) {
    const ax = Math.abs(x);
    if (ax === 1) return 1;
    return (y > 0) === (ax > 1) ? Math.abs(y) : 0;
  }
  if (!Number.isFinite(x)) {
    const odd = isOddInteger(y);
    if (y > 0) return odd ? x : Math.abs(x);
    return odd ? (x < 0 ? -0 : 0) : 0;
  }
  if (x === 0) {
    if (y < 0) zeroDivision();
    return isOddInteger(y) ? x : 0;
  }
  let negate = false;
  if (x < 0) {
    if (y !== Math.floor(y)) throw new PyFallback("complex result of **");
    x = -x;
    negate = isOddInteger(y);
  }
  if (x === 1) return negate ? -1 : 1;
  const r = Math.pow(x, y);
  if (r === Infinity) overflow();
  return negate ? -r : r;
}

// CPython Objects/floatobject.c _float_div_mod.
function pyFloorDiv(x: number, y: number): number {
  if (y === 0) zeroDivision();
  let mod = x % y;
  let div = (x - mod) / y;
  if (mod) {
    if ((y < 0) !== (mod < 0)) {
      mod += y;
      div -= 1;
    }
  }
  if (div) {
    let floor = Math.floor(div);
    if (div - floor > 0.5) floor += 1;
    return floor;
  }
  return (x / y < 0 || Object.is(x / y, -0)) ? -0 : 0;
}

function pyMod(x: number, y: number): number {
  if (y === 0) zeroDivision();
  let mod = x % y;
  if (mod) {
    if ((y < 0) !== (mod < 0)) mod += y;
  } else mod = y < 0 || Object.is(y, -0) ? -0 : 0;
  return mod;
}

function toInt(x: number): number {
  if (Number.isNaN(x)) domain();
  if (!Number.isFinite(x)) overflow();
  return Math.trunc(x) + 0;
}

// math_1 of CPython Modules/mathmodule.c: NaN out of non-NaN is a domain error, ±inf out of
// finite input an overflow (or, for functions that cannot overflow, a singularity).
function checked(r: number, x: number, canOverflow: boolean): number {
  if (Number.isNaN(r)) {
    if (!Number.isNaN(x)) domain();
  } else if (!Number.isFinite(r) && Number.isFinite(x)) {
    if (canOverflow) overflow();
    domain();
  }
  return r;
}

function logOf(x: number, f: (x: number) => number): number {
  if (Number.isNaN(x)) return x;
  if (x <= 0) domain();
  return f(x);
}

// CPython math.pow: math_2 plus the explicit domain checks of math_pow.
function mathPow(x: number, y: number): number {
  if (Number.isFinite(x) && Number.isFinite(y)) {
    if (x === 0 && y < 0) domain();
    if (x < 0 && y !== Math.floor(y)) domain();
  }
  if (x === 1 || y === 0) return 1;
  if (Number.isNaN(x) || Number.isNaN(y)) return NaN;
  const r = Math.pow(x, y);
  if (!Number.isFinite(r) && Number.isFinite(x) && Number.isFinite(y)) overflow();
  return Math.abs(x) === 1 && !Number.isFinite(y) ? 1 : r;
}

// math_1a of CPython Modules/mathmodule.c (gamma, lgamma): the errno of the C helper decides.
function errnoChecked(r: Flagged): number {
  if (r.errno === "EDOM") domain();
  if (r.errno === "ERANGE" && !(Math.abs(r.value) < 1.5)) overflow();
  return r.value;
}

/** The math module as compiled kernels see it (functions only; constants are inlined). */
const math: Record<string, (...a: number[]) => number | boolean> = {
  sin: (x) => checked(sinCos(x), x, false),
  cos: (x) => {
    sinCos(x);
    return checked(cosOut[0], x, false);
  },
  // sin(x), with cos(x) left in rt.cosOut[0] (the compiler pairs sin(x) and cos(x))
  sincos: (x) => checked(sinCos(x), x, false),
  tan: (x) => checked(Math.tan(x), x, false),
  asin: (x) => checked(Math.asin(x), x, false),
  acos: (x) => checked(Math.acos(x), x, false),
  atan: (x) => Math.atan(x),
  atan2: (y, x) => Math.atan2(y, x),
  sinh: (x) => checked(Math.sinh(x), x, true),
  cosh: (x) => checked(Math.cosh(x), x, true),
  tanh: (x) => Math.tanh(x),
  asinh: (x) => Math.asinh(x),
  acosh: (x) => checked(Math.acosh(x), x, false),
  atanh: (x) => checked(Math.atanh(x), x, false),
  exp: (x) => checked(Math.exp(x), x, true),
  exp2: (x) => checked(Math.pow(2, x), x, true),
  expm1: (x) => checked(Math.expm1(x), x, true),
  log: (x, base?: number) =>
    base === undefined ? logOf(x, Math.log) : logOf(x, Math.log) / logOf(base, Math.log),
  log10: (x) => logOf(x, Math.log10),
  log2: (x) => logOf(x, Math.log2),
  log1p: (x) => checked(Math.log1p(x), x, false),
  sqrt: (x) => checked(Math.sqrt(x), x, false),
  cbrt: (x) => Math.cbrt(x),
  fabs: (x) => Math.abs(x),
  floor: (x) => toInt(Math.floor(x)),
  ceil: (x) => toInt(Math.ceil(x)),
  trunc: (x) => toInt(x),
  copysign: (x, y) => (y < 0 || Object.is(y, -0) ? -Math.abs(x) : Math.abs(x)),
  hypot: (x, y) => Math.hypot(x, y),
  pow: mathPow,
  degrees: (x) => x * (180 / Math.PI),
  radians: (x) => x * (Math.PI / 180),
  gamma: (x) => errnoChecked(gamma(x)),
  lgamma: (x) => errnoChecked(lgamma(x)),
  erf,
  erfc,
  isnan: (x) => Number.isNaN(x),
  isinf: (x) => x === Infinity || x === -Infinity,
  isfinite: (x) => Number.isFinite(x),
};

/** The runtime object `rt` that compiled kernel source receives. */
export const runtime = {
  math,
  cosOut,
  div(x: number, y: number): number {
    if (y === 0) zeroDivision();
    return x / y;
  },
  floordiv: pyFloorDiv,
  mod: pyMod,
  pow: pyPow,
  min2: (a: number, b: number) => (b < a ? b : a),
  max2: (a: number, b: number) => (b > a ? b : a),
  float: (x: number) => +x,
  int: toInt,
  round(x: number): number {
    // CPython float.__round__: C round() (half away from zero), then ties to even
    let r = Math.sign(x) * Math.round(Math.abs(x));
    if (Math.abs(x - r) === 0.5) r = 2 * Math.sign(x) * Math.round(Math.abs(x) / 2);
    return toInt(r);
  },
  int_arg(x: number): number {
    if (!Number.isInteger(x)) throw new PyFallback("range() of a non-integer");
    return x;
  },
  seq(v: unknown): number[] {
    if (!Array.isArray(v)) throw new PyFallback("iteration over a non-sequence");
    return v;
  },
  unpack(v: unknown, n: number): number[] {
    if (!Array.isArray(v) || v.length !== n) throw new PyFallback("unpacking mismatch");
    return v;
  },
  index(v: unknown, i: number): number {
    if (!Array.isArray(v) || !Number.isInteger(i)) throw new PyFallback("bad subscript");
    const k = i < 0 ? v.length + i : i;
    if (k < 0 || k >= v.length) throw new PyFallback("IndexError");
    return v[k];
  },
  raised(): PyFallback {
    return new PyFallback("raise statement");
  },
  caught(e: unknown, pyType: string): boolean {
    return e instanceof PyRaise && (PARENTS[e.pyType] ?? []).includes(pyType);
  },
};

/** Instantiate compiled kernel source: returns its exported functions by name. */
export function instantiate(source: string): Record<string, (...a: number[]) => number> {
  return new Function("rt", source)(runtime);
}
