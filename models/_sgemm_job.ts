/**
 * The job layout that `portable_sgemm.ts` and its workers share: a control block of Int32 words
 * at the start of the shared memory, and the rule that splits C between threads. Private to
 * `models/`.
 * @module
 */

/** The sgemm module's exports (`models/wasm/sgemm.c`). */
export interface SgemmExports {
  sgemm(
    transA: number,
    transB: number,
    m: number,
    n: number,
    k: number,
    a: number,
    lda: number,
    b: number,
    ldb: number,
    beta: number,
    c: number,
    ldc: number,
    scratch: number,
  ): void;
  sgemm_scratch_floats(): number;
}

/** At most this many workers. */
export const MAX_WORKERS = 64;

/** Word indices in the control block (Int32Array at byte 0). */
export const CONTROL = {
  /** Bumped for each job; −1 tells the workers to stop. */
  generation: 0,
  /** Workers that finished the current job. */
  done: 1,
  /** Workers taking part in the current job. */
  workers: 2,
  transA: 3,
  transB: 4,
  m: 5,
  n: 6,
  k: 7,
  a: 8,
  b: 9,
  c: 10,
  beta: 11,
  scratch: 12,
  scratchBytes: 13,
  /** Threads sharing the job: the workers and the caller. */
  threads: 14,
  /** Per worker id from here on: its share of the current job, or −1 when it sits out. */
  shares: 16,
  length: 16 + 64,
} as const;

/** Rows or columns of C are split in multiples of this (the kernel's tile is 4 × 8). */
const GRAIN = 8;

/** Rows (or columns, when C is wider than tall) of C in one thread's share. */
function shareExtent(m: number, n: number, threads: number): number {
  return Math.ceil(Math.max(m, n) / threads / GRAIN) * GRAIN;
}

/**
 * Computes share `index` of the job in the control block: C is split by columns when it is
 * wider than tall, else by rows, so every element sums the same products in the same order
 * whatever the number of threads.
 */
export function runShare(exports: SgemmExports, memory: WebAssembly.Memory, index: number) {
  const w = new Int32Array(memory.buffer, 0, CONTROL.length);
  const transA = w[CONTROL.transA], transB = w[CONTROL.transB];
  const m = w[CONTROL.m], n = w[CONTROL.n], k = w[CONTROL.k];
  const threads = w[CONTROL.threads];
  const beta = new Float32Array(memory.buffer, CONTROL.beta * 4, 1)[0];
  const byColumns = n >= m;
  const extent = byColumns ? n : m;
  const chunk = shareExtent(m, n, threads);
  const start = Math.min(index * chunk, extent);
  const end = Math.min(start + chunk, extent);
  if (start >= end) return;
  const lda = transA ? m : k, ldb = transB ? k : n;
  let a = w[CONTROL.a], b = w[CONTROL.b], c = w[CONTROL.c];
  if (byColumns) {
    b += 4 * (transB ? start * ldb : start);
    c += 4 * start;
  } else {
    a += 4 * (transA ? start : start * lda);
    c += 4 * start * n;
  }
  const rows = byColumns ? m : end - start, cols = byColumns ? end - start : n;
  const scratch = w[CONTROL.scratch] + index * w[CONTROL.scratchBytes];
  exports.sgemm(transA, transB, rows, cols, k, a, lda, b, ldb, beta, c, n, scratch);
}
