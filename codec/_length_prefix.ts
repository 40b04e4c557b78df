/**
 * `LEB128 L · L bytes · rest`: how bounded records and label blocks put a variable-length part
 * in front of a code (private to `codec/`).
 * @module
 */

import { FormatError } from "../pipeline/errors.ts";

/** Joins `first` (with its length in LEB128) and `rest`. */
export function prefixWithLength(first: Uint8Array, rest: Uint8Array): Uint8Array {
  const head: number[] = [];
  let n = first.length;
  for (; n >= 0x80; n = Math.floor(n / 128)) head.push((n & 0x7f) | 0x80);
  head.push(n);
  const out = new Uint8Array(head.length + first.length + rest.length);
  out.set(head);
  out.set(first, head.length);
  out.set(rest, head.length + first.length);
  return out;
}

/** Splits what {@link prefixWithLength} joined; FormatError names `where` and `what`. */
export function splitAtLength(
  bytes: Uint8Array,
  where: string,
  what: string,
): { first: Uint8Array; rest: Uint8Array } {
  let length = 0;
  let q = 0;
  for (let shift = 1;; shift *= 128) {
    if (q >= bytes.length || q >= 4) throw new FormatError(`${where}: bad ${what} length`);
    const b = bytes[q++];
    length += (b & 0x7f) * shift;
    if (b < 0x80) break;
  }
  if (length > bytes.length - q) {
    throw new FormatError(`${where}: ${what} of ${length} bytes overruns the record`);
  }
  return { first: bytes.subarray(q, q + length), rest: bytes.subarray(q + length) };
}
