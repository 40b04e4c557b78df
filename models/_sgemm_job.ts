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
  /** The next piece of C to compute. */
  next: 15,
  /** Set by a worker whose computation threw. */
  failed: 16,
  /** Per worker id from here on: its scratch index in the current job, or −1: it sits out. */
  slots: 17,
  length: 17 + 64,
} as const;

/** Rows or columns of C are split in multiples of this (the kernel's tile is 4 × 8). */
const GRAIN = 8;
/** Pieces per thread: enough that a thread slowed by other work on its core takes fewer. */
const PIECES_PER_THREAD = 4;

/** Rows (or columns, when C is wider than tall) of C in one piece of the job. */
function pieceExtent(m: number, n: number, threads: number): number {
  const pieces = threads === 1 ? 1 : threads * PIECES_PER_THREAD;
  return Math.max(GRAIN, Math.ceil(Math.max(m, n) / pieces / GRAIN) * GRAIN);
}

/**
 * Computes pieces of the job in the control block until none is left, using scratch `index`:
 * C is cut by columns when it is wider than tall, else by rows, and each thread takes the next
 * piece from a shared counter. Every element sums the same products in the same order, whoever
 * computes it, so the result does not depend on the number of threads or on timing.
 */
export function runPieces(exports: SgemmExports, memory: WebAssembly.Memory, index: number) {
  const w = new Int32Array(memory.buffer, 0, CONTROL.length);
  const transA = w[CONTROL.transA], transB = w[CONTROL.transB];
  const m = w[CONTROL.m], n = w[CONTROL.n], k = w[CONTROL.k];
  const beta = new Float32Array(memory.buffer, CONTROL.beta * 4, 1)[0];
  const byColumns = n >= m;
  const extent = byColumns ? n : m;
  const piece = pieceExtent(m, n, w[CONTROL.threads]);
  const lda = transA ? m : k, ldb = transB ? k : n;
  const scratch = w[CONTROL.scratch] + index * w[CONTROL.scratchBytes];
  for (;;) {
    const start = Atomics.add(w, CONTROL.next, 1) * piece;
    if (start >= extent) return;
    const end = Math.min(start + piece, extent);
    let a = w[CONTROL.a], b = w[CONTROL.b], c = w[CONTROL.c];
    if (byColumns) {
      b += 4 * (transB ? start * ldb : start);
      c += 4 * start;
    } else {
      a += 4 * (transA ? start : start * lda);
      c += 4 * start * n;
    }
    const rows = byColumns ? m : end - start, cols = byColumns ? end - start : n;
    exports.sgemm(transA, transB, rows, cols, k, a, lda, b, ldb, beta, c, n, scratch);
  }
}
