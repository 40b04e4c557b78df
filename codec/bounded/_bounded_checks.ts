/** Argument checks of the bounded codec's entry points (private to `codec/bounded/`). @module */

import { FormatError, UsageError } from "../../pipeline/errors.ts";

/** Checks the grid and the image length; returns the pixel count. */
export function checkShape(image: Float32Array, height: number, width: number): number {
  for (const [name, v] of [["height", height], ["width", width]] as const) {
    if (!Number.isInteger(v) || v < 1 || v > 2 ** 16) {
      throw new UsageError(`${name} must be an integer in [1, 65536], got ${v}`);
    }
  }
  const n = height * width;
  if (n > 2 ** 28) throw new UsageError(`${height} × ${width} is over 2^28 pixels`);
  if (image.length !== n) {
    throw new UsageError(`image has ${image.length} values, expected ${height} × ${width} = ${n}`);
  }
  return n;
}

/** Rejects NaN and ±Infinity outside the mask, naming the pixel. */
export function checkImage(image: Float32Array, width: number, mask: Uint8Array | null): void {
  for (let i = 0; i < image.length; i++) {
    if (!Number.isFinite(image[i]) && (mask === null || mask[i] === 0)) {
      const where = `row ${Math.floor(i / width)}, column ${i % width}`;
      throw new FormatError(
        `image pixel ${i} (${where}) is ${image[i]}; only masked pixels may be non-finite`,
      );
    }
  }
}

/** Checks length and finiteness of a per-pixel array (`what` names it in errors). */
export function checkArray(a: Float32Array, n: number, what: string): void {
  if (a.length !== n) throw new UsageError(`${what} has ${a.length} values, expected ${n}`);
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(a[i])) throw new FormatError(`${what} pixel ${i} is ${a[i]}`);
  }
}

/** Checks per-pixel tolerances: finite and ≥ 0. */
export function checkTolerance(t: Float32Array, n: number): Float32Array {
  checkArray(t, n, "tolerance");
  for (let i = 0; i < n; i++) {
    if (!(t[i] >= 0)) throw new FormatError(`tolerance pixel ${i} is ${t[i]}, expected ≥ 0`);
  }
  return t;
}
