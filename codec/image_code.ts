/**
 * One image's code bytes: the input transform's per-image side information (an int16, little
 * endian, when the model's transform has one; see models/transform.ts) followed by the sparse
 * code of z. Which layout a file uses follows from its model, which the `.sqz` header names.
 * @module
 */

import { FormatError } from "../pipeline/errors.ts";

/** Prefixes the sparse code with `sideBytes` bytes of side information (0 or 2). */
export function joinImageCode(scale: number, sideBytes: number, sparse: Uint8Array): Uint8Array {
  if (sideBytes === 0) return sparse;
  const out = new Uint8Array(2 + sparse.length);
  new DataView(out.buffer).setInt16(0, scale, true);
  out.set(sparse, 2);
  return out;
}

/** Splits a code into its side information and its sparse code; FormatError names `where`. */
export function splitImageCode(
  code: Uint8Array,
  sideBytes: number,
  where: string,
): { scale: number; sparse: Uint8Array } {
  if (sideBytes === 0) return { scale: 0, sparse: code };
  if (code.length < 2) {
    throw new FormatError(`${where}: code of ${code.length} bytes lacks its 2-byte image scale`);
  }
  const scale = new DataView(code.buffer, code.byteOffset, 2).getInt16(0, true);
  return { scale, sparse: code.subarray(2) };
}
