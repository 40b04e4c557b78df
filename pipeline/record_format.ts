/**
 * The sasquash stream format: newline-delimited JSON, one header line then chunk lines,
 * each chunk carrying a little-endian typed-array payload in base64. Spec: docs/FORMAT.md.
 * @module
 */
import { FormatError } from "./errors.ts";

/** Format name written in every header line. */
export const FORMAT_NAME = "sasquash-ndjson";
/** Format version written in every header line. */
export const FORMAT_VERSION = 1;

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
  q?: { qmax: number; size: number };
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

/** Serialize a chunk to one JSON line (with newline): payload little-endian, base64. */
export function encodeChunkLine(chunk: Chunk): string {
  const bytes = new Uint8Array(chunk.data.buffer, chunk.data.byteOffset, chunk.data.byteLength);
  return JSON.stringify({
    count: chunk.count,
    shape: chunk.shape,
    dtype: chunk.dtype,
    labels: chunk.labels,
    data: bytes.toBase64(),
  }) + "\n";
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
    !Array.isArray(shape) ||
    !shape.every((d) => Number.isInteger(d) && d > 0)
  ) {
    throw new FormatError(`${where}: "shape" must be an array of positive integers`);
  }
  return shape as number[];
}

function checkDtype(dtype: unknown, where: string): DType {
  if (typeof dtype !== "string" || !(dtype in DTYPE_ARRAYS)) {
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
  if (obj.version !== FORMAT_VERSION) {
    throw new FormatError(
      `${where}: unsupported version ${
        JSON.stringify(obj.version)
      } (this reader: ${FORMAT_VERSION})`,
    );
  }
  checkShape(obj.shape, where);
  checkDtype(obj.dtype, where);
  return obj as StreamHeader;
}

/** Parse and validate a chunk line against its header; `where` is "file:line". */
export function parseChunkLine(line: string, where: string, header: StreamHeader): Chunk {
  const obj = parseJson(line, where);
  const shape = checkShape(obj.shape, where);
  const dtype = checkDtype(obj.dtype, where);
  if (dtype !== header.dtype || shape.join() !== header.shape.join()) {
    throw new FormatError(
      `${where}: chunk is ${dtype}[${shape}] but the header says ${header.dtype}[${header.shape}]`,
    );
  }
  const count = obj.count;
  if (!Number.isInteger(count) || (count as number) < 0) {
    throw new FormatError(`${where}: "count" must be a non-negative integer`);
  }
  const labels = obj.labels ?? Array.from({ length: count as number }, () => ({}));
  if (!Array.isArray(labels) || labels.length !== count) {
    throw new FormatError(`${where}: "labels" must be an array of ${count} objects`);
  }
  if (typeof obj.data !== "string") {
    throw new FormatError(`${where}: "data" must be a base64 string`);
  }
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = Uint8Array.fromBase64(obj.data);
  } catch {
    throw new FormatError(`${where}: "data" is not valid base64`);
  }
  const ctor = DTYPE_ARRAYS[dtype];
  const expected = (count as number) * itemSize(shape) * ctor.BYTES_PER_ELEMENT;
  if (bytes.byteLength !== expected) {
    throw new FormatError(
      `${where}: "data" holds ${bytes.byteLength} bytes, expected ${expected} ` +
        `(${count} × [${shape}] ${dtype}); the line may be truncated`,
    );
  }
  const data = new ctor(bytes.buffer, bytes.byteOffset, bytes.byteLength / ctor.BYTES_PER_ELEMENT);
  return { count: count as number, shape, dtype, labels: labels as ImageLabel[], data };
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
