/**
 * A portable sgemm that needs nothing installed: WebAssembly SIMD (`models/wasm/sgemm.c`, built
 * by `models/wasm/build.ts`) run on every core by workers sharing one `WebAssembly.Memory`.
 * Same contract as `sgemm` in `openblas.ts`; the `cpu` kernels use it when OpenBLAS is missing.
 * Operands are copied into the shared memory and the product out again: O(mk + kn + mn) against
 * the O(mnk) arithmetic. Every result is the same for any thread count, and on any machine whose
 * CPU has FMA (docs/FORMAT.md, "Which kernels ran").
 * @module
 */

import { Worker } from "node:worker_threads";
import { CONTROL, MAX_WORKERS, runPieces, type SgemmExports } from "./_sgemm_job.ts";

/** The committed binary, built from `wasm/sgemm.c`. */
export const SGEMM_WASM_URL = new URL("./wasm/sgemm.wasm", import.meta.url);

/** Below this many multiply-adds a product runs on the calling thread alone. */
const PARALLEL_MIN_MACS = 1 << 18;
const PAGE = 65536;
/** 2 GiB: offsets stay positive 32-bit integers. */
const MAX_PAGES = 32768;

interface Portable {
  exports: SgemmExports;
  memory: WebAssembly.Memory;
  workers: Worker[];
  /** Worker ids that said they are ready. */
  ready: number[];
}

let portable: Portable | null | undefined;
let loadError = "";
let requestedThreads: number | undefined;

/** Threads to use by default: every core the runtime reports (`navigator.hardwareConcurrency`). */
function defaultThreads(): number {
  return Math.max(1, Math.min(MAX_WORKERS + 1, navigator.hardwareConcurrency || 1));
}

/**
 * Compiles the kernel and starts its workers once (they join as they come up; until then the
 * caller computes alone). Returns false, and remembers why, when WebAssembly SIMD, shared memory
 * or the binary is unavailable. `threads` (default: every core) applies to the first call only.
 */
export function loadPortable(threads?: number): boolean {
  if (portable !== undefined) return portable !== null;
  requestedThreads = threads ?? defaultThreads();
  portable = null;
  try {
    const module = new WebAssembly.Module(Deno.readFileSync(SGEMM_WASM_URL));
    const memory = new WebAssembly.Memory({ initial: 64, maximum: MAX_PAGES, shared: true });
    const exports = new WebAssembly.Instance(module, { env: { memory } })
      .exports as unknown as SgemmExports;
    const state: Portable = { exports, memory, workers: [], ready: [] };
    const workerUrl = new URL("./_sgemm_worker.ts", import.meta.url);
    for (let id = 0; id < requestedThreads - 1; id++) {
      const worker = new Worker(workerUrl, { workerData: { module, memory, id } });
      worker.on("message", (message: "ready" | { error: string }) => {
        if (message === "ready") state.ready.push(id);
        else loadError = `portable sgemm worker ${id}: ${message.error}`;
      });
      worker.on("error", (error) => {
        loadError = `portable sgemm worker ${id}: ${error.message}`;
      });
      // Workers never keep the process alive; they sleep in Atomics.wait between jobs.
      worker.unref();
      state.workers.push(worker);
    }
    portable = state;
  } catch (error) {
    loadError = `${SGEMM_WASM_URL.pathname}: ${(error as Error).message}`;
  }
  return portable !== null;
}

/** Why `loadPortable()` failed (empty when it succeeded or was not tried). */
export function portableError(): string {
  return loadError;
}

/** Threads the portable sgemm uses now: the caller plus the workers that are ready. */
export function portableThreads(): number {
  return portable ? 1 + portable.ready.length : 0;
}

/** Resolves once every worker is ready (or failed to start); true when all are ready. */
export async function portableReady(timeoutMs = 10_000): Promise<boolean> {
  if (!loadPortable(requestedThreads)) return false;
  const deadline = performance.now() + timeoutMs;
  while (portable!.ready.length < portable!.workers.length && performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return portable!.ready.length === portable!.workers.length;
}

/** Stops the workers; a later call starts afresh (tests use this to change the thread count). */
export async function closePortable(): Promise<void> {
  if (!portable) {
    portable = undefined;
    return;
  }
  const control = new Int32Array(portable.memory.buffer, 0, CONTROL.length);
  Atomics.store(control, CONTROL.generation, -1);
  Atomics.notify(control, CONTROL.generation);
  await Promise.all(portable.workers.map((worker) => worker.terminate()));
  portable = undefined;
}

/**
 * Row-major C = op(A)·op(B) + beta·C with op(A) m×k and op(B) k×n, as `sgemm` in `openblas.ts`.
 * @example
 * ```ts
 * const c = new Float32Array(4);
 * portableSgemm(false, false, 2, 2, 1, new Float32Array([1, 2]), new Float32Array([3, 4]), c);
 * // c = [3, 4, 6, 8]
 * ```
 */
export function portableSgemm(
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
  if (!loadPortable()) throw new Error(`portable sgemm is not loaded (${loadError})`);
  if (m === 0 || n === 0) return;
  if (a.length < m * k || b.length < k * n || c.length < m * n) {
    throw new RangeError(
      `sgemm: arrays of ${a.length}, ${b.length}, ${c.length} values are too short for ` +
        `${m}×${k} · ${k}×${n}`,
    );
  }
  const { exports, memory, ready } = portable!;
  const threads = m * n * k >= PARALLEL_MIN_MACS ? 1 + ready.length : 1;
  const scratchBytes = align(4 * exports.sgemm_scratch_floats());
  const aAt = align(4 * CONTROL.length);
  const bAt = aAt + align(4 * m * k);
  const cAt = bAt + align(4 * k * n);
  const scratchAt = cAt + align(4 * m * n);
  reserve(memory, scratchAt + threads * scratchBytes);
  const heap = new Float32Array(memory.buffer);
  heap.set(a.subarray(0, m * k), aAt / 4);
  heap.set(b.subarray(0, k * n), bAt / 4);
  if (beta !== 0) heap.set(c.subarray(0, m * n), cAt / 4);
  const control = new Int32Array(memory.buffer, 0, CONTROL.length);
  const words: [number, number][] = [
    [CONTROL.transA, transposeA ? 1 : 0],
    [CONTROL.transB, transposeB ? 1 : 0],
    [CONTROL.m, m],
    [CONTROL.n, n],
    [CONTROL.k, k],
    [CONTROL.a, aAt],
    [CONTROL.b, bAt],
    [CONTROL.c, cAt],
    [CONTROL.scratch, scratchAt],
    [CONTROL.scratchBytes, scratchBytes],
    [CONTROL.threads, threads],
    [CONTROL.workers, threads - 1],
    [CONTROL.done, 0],
    [CONTROL.next, 0],
    [CONTROL.failed, 0],
  ];
  for (const [index, value] of words) control[index] = value;
  new Float32Array(memory.buffer, 4 * CONTROL.beta, 1)[0] = beta;
  if (threads > 1) dispatch(control, portable!, threads);
  try {
    runPieces(exports, memory, 0);
  } finally {
    // even when this thread failed: the next job must not start under running workers
    for (let done; (done = Atomics.load(control, CONTROL.done)) < threads - 1;) {
      Atomics.wait(control, CONTROL.done, done);
    }
  }
  if (control[CONTROL.failed]) throw new Error(`portable sgemm: ${loadError || "a worker failed"}`);
  c.set(new Float32Array(memory.buffer, cAt, m * n));
}

/** Gives scratch slots 1… to the ready workers (the rest sit out) and wakes them all. */
function dispatch(control: Int32Array, state: Portable, threads: number): void {
  for (let id = 0; id < state.workers.length; id++) control[CONTROL.slots + id] = -1;
  for (let slot = 1; slot < threads; slot++) {
    control[CONTROL.slots + state.ready[slot - 1]] = slot;
  }
  Atomics.add(control, CONTROL.generation, 1);
  Atomics.notify(control, CONTROL.generation);
}

/** Grows the memory to at least `bytes`. */
function reserve(memory: WebAssembly.Memory, bytes: number): void {
  const pages = Math.ceil(bytes / PAGE);
  if (pages > MAX_PAGES) {
    throw new RangeError(`portable sgemm: ${bytes} bytes of operands exceed the 2 GiB memory`);
  }
  const have = memory.buffer.byteLength / PAGE;
  if (pages > have) memory.grow(pages - have);
}

const align = (bytes: number) => Math.ceil(bytes / 64) * 64;
