/**
 * The sasquash stream format: newline-delimited JSON, one header line then chunk lines,
 * each chunk carrying a little-endian typed-array payload in base64. Spec: docs/FORMAT.md.
 * @module
 */
import { crc32 } from "node:zlib";
import { FormatError } from "./errors.ts";

/** Format name written in every header line. */
export const FORMAT_NAME = "sasquash-ndjson";
/** Format version written in every header line (2: chunk CRCs, positions and a trailer). */
export const FORMAT_VERSION = 2;
/** Versions this reader accepts; version 1 has no checksums and cannot be verified. */
export const READABLE_VERSIONS: readonly number[] = [1, 2];
/** Most elements one item may have (`prod(shape)`): 2^24, a 4096×4096 image. */
export const MAX_ITEM_ELEMENTS = 2 ** 24;
/** Most dimensions a shape may have. */
export const MAX_DIMS = 8;

/** Element types a stream may carry. */
export type DType = "float32" | "float64" | "float16" | "int32" | "uint8";

/** Typed array matching each DType. */
export type TypedArrayOf = {
  float32: Float32Array;
  float64: Float64Array;
  float16: Float16Array;
  int32: Int32Array;
  uint8: Uint8Array;
};

/** Any array a chunk payload may be held in. */
export type ChunkData = TypedArrayOf[DType];

/** First line of every stream: what the chunks hold and where they came from. */
export interface StreamHeader {
  format: typeof FORMAT_NAME;
  version: number;
  dtype: DType;
  shape: number[];
  seed?: number;
  /** Detector grid: linspace `{qmax, size}`, axes `{qx, qy}` or per pixel `{height, width, qx, qy}`. */
  q?:
    | { qmax: number; size: number }
    | { qx: number[]; qy: number[] }
    | { height: number; width: number; qx: number[]; qy: number[] };
  generator?: { name: string; version: string };
  [key: string]: unknown;
}

/** What is known about one image: its model, parameters and reproducible seed. */
export interface ImageLabel {
  model?: string;
  params?: Record<string, number | string>;
  seed?: number;
  index?: number;
  polydisperse?: boolean;
  [key: string]: unknown;
}

/** A batch of `count` items of `shape`, stored flat in `data`, with one label per item. */
export interface Chunk {
  count: number;
  shape: number[];
  dtype: DType;
  labels: ImageLabel[];
  data: ChunkData;
}

/** The typed-array constructor of each DType. */
export const DTYPE_ARRAYS = {
  float32: Float32Array,
  float64: Float64Array,
  float16: Float16Array,
  int32: Int32Array,
  uint8: Uint8Array,
} as const;

if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) {
  throw new Error("sasquash needs a little-endian host");
}

/** Number of elements in one item of `shape`. */
export function itemSize(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Build a header for a stream of `shape`-sized items of `dtype`. */
export function makeHeader(
  shape: number[],
  extra: Partial<StreamHeader> = {},
  dtype: DType = "float32",
): StreamHeader {
  return { format: FORMAT_NAME, version: FORMAT_VERSION, dtype, shape, ...extra };
}

/** Build a chunk, checking that `data` holds exactly `labels.length` items of `shape`. */
export function makeChunk(shape: number[], data: ChunkData, labels: ImageLabel[]): Chunk {
  const dtype = dtypeOf(data);
  if (data.length !== labels.length * itemSize(shape)) {
    throw new FormatError(
      `chunk: ${labels.length} labels of shape [${shape}] need ${
        labels.length * itemSize(shape)
      } values, got ${data.length}`,
    );
  }
  return { count: labels.length, shape, dtype, labels, data };
}

/** The DType of a typed array. */
export function dtypeOf(data: ChunkData): DType {
  for (const [name, ctor] of Object.entries(DTYPE_ARRAYS)) {
    if (data instanceof ctor) return name as DType;
  }
  throw new FormatError(`unsupported array type ${Object.prototype.toString.call(data)}`);
}

/** Serialize a header to one JSON line (with newline). */
export function encodeHeaderLine(header: StreamHeader): string {
  return JSON.stringify(header) + "\n";
}

/** Where a chunk sits in its stream: index of its first item, and its header's CRC-32. */
export interface ChunkPosition {
  /** Global index of the chunk's first item (a shard's first chunk starts past 0). */
  at: number;
  /** {@linkcode headerCrc} of the stream's header line: binds the chunk to its stream. */
  seed: number;
}

/** CRC-32 of a header line without its newline: the seed of every chunk CRC of that stream. */
export function headerCrc(headerLine: string): number {
  return crc32(headerLine.endsWith("\n") ? headerLine.slice(0, -1) : headerLine);
}

const CRC_TAIL = /,"crc32":"([0-9a-f]{8})"\}$/;
const AT_TAIL = /,"at":(\d{1,16}),"crc32":"[0-9a-f]{8}"\}$/;

/** The `at` a version-2 chunk line claims (read before its CRC is checked), if any. */
export function chunkLineAt(line: string): number | undefined {
  const m = AT_TAIL.exec(line);
  return m ? Number(m[1]) : undefined;
}

/**
 * Serialize a chunk to one version-2 JSON line (with newline): payload little-endian, base64,
 * then `at` and a CRC-32 (seeded with the header's) of the line before `,"crc32"`.
 */
export function encodeChunkLine(chunk: Chunk, position: ChunkPosition): string {
  const bytes = new Uint8Array(chunk.data.buffer, chunk.data.byteOffset, chunk.data.byteLength);
  const body = JSON.stringify({
    count: chunk.count,
    shape: chunk.shape,
    dtype: chunk.dtype,
    labels: chunk.labels,
    data: bytes.toBase64(),
    at: position.at,
  }).slice(0, -1);
  return `${body},"crc32":"${hex32(crc32(body, position.seed))}"}\n`;
}

/** What the last line of a version-2 stream says about the lines before it. */
export interface StreamTrailer {
  /** Global index of the first item. */
  first: number;
  /** Items in the file. */
  items: number;
  /** Chunk lines in the file. */
  chunks: number;
  /** CRC-32 of every byte before the trailer line (header and chunk lines with newlines). */
  crc32: number;
}

/** Serialize a trailer line (with newline). */
export function encodeTrailerLine(t: StreamTrailer): string {
  return JSON.stringify({
    trailer: { first: t.first, items: t.items, chunks: t.chunks, crc32: hex32(t.crc32) },
  }) + "\n";
}

/** Whether a version-2 line is the trailer (it starts with `{"trailer":`). */
export function isTrailerLine(line: string): boolean {
  return line.startsWith('{"trailer":');
}

/** Parse a trailer line; `where` is "file:line". */
export function parseTrailerLine(line: string, where: string): StreamTrailer {
  const obj = parseJson(line, where);
  const t = obj.trailer as Record<string, unknown>;
  const ok = Object.keys(obj).length === 1 && typeof t === "object" && t !== null &&
    ["first", "items", "chunks"].every((k) =>
      Number.isSafeInteger(t[k]) && (t[k] as number) >= 0
    ) &&
    typeof t.crc32 === "string" && /^[0-9a-f]{8}$/.test(t.crc32);
  if (!ok) throw new FormatError(`${where}: malformed trailer line`);
  return {
    first: t.first as number,
    items: t.items as number,
    chunks: t.chunks as number,
    crc32: parseInt(t.crc32 as string, 16),
  };
}

/** Eight lowercase hex digits of an unsigned 32-bit value. */
export function hex32(value: number): string {
  return (value >>> 0).toString(16).padStart(8, "0");
}

function parseJson(line: string, where: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (e) {
    throw new FormatError(`${where}: not valid JSON (${(e as Error).message})`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new FormatError(`${where}: expected a JSON object`);
  }
  return value as Record<string, unknown>;
}

function checkShape(shape: unknown, where: string): number[] {
  if (
    !Array.isArray(shape) || shape.length > MAX_DIMS ||
    !shape.every((d) => Number.isInteger(d) && d > 0)
  ) {
    throw new FormatError(
      `${where}: "shape" must be an array of at most ${MAX_DIMS} positive integers`,
    );
  }
  if (itemSize(shape) > MAX_ITEM_ELEMENTS) {
    throw new FormatError(
      `${where}: "shape" [${shape}] has ${itemSize(shape)} elements an item, ` +
        `more than the limit ${MAX_ITEM_ELEMENTS}`,
    );
  }
  return shape as number[];
}

function checkDtype(dtype: unknown, where: string): DType {
  if (typeof dtype !== "string" || !Object.hasOwn(DTYPE_ARRAYS, dtype)) {
    throw new FormatError(
      `${where}: "dtype" must be one of ${Object.keys(DTYPE_ARRAYS).join(", ")}, got ${
        JSON.stringify(dtype)
      }`,
    );
  }
  return dtype as DType;
}

/** Parse and validate a header line; `where` is "file:line" for messages. */
export function parseHeaderLine(line: string, where: string): StreamHeader {
  const obj = parseJson(line, where);
  if (obj.format !== FORMAT_NAME) {
    throw new FormatError(
      `${where}: first line must be a ${FORMAT_NAME} header, got format ${
        JSON.stringify(obj.format)
      }`,
    );
  }
  if (typeof obj.version !== "number" || !READABLE_VERSIONS.includes(obj.version)) {
    throw new FormatError(
      `${where}: unsupported version ${JSON.stringify(obj.version)} (this reader: ${
        READABLE_VERSIONS.join(", ")
      })`,
    );
  }
  checkShape(obj.shape, where);
  checkDtype(obj.dtype, where);
  return obj as StreamHeader;
}

const V1_KEYS = ["count", "shape", "dtype", "labels", "data"];
const V2_KEYS = [...V1_KEYS, "at", "crc32"];

/**
 * Parse and validate a chunk line against its header; `where` is "file:line". A version-2 line
 * must carry `position` (its `at` and a CRC seeded with `position.seed`); sizes are checked
 * against the bytes present before anything is allocated.
 */
export function parseChunkLine(
  line: string,
  where: string,
  header: StreamHeader,
  position?: ChunkPosition,
): Chunk {
  if (header.version !== 1) {
    const m = CRC_TAIL.exec(line);
    if (!m) throw new FormatError(`${where}: chunk line has no "crc32" at its end`);
    if (position === undefined) throw new Error("parseChunkLine: a v2 chunk needs its position");
    const body = line.slice(0, m.index);
    if (crc32(body, position.seed) !== parseInt(m[1], 16)) {
      throw new FormatError(
        `${where}: chunk CRC mismatch (corrupt line, or a line from another stream)`,
      );
    }
  }
  const obj = parseJson(line, where);
  const allowed = header.version === 1 ? V1_KEYS : V2_KEYS;
  const unknown = Object.keys(obj).find((k) => !allowed.includes(k));
  if (unknown !== undefined) {
    throw new FormatError(`${where}: unknown chunk field ${JSON.stringify(unknown)}`);
  }
  const shape = checkShape(obj.shape, where);
  const dtype = checkDtype(obj.dtype, where);
  if (dtype !== header.dtype || shape.join() !== header.shape.join()) {
    throw new FormatError(
      `${where}: chunk is ${dtype}[${shape}] but the header says ${header.dtype}[${header.shape}]`,
    );
  }
  if (header.version !== 1 && obj.at !== position!.at) {
    throw new FormatError(
      `${where}: chunk starts at item ${JSON.stringify(obj.at)}, expected ${position!.at} ` +
        `(a chunk line is missing, repeated or out of order)`,
    );
  }
  const labels = obj.labels;
  if (!Array.isArray(labels)) throw new FormatError(`${where}: "labels" must be an array`);
  const count = obj.count;
  if (count !== labels.length) {
    throw new FormatError(`${where}: "count" must equal the number of labels (${labels.length})`);
  }
  if (!labels.every((l) => typeof l === "object" && l !== null && !Array.isArray(l))) {
    throw new FormatError(`${where}: every label must be a JSON object`);
  }
  if (typeof obj.data !== "string") {
    throw new FormatError(`${where}: "data" must be a base64 string`);
  }
  const ctor = DTYPE_ARRAYS[dtype];
  const expected = labels.length * itemSize(shape) * ctor.BYTES_PER_ELEMENT;
  if (obj.data.length !== 4 * Math.ceil(expected / 3)) {
    throw new FormatError(
      `${where}: "data" holds ${base64Bytes(obj.data)} bytes, expected ${expected} ` +
        `(${count} × [${shape}] ${dtype}); the line may be truncated`,
    );
  }
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = Uint8Array.fromBase64(obj.data);
  } catch {
    throw new FormatError(`${where}: "data" is not valid base64`);
  }
  if (bytes.byteLength !== expected) {
    throw new FormatError(`${where}: "data" holds ${bytes.byteLength} bytes, expected ${expected}`);
  }
  const data = new ctor(bytes.buffer, bytes.byteOffset, bytes.byteLength / ctor.BYTES_PER_ELEMENT);
  return { count: labels.length, shape, dtype, labels: labels as ImageLabel[], data };
}

/** Bytes a base64 string of this length decodes to (padding counted off). */
function base64Bytes(text: string): number {
  const pad = text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0;
  return Math.max(0, Math.floor(text.length * 3 / 4) - pad);
}

/** The element types that hold images (the others, int32 and uint8, hold labels or bytes). */
export const FLOAT_DTYPES: readonly DType[] = ["float32", "float64", "float16"];

/**
 * The images of a chunk as float32 [count × pixels], the one conversion that train, compress
 * and evaluate share: float16/float64 are converted, any other dtype or a shape other than
 * `imageShape` is a FormatError naming `source`.
 */
export function chunkToFloat32(
  chunk: Chunk,
  imageShape: readonly number[],
  source: string,
): Float32Array {
  if (chunk.shape.join() !== imageShape.join()) {
    throw new FormatError(
      `${source}: images are [${chunk.shape}], the model expects [${imageShape}]`,
    );
  }
  if (!FLOAT_DTYPES.includes(chunk.dtype)) {
    throw new FormatError(`${source}: images are ${chunk.dtype}, expected a float type`);
  }
  return chunk.data instanceof Float32Array ? chunk.data : Float32Array.from(chunk.data);
}

/** SHA-256 (hex) of a header's JSON: ties a trained model to the stream it was trained on. */
export async function headerSha256(header: StreamHeader): Promise<string> {
  const bytes = new TextEncoder().encode(JSON.stringify(header));
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}
