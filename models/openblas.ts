/**
 * OpenBLAS `cblas_sgemm` through `Deno.dlopen`, on plain Float32Arrays (no copies).
 * Used by the kernels in `native_kernels.ts` and by `bench/train_step.ts` for the sgemm peak.
 * @module
 */

import { pinLibrary } from "./_native_pin.ts";

const CBLAS_ROW_MAJOR = 101;
const CBLAS_NO_TRANS = 111;
const CBLAS_TRANS = 112;

const SYMBOLS = {
  cblas_sgemm: {
    parameters: [
      "i32",
      "i32",
      "i32",
      "i32",
      "i32",
      "i32",
      "f32",
      "buffer",
      "i32",
      "buffer",
      "i32",
      "f32",
      "buffer",
      "i32",
    ],
    result: "void",
  },
  openblas_get_num_threads: { parameters: [], result: "i32" },
} as const;

/** Where libopenblas lives on each OS, tried in order unless `SASQUASH_OPENBLAS` names one. */
const CANDIDATES: Partial<Record<typeof Deno.build.os, string[]>> = {
  linux: [
    `/usr/lib/${Deno.build.arch}-linux-gnu/openblas-pthread/libopenblas.so.0`,
    `/usr/lib/${Deno.build.arch}-linux-gnu/libopenblas.so.0`,
    "/usr/lib64/libopenblas.so.0",
    "libopenblas.so.0",
  ],
  darwin: [
    "/opt/homebrew/opt/openblas/lib/libopenblas.dylib",
    "/usr/local/opt/openblas/lib/libopenblas.dylib",
    "libopenblas.dylib",
  ],
  windows: ["libopenblas.dll", "openblas.dll"],
};

/** The libopenblas paths tried on this OS (just `SASQUASH_OPENBLAS` when it is set). */
export function openBlasCandidates(): string[] {
  const override = Deno.env.get("SASQUASH_OPENBLAS");
  return override ? [override] : CANDIDATES[Deno.build.os] ?? [];
}

type Library = Deno.DynamicLibrary<typeof SYMBOLS>;
let library: Library | null | undefined;
let loadError = "";
let loadedPath = "";

/** Opens libopenblas once; returns null (and remembers why) when it is not available. */
export function openBlas(): Library | null {
  if (library !== undefined) return library;
  // An explicit path is the only one tried, so a bad one shows the fallback.
  const paths = openBlasCandidates();
  library = null;
  loadError = paths.length ? "" : `no known libopenblas location on ${Deno.build.os}`;
  for (const path of paths) {
    try {
      library = Deno.dlopen(path, SYMBOLS);
      // never unloaded with the runtime that opened it (see _native_pin.ts)
      pinLibrary(path);
      loadedPath = path;
      loadError = "";
      return library;
    } catch (error) {
      loadError = `${path}: ${(error as Error).message}`;
    }
  }
  return library;
}

/** The path libopenblas was loaded from (empty when it is not loaded). */
export function openBlasPath(): string {
  return loadedPath;
}

/** Why the last `openBlas()` failed (empty when it succeeded or was not tried). */
export function openBlasError(): string {
  return loadError;
}

/** Threads OpenBLAS uses (0 when the library is not loaded). */
export function blasThreads(): number {
  return openBlas()?.symbols.openblas_get_num_threads() ?? 0;
}

/**
 * Row-major C = alpha·op(A)·op(B) + beta·C with op(A) m×k and op(B) k×n.
 * The arrays may be subarrays; Deno passes the view's own start.
 */
export function sgemm(
  transposeA: boolean,
  transposeB: boolean,
  m: number,
  n: number,
  k: number,
  a: Float32Array,
  b: Float32Array,
  c: Float32Array,
  beta = 0,
): void {
  const blas = openBlas();
  if (blas === null) throw new Error(`libopenblas is not loaded (${loadError})`);
  if (m === 0 || n === 0) return;
  if (k === 0) {
    // BLAS rejects a zero leading dimension; an empty sum is zero.
    for (let i = 0; i < m * n; i++) c[i] = beta === 0 ? 0 : beta * c[i];
    return;
  }
  // BLAS trusts the sizes; a short array would be read or written past its end.
  if (a.length < m * k || b.length < k * n || c.length < m * n) {
    throw new RangeError(
      `sgemm: arrays of ${a.length}, ${b.length}, ${c.length} values are too short for ` +
        `${m}×${k} · ${k}×${n}`,
    );
  }
  const lda = transposeA ? m : k;
  const ldb = transposeB ? k : n;
  blas.symbols.cblas_sgemm(
    CBLAS_ROW_MAJOR,
    transposeA ? CBLAS_TRANS : CBLAS_NO_TRANS,
    transposeB ? CBLAS_TRANS : CBLAS_NO_TRANS,
    m,
    n,
    k,
    1,
    a,
    lda,
    b,
    ldb,
    beta,
    c,
    n,
  );
}
