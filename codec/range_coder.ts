/**
 * Byte-oriented range coder (32-bit range, 33-bit low with carry propagation through a cached
 * byte, as in LZMA's rc) for symbols under static cumulative-frequency tables.
 *
 * Stream properties that the decoder checks:
 * - the implicit leading zero byte of LZMA's coder is not written;
 * - `finish()` writes only the 0–4 bytes needed to pin a value inside the final interval, and
 *   the decoder reads missing bytes as zeros, at most {@link MAX_PADDING} of them;
 * - a slot outside the table, a read past that padding, or unread bytes left over is a
 *   {@link FormatError}, so garbage never loops forever or reads out of bounds.
 * @module
 */

import { FormatError } from "../pipeline/errors.ts";

/** Largest cumulative-frequency total a table may use (the range stays ≥ 2^24 ≥ 256·total). */
export const MAX_TOTAL = 1 << 16;
/** Bytes past the end of the input the decoder may read as zeros (the unwritten flush tail). */
export const MAX_PADDING = 4;

const TOP = 1 << 24;
const TWO32 = 0x100000000;

/** Encodes symbols and raw bits into a growable byte buffer; reusable via `reset()`. */
export class RangeEncoder {
  #out: Uint8Array;
  #pos = 0;
  #low = 0;
  #range = 0xffffffff;
  #cache = 0;
  #cacheSize = 1;
  #skipFirst = true;

  /** Creates an encoder whose buffer starts at `capacity` bytes and doubles when full. */
  constructor(capacity = 256) {
    this.#out = new Uint8Array(Math.max(16, capacity));
  }

  /** Starts a new, empty stream, keeping the buffer. */
  reset(): void {
    this.#pos = 0;
    this.#low = 0;
    this.#range = 0xffffffff;
    this.#cache = 0;
    this.#cacheSize = 1;
    this.#skipFirst = true;
  }

  /** Encodes the symbol occupying slots [start, start + freq) of a table summing to `total`. */
  encode(start: number, freq: number, total: number): void {
    const r = Math.floor(this.#range / total);
    this.#low += start * r;
    this.#range = freq * r;
    while (this.#range < TOP) {
      this.#range = (this.#range * 256) >>> 0;
      this.#shiftLow();
    }
  }

  /** Encodes the low `nbits` (1–16) bits of `value` under a uniform model. */
  encodeBits(value: number, nbits: number): void {
    const r = this.#range >>> nbits;
    this.#low += value * r;
    this.#range = r;
    while (this.#range < TOP) {
      this.#range = (this.#range * 256) >>> 0;
      this.#shiftLow();
    }
  }

  /** Ends the stream and returns a copy of its bytes; call `reset()` before reusing. */
  finish(): Uint8Array {
    // Smallest k such that low rounded up to a multiple of 2^(32-8k) stays inside the interval.
    let k = 0;
    let v = 0;
    for (; k <= 4; k++) {
      const unit = 2 ** (32 - 8 * k);
      v = Math.ceil(this.#low / unit) * unit;
      if (v < this.#low + this.#range) break;
    }
    this.#low = v;
    for (let i = 0; i <= k; i++) this.#shiftLow();
    return this.#out.slice(0, this.#pos);
  }

  #shiftLow(): void {
    const low = this.#low;
    if (low < 0xff000000 || low >= TWO32) {
      const carry = low >= TWO32 ? 1 : 0;
      let temp = this.#cache;
      do {
        if (this.#skipFirst) this.#skipFirst = false;
        else this.#write((temp + carry) & 0xff);
        temp = 0xff;
      } while (--this.#cacheSize !== 0);
      this.#cache = Math.floor(low / TOP) & 0xff;
    }
    this.#cacheSize++;
    this.#low = (low % TOP) * 256;
  }

  #write(byte: number): void {
    if (this.#pos === this.#out.length) {
      const grown = new Uint8Array(this.#out.length * 2);
      grown.set(this.#out);
      this.#out = grown;
    }
    this.#out[this.#pos++] = byte;
  }
}

/** Decodes what {@link RangeEncoder} wrote; every inconsistency throws {@link FormatError}. */
export class RangeDecoder {
  #buf: Uint8Array;
  #pos: number;
  #end: number;
  #code = 0;
  #range = 0xffffffff;
  #r = 0;

  /** Starts decoding `buf[start, end)`. */
  constructor(buf: Uint8Array, start = 0, end = buf.length) {
    this.#buf = buf;
    this.#pos = start;
    this.#end = end;
    for (let i = 0; i < 4; i++) this.#code = this.#code * 256 + this.#next();
  }

  /** Returns the slot (0 ≤ slot < total) of the next symbol; follow with `consume`. */
  decodeSlot(total: number): number {
    this.#r = Math.floor(this.#range / total);
    const slot = Math.floor(this.#code / this.#r);
    if (slot >= total) throw new FormatError(`range code: slot ${slot} outside table of ${total}`);
    return slot;
  }

  /** Removes the symbol [start, start + freq) found by the last `decodeSlot`. */
  consume(start: number, freq: number): void {
    this.#code -= start * this.#r;
    this.#range = freq * this.#r;
    while (this.#range < TOP) {
      this.#range = (this.#range * 256) >>> 0;
      this.#code = this.#code * 256 + this.#next();
    }
  }

  /** Decodes `nbits` (1–16) raw bits written by `encodeBits`. */
  decodeBits(nbits: number): number {
    const r = this.#range >>> nbits;
    const value = Math.floor(this.#code / r);
    if (value >= 2 ** nbits) throw new FormatError(`range code: ${nbits}-bit field overflows`);
    this.#code -= value * r;
    this.#range = r;
    while (this.#range < TOP) {
      this.#range = (this.#range * 256) >>> 0;
      this.#code = this.#code * 256 + this.#next();
    }
    return value;
  }

  /** Checks that the whole input was read (no trailing garbage). */
  finish(): void {
    if (this.#pos < this.#end) {
      throw new FormatError(`range code: ${this.#end - this.#pos} unread trailing bytes`);
    }
  }

  #next(): number {
    const pos = this.#pos++;
    if (pos < this.#end) return this.#buf[pos];
    if (pos >= this.#end + MAX_PADDING) {
      throw new FormatError(`range code: read past end of ${this.#end} bytes`);
    }
    return 0;
  }
}
