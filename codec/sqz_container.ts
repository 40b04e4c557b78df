/**
 * The `.sqz` container: header, then records `[u32 length][payload][u32 CRC-32]`, then an end
 * record (length 0, record count, CRC) so that truncation at a record boundary is detected.
 * Payload = LEB128 label length, label JSON (UTF-8, may be empty), code bytes.
 * The CRC of a record covers its length field and payload.
 * @module
 */

import { crc32 } from "node:zlib";
import { CodecModelError, FormatError, TrainedModelError } from "../pipeline/errors.ts";
import {
  decodeSqzHeader,
  encodeSqzHeader,
  hexId,
  type SqzHeader,
  sqzHeaderLength,
  sqzRecordSeed,
  sqzVersion,
} from "./sqz_header.ts";

/** Largest record payload accepted (guards against a corrupt length asking for gigabytes). */
export const MAX_RECORD_BYTES = 1 << 26;

/** What a writer takes per image: the sparse code and an optional JSON label. */
export interface SqzInput {
  /** Sparse-code bytes from `encodeLatent`. */
  code: Uint8Array;
  /** Any JSON-serializable object (e.g. the generator parameters). */
  label?: Record<string, unknown>;
}

/** One record as read back, numbered from 0. */
export interface SqzRecord extends SqzInput {
  /** Position of the record in the file. */
  index: number;
}

/** Options of the readers. */
export interface SqzReadOptions {
  /** Name used in error messages (the file name); default "sqz stream". */
  name?: string;
  /** Model id the file must have been written with; otherwise TrainedModelError. */
  expectModelId?: Uint8Array;
  /** Gap model id the file must have been written with; otherwise CodecModelError. */
  expectGapModelId?: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/**
 * Serializes one record; `seed` is {@linkcode sqzRecordSeed} of its header and index (version 2),
 * 0 for a version-1 record.
 */
export function encodeSqzRecord(input: SqzInput, seed = 0): Uint8Array {
  const label = input.label === undefined
    ? new Uint8Array(0)
    : encoder.encode(JSON.stringify(input.label));
  let varintLength = 1;
  while (label.length >= 2 ** (7 * varintLength)) varintLength++;
  const payload = varintLength + label.length + input.code.length;
  if (payload > MAX_RECORD_BYTES) {
    throw new FormatError(`sqz record: ${payload} bytes > ${MAX_RECORD_BYTES}`);
  }
  const bytes = new Uint8Array(payload + 8);
  const v = new DataView(bytes.buffer);
  v.setUint32(0, payload, true);
  let p = 4;
  let rest = label.length;
  for (; rest >= 0x80; rest = Math.floor(rest / 128)) bytes[p++] = (rest & 0x7f) | 0x80;
  bytes[p++] = rest;
  bytes.set(label, p);
  bytes.set(input.code, p + label.length);
  v.setUint32(payload + 4, crc32(bytes.subarray(0, payload + 4), seed), true);
  return bytes;
}

/** Serializes the end record after `count` records (`seed` as for the record at `count`). */
export function encodeSqzEnd(count: number, seed = 0): Uint8Array {
  const bytes = new Uint8Array(12);
  const v = new DataView(bytes.buffer);
  v.setUint32(4, count, true);
  v.setUint32(8, crc32(bytes.subarray(0, 8), seed), true);
  return bytes;
}

/** Seeds of the record CRCs of a file with these header bytes (all 0 in version 1). */
function recordSeeds(header: Uint8Array): (index: number) => number {
  return sqzVersion(header) === 1 ? () => 0 : (index) => sqzRecordSeed(header, index);
}

/**
 * Seed of the end record's CRC: in version 2 it also covers `chain`, the CRC-32 of every record's
 * length and payload in order (not its CRC: a message followed by its CRC would cancel out of a
 * CRC), so records of another file with the same header are refused at the end.
 */
export function sqzEndSeed(header: Uint8Array, count: number, chain: number): number {
  if (sqzVersion(header) === 1) return 0;
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, chain, true);
  return crc32(bytes, sqzRecordSeed(header, count));
}

/** Serializes a whole `.sqz` file in memory (`version` 1 only to make old-file fixtures). */
export function encodeSqz(
  header: SqzHeader,
  inputs: Iterable<SqzInput>,
  version?: number,
): Uint8Array {
  const head = encodeSqzHeader(header, version);
  const seed = recordSeeds(head);
  const parts = [head];
  let chain = 0;
  for (const input of inputs) {
    const record = encodeSqzRecord(input, seed(parts.length - 1));
    chain = crc32(record.subarray(0, record.length - 4), chain);
    parts.push(record);
  }
  parts.push(encodeSqzEnd(parts.length - 1, sqzEndSeed(head, parts.length - 1, chain)));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) at += (out.set(p, at), p.length);
  return out;
}

/** Parses a whole `.sqz` file in memory. */
export function decodeSqz(
  bytes: Uint8Array,
  opts: SqzReadOptions = {},
): { header: SqzHeader; records: SqzRecord[] } {
  const records: SqzRecord[] = [];
  const parser = new SqzParser(opts);
  parser.push(bytes, (r) => records.push(r));
  parser.end();
  return { header: parser.header!, records };
}

/** Incremental `.sqz` parser fed with byte chunks of any size; used by both readers. */
export class SqzParser {
  /** The parsed header, once its bytes have arrived. */
  header: SqzHeader | null = null;
  #opts: SqzReadOptions;
  #name: string;
  /** Unparsed input chunks, joined once enough bytes for the next item have arrived. */
  #pending: Uint8Array[] = [];
  #have = 0; // bytes in #pending
  #want = 0; // bytes the next item needs before parsing is worth trying
  #offset = 0; // file offset of the first unparsed byte
  #index = 0;
  #done = false;
  #seed: (index: number) => number = () => 0;
  #headerBytes = new Uint8Array(0);
  #chain = 0; // CRC-32 of the records so far

  /** Creates a parser; see {@link SqzReadOptions}. */
  constructor(opts: SqzReadOptions = {}) {
    this.#opts = opts;
    this.#name = opts.name ?? "sqz stream";
  }

  /** Consumes a chunk, calling `emit` for each complete record. */
  push(chunk: Uint8Array, emit: (record: SqzRecord) => void): void {
    if (chunk.length === 0) return;
    this.#pending.push(chunk);
    this.#have += chunk.length;
    if (this.#have < this.#want) return; // a long record still arriving: no copy per chunk
    const data = this.#pending.length === 1 ? this.#pending[0] : concat(this.#pending, this.#have);
    this.#want = 0;
    let p = 0;
    for (;;) {
      const used = this.#step(data, p, emit);
      if (used === 0) break;
      p += used;
      this.#offset += used;
    }
    this.#pending = p < data.length ? [data.slice(p)] : [];
    this.#have = data.length - p;
  }

  /** Records that the next item needs `bytes` bytes in all; returns 0 (nothing parsed). */
  #wait(bytes: number): number {
    this.#want = bytes;
    return 0;
  }

  /** Declares the end of input; throws FormatError if the file is incomplete. */
  end(): void {
    if (this.#done) return;
    const have = this.#have;
    if (this.header === null) {
      throw new FormatError(`${this.#name}: truncated header (${have} bytes)`);
    }
    if (have > 0) throw this.#fail(`truncated record (${have} bytes present)`);
    throw this.#fail("missing end record (file truncated?)");
  }

  /** Parses one item at data[p]; returns the bytes used, or 0 when more input is needed. */
  #step(data: Uint8Array, p: number, emit: (record: SqzRecord) => void): number {
    const avail = data.length - p;
    if (this.#done) {
      if (avail > 0) {
        throw new FormatError(
          `${this.#name}: ${avail} bytes after the end record at byte ${this.#offset}`,
        );
      }
      return 0;
    }
    if (this.header === null) return this.#stepHeader(data, p, avail);
    if (avail < 4) return this.#wait(4);
    const v = new DataView(data.buffer, data.byteOffset + p, avail);
    const length = v.getUint32(0, true);
    if (length === 0) return avail < 12 ? this.#wait(12) : this.#stepEnd(data, p, v);
    if (length > MAX_RECORD_BYTES) {
      throw this.#fail(`record length ${length} > ${MAX_RECORD_BYTES}`);
    }
    if (avail < length + 8) return this.#wait(length + 8);
    const seed = this.#seed(this.#index);
    if (crc32(data.subarray(p, p + 4 + length), seed) !== v.getUint32(4 + length, true)) {
      throw this.#fail("CRC mismatch (corrupt, moved, or from another file)");
    }
    this.#chain = crc32(data.subarray(p, p + 4 + length), this.#chain);
    emit(this.#record(data.subarray(p + 4, p + 4 + length)));
    this.#index++;
    return length + 8;
  }

  #stepHeader(data: Uint8Array, p: number, avail: number): number {
    if (avail < 8) return this.#wait(8);
    const length = sqzHeaderLength(data.subarray(p, p + 8), this.#name);
    if (avail < length) return this.#wait(length);
    const header = decodeSqzHeader(data.subarray(p, p + length), this.#name);
    const { expectModelId, expectGapModelId } = this.#opts;
    if (expectModelId !== undefined && hexId(expectModelId) !== hexId(header.modelId)) {
      throw new TrainedModelError(
        `${this.#name}: made with model ${hexId(header.modelId)}, not ${hexId(expectModelId)}`,
      );
    }
    if (expectGapModelId !== undefined && expectGapModelId !== header.gapModelId) {
      throw new CodecModelError(
        `${this.#name}: made with gap model ${header.gapModelId}, not ${expectGapModelId}`,
      );
    }
    this.header = header;
    this.#headerBytes = data.slice(p, p + length);
    this.#seed = recordSeeds(this.#headerBytes);
    return length;
  }

  #stepEnd(data: Uint8Array, p: number, v: DataView): number {
    const seed = sqzEndSeed(this.#headerBytes, this.#index, this.#chain);
    if (crc32(data.subarray(p, p + 8), seed) !== v.getUint32(8, true)) {
      throw this.#fail("end record CRC mismatch");
    }
    const count = v.getUint32(4, true);
    if (count !== this.#index) {
      throw this.#fail(`end record counts ${count} records, found ${this.#index}`);
    }
    this.#done = true;
    return 12;
  }

  #record(payload: Uint8Array): SqzRecord {
    let labelLength = 0;
    let q = 0;
    for (let shift = 1;; shift *= 128) {
      if (q >= payload.length || q >= 4) throw this.#fail("bad label length");
      const b = payload[q++];
      labelLength += (b & 0x7f) * shift;
      if (b < 0x80) break;
    }
    if (labelLength > payload.length - q) {
      throw this.#fail(`label length ${labelLength} overruns the record`);
    }
    const record: SqzRecord = { index: this.#index, code: payload.slice(q + labelLength) };
    if (labelLength > 0) {
      try {
        record.label = JSON.parse(decoder.decode(payload.subarray(q, q + labelLength)));
      } catch (e) {
        throw this.#fail(`label is not JSON (${(e as Error).message})`);
      }
    }
    return record;
  }

  #fail(message: string): FormatError {
    return new FormatError(
      `${this.#name}: record ${this.#index} at byte ${this.#offset}: ${message}`,
    );
  }
}

/** Turns `{code, label}` items into the bytes of a `.sqz` file (header first, end record last). */
export class SqzWriterStream extends TransformStream<SqzInput, Uint8Array> {
  /** Creates a writer for codes described by `header`. */
  constructor(header: SqzHeader) {
    let count = 0;
    let chain = 0;
    const head = encodeSqzHeader(header);
    const seed = recordSeeds(head);
    super({
      start: (controller) => controller.enqueue(head),
      transform: (input, controller) => {
        const record = encodeSqzRecord(input, seed(count));
        chain = crc32(record.subarray(0, record.length - 4), chain);
        controller.enqueue(record);
        count++;
      },
      flush: (controller) =>
        controller.enqueue(encodeSqzEnd(count, sqzEndSeed(head, count, chain))),
    });
  }
}

/** Parses `.sqz` bytes in chunks of any size into records; `header` resolves once it is read. */
export class SqzReaderStream extends TransformStream<Uint8Array, SqzRecord> {
  /** The file header; rejects with the stream's error if the header is bad or missing. */
  readonly header: Promise<SqzHeader>;

  /** Creates a reader; see {@link SqzReadOptions}. */
  constructor(opts: SqzReadOptions = {}) {
    const parser = new SqzParser(opts);
    const { promise, resolve, reject } = Promise.withResolvers<SqzHeader>();
    promise.catch(() => {}); // the stream reports the same error; avoid an unhandled rejection
    const guard = (work: () => void) => {
      try {
        work();
        if (parser.header !== null) resolve(parser.header);
      } catch (e) {
        reject(e);
        throw e;
      }
    };
    super({
      transform: (chunk, controller) =>
        guard(() => parser.push(chunk, (r) => controller.enqueue(r))),
      flush: () => guard(() => parser.end()),
    });
    this.header = promise;
  }
}

/** The chunks joined into one array of `length` bytes. */
function concat(chunks: Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let at = 0;
  for (const c of chunks) out.set(c, at), at += c.length;
  return out;
}
