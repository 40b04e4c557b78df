/** Regrouping chunks into fixed-size batches, and iterating items. @module */
import { type Chunk, type ChunkData, itemSize } from "./record_format.ts";

/** Re-chunks a stream into chunks of exactly `batchSize` items (the last one may be smaller). */
export class RebatchStream extends TransformStream<Chunk, Chunk> {
  constructor(batchSize: number) {
    if (!Number.isInteger(batchSize) || batchSize < 1) {
      throw new RangeError(`batch size must be a positive integer, got ${batchSize}`);
    }
    let held: Chunk[] = [];
    let heldCount = 0;
    const emit = (controller: TransformStreamDefaultController<Chunk>, n: number) => {
      const first = held[0];
      const size = itemSize(first.shape);
      const ctor = first.data.constructor as { new (n: number): ChunkData };
      const data = ctor === undefined ? undefined : new ctor(n * size);
      const labels = [];
      let filled = 0;
      while (filled < n) {
        const c = held[0];
        const take = Math.min(c.count, n - filled);
        (data as Float32Array).set(c.data.subarray(0, take * size) as Float32Array, filled * size);
        labels.push(...c.labels.slice(0, take));
        filled += take;
        if (take === c.count) held.shift();
        else held[0] = sliceChunk(c, take, c.count);
      }
      heldCount -= n;
      controller.enqueue({ count: n, shape: first.shape, dtype: first.dtype, labels, data: data! });
    };
    super({
      transform(chunk, controller) {
        if (chunk.count === 0) return;
        held.push(chunk);
        heldCount += chunk.count;
        while (heldCount >= batchSize) emit(controller, batchSize);
      },
      flush(controller) {
        if (heldCount > 0) emit(controller, heldCount);
        held = [];
      },
    });
  }
}

/** Items `start` (inclusive) to `end` (exclusive) of a chunk, sharing its memory. */
export function sliceChunk(chunk: Chunk, start: number, end: number): Chunk {
  const size = itemSize(chunk.shape);
  return {
    count: end - start,
    shape: chunk.shape,
    dtype: chunk.dtype,
    labels: chunk.labels.slice(start, end),
    data: chunk.data.subarray(start * size, end * size),
  };
}

/** The first `max` items (of `size` values each) of a stream of flat batches, as one array. */
export async function firstItems(
  batches: AsyncIterable<Float32Array>,
  max: number,
  size: number,
): Promise<Float32Array> {
  const out = new Float32Array(max * size);
  let filled = 0;
  for await (const batch of batches) {
    const take = Math.min(batch.length, out.length - filled);
    out.set(batch.subarray(0, take), filled);
    filled += take;
    if (filled === out.length) break;
  }
  return out.subarray(0, filled);
}
