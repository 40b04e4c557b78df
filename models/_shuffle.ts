/**
 * A bounded shuffle buffer of fixed-size images (private to `models/`): memory stays at
 * `slots` images however long the stream, and the order depends only on the random source.
 * @module
 */

/** Holds up to `slots` images; each push beyond that emits a uniformly chosen one. */
export class ShuffleBuffer {
  private readonly store: Float32Array;
  private count = 0;

  constructor(
    readonly slots: number,
    readonly pixels: number,
    private readonly random: () => number,
  ) {
    this.store = new Float32Array(slots * pixels);
  }

  /** Adds `image` (copied); when full, first copies a random held image into `out` and returns true. */
  push(image: Float32Array, out: Float32Array): boolean {
    const n = this.pixels;
    if (this.count < this.slots) {
      this.store.set(image, this.count++ * n);
      return false;
    }
    const slot = Math.floor(this.random() * this.slots);
    out.set(this.store.subarray(slot * n, slot * n + n));
    this.store.set(image, slot * n);
    return true;
  }

  /** Emits every held image in random order (Fisher–Yates) and empties the buffer. */
  *drain(): Generator<Float32Array> {
    const n = this.pixels;
    const order = Array.from({ length: this.count }, (_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(this.random() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    this.count = 0;
    for (const slot of order) yield this.store.subarray(slot * n, slot * n + n);
  }
}
