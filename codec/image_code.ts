/**
 * One image's code bytes: the input transform's per-image side information (an int16, little
 * endian, when the model's transform has one; see models/transform.ts) followed by the sparse
 * code of z. Which layout a file uses follows from its model, which the `.sqz` header names.
 *
 * In a file whose header sets `isotropy`, the int16 holds 2·scale + flag, the flag saying the image
 * is decoded isotropic (models/isotropy.ts): no byte more, and scales stay within ±64 decades of
 * intensity (float32 spans 83).
 * @module
 */

import { FormatError } from "../pipeline/errors.ts";

/**
 * Prefixes the sparse code with `sideBytes` bytes of side information (0 or 2); `isotropic` (0 or
 * 1), when given, is packed with the scale.
 */
export function joinImageCode(
  scale: number,
  sideBytes: number,
  sparse: Uint8Array,
  isotropic?: number,
): Uint8Array {
  if (sideBytes === 0) {
    if (isotropic !== undefined) {
      throw new Error("joinImageCode: an isotropy flag needs side bytes");
    }
    return sparse;
  }
  const packed = isotropic === undefined ? scale : 2 * scale + (isotropic ? 1 : 0);
  if (packed < -32768 || packed > 32767) {
    throw new FormatError(`image scale ${scale} is out of range with an isotropy flag`);
  }
  const out = new Uint8Array(2 + sparse.length);
  new DataView(out.buffer).setInt16(0, packed, true);
  out.set(sparse, 2);
  return out;
}

/**
 * Splits a code into its side information and its sparse code; with `flagged` (the header's
 * `isotropy`) the int16 also holds the isotropy flag. FormatError names `where`.
 */
export function splitImageCode(
  code: Uint8Array,
  sideBytes: number,
  where: string,
  flagged = false,
): { scale: number; sparse: Uint8Array; isotropic: number } {
  if (sideBytes === 0) return { scale: 0, sparse: code, isotropic: 0 };
  if (code.length < 2) {
    throw new FormatError(`${where}: code of ${code.length} bytes lacks its 2-byte image scale`);
  }
  const packed = new DataView(code.buffer, code.byteOffset, 2).getInt16(0, true);
  // An arithmetic shift: −5 = 2·(−3) + 1.
  return flagged
    ? { scale: packed >> 1, sparse: code.subarray(2), isotropic: packed & 1 }
    : { scale: packed, sparse: code.subarray(2), isotropic: 0 };
}
