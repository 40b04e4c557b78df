/**
 * Reuses large Float32Arrays that the native kernels allocate. A fresh 128 MB array costs
 * ~0.25 s of page faults here, more than the sgemm that fills it, so outputs of the native
 * kernels return to this pool when tfjs disposes their tensor. Private to `models/`.
 * Callers must overwrite every element: pooled arrays hold stale values. Code that keeps a
 * `dataSync()` result must copy it before disposing the tensor.
 * @module
 */

/** Arrays shorter than this are left to the garbage collector. */
const MIN_POOLED = 1 << 16;
/** At most this many bytes wait in the pool. */
const MAX_POOLED_BYTES = 2 ** 31;

const free = new Map<number, Float32Array[]>();
const owned = new WeakSet<Float32Array>();
let pooledBytes = 0;
const PATCHED = Symbol.for("sasquash.bufferPool");

/** A Float32Array of `length` with undefined contents, from the pool when one is free. */
export function allocate(length: number): Float32Array {
  if (length < MIN_POOLED) return new Float32Array(length);
  const reused = free.get(length)?.pop();
  if (reused) {
    pooledBytes -= reused.byteLength;
    return reused;
  }
  const array = new Float32Array(length);
  owned.add(array);
  return array;
}

function release(array: Float32Array): void {
  if (pooledBytes + array.byteLength > MAX_POOLED_BYTES) return;
  let list = free.get(array.length);
  if (!list) free.set(array.length, list = []);
  list.push(array);
  pooledBytes += array.byteLength;
}

interface DisposingBackend {
  data: { get(dataId: object): { values?: unknown } | undefined; has(dataId: object): boolean };
  disposeData(dataId: object, force?: boolean): boolean;
  [PATCHED]?: boolean;
}

/** Makes the cpu backend hand pooled arrays back when their last tensor is disposed. */
export function installPool(backend: DisposingBackend): void {
  if (backend[PATCHED]) return;
  const dispose = backend.disposeData.bind(backend);
  backend.disposeData = (dataId: object, force = false) => {
    const values = backend.data.has(dataId) ? backend.data.get(dataId)?.values : undefined;
    const result = dispose(dataId, force);
    if (values instanceof Float32Array && owned.has(values) && !backend.data.has(dataId)) {
      release(values);
    }
    return result;
  };
  backend[PATCHED] = true;
}
