/** Reading and writing numpy `.npy` arrays, so Python users can exchange data. @module */
import { atomicWritable, writeFileAtomic } from "./atomic_file.ts";
import { FormatError } from "./errors.ts";
import { openInput, readUpTo } from "./input_file.ts";
import {
  type Chunk,
  type ChunkData,
  type DType,
  DTYPE_ARRAYS,
  type ImageLabel,
  itemSize,
  makeChunk,
  makeHeader,
  type StreamHeader,
} from "./record_format.ts";
import type { RecordSource } from "./record_stream.ts";

const DESCR: Record<string, DType> = {
  "<f4": "float32",
  "<f8": "float64",
  "<f2": "float16",
  "<i4": "int32",
  "|u1": "uint8",
  "<u1": "uint8",
};

/** A decoded numpy array: C-order data with its shape. */
export interface NpyArray {
  shape: number[];
  dtype: DType;
  data: ChunkData;
}

/** Where a `.npy` file's data start and what they hold, from its first bytes. */
export interface NpyHeader {
  shape: number[];
  dtype: DType;
  /** Byte offset of the data. */
  dataOffset: number;
  /** Bytes of data the shape and dtype need. */
  dataBytes: number;
}

/**
 * Where the header dictionary of a `.npy` file starts and ends, from its first 10 bytes (version
 * 1) or 12 (versions 2 and 3, whose header length takes 4 bytes).
 */
function npyHeaderSpan(bytes: Uint8Array, name: string): { at: number; end: number } {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (bytes.length < 10 || !magic.every((b, i) => bytes[i] === b)) {
    throw new FormatError(`${name}: not a .npy file (bad magic)`);
  }
  const major = bytes[6];
  if (major < 1 || major > 3) throw new FormatError(`${name}: .npy version ${major} not supported`);
  if (major > 1 && bytes.length < 12) throw new FormatError(`${name}: truncated .npy header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return major === 1
    ? { at: 10, end: 10 + view.getUint16(8, true) }
    : { at: 12, end: 12 + view.getUint32(8, true) };
}

/**
 * Parse the header of a `.npy` file (versions 1–3, little-endian, C order) from its first bytes
 * (at least up to the end of the header).
 */
export function parseNpyHeader(bytes: Uint8Array, name = "<npy>"): NpyHeader {
  const { at, end } = npyHeaderSpan(bytes, name);
  if (end > bytes.length) throw new FormatError(`${name}: truncated .npy header`);
  const headerLen = end - at;
  const header = new TextDecoder().decode(bytes.subarray(at, at + headerLen));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shapeText === undefined) {
    throw new FormatError(`${name}: unreadable .npy header ${JSON.stringify(header.trim())}`);
  }
  const dtype = Object.hasOwn(DESCR, descr) ? DESCR[descr] : undefined;
  if (!dtype) {
    throw new FormatError(
      `${name}: dtype '${descr}' not supported (use ${Object.keys(DESCR).join(", ")})`,
    );
  }
  if (fortran === "True") {
    throw new FormatError(
      `${name}: Fortran-order arrays are not supported; save with np.ascontiguousarray`,
    );
  }
  const dims = shapeText.split(",").map((s) => s.trim()).filter((s) => s !== "");
  if (!dims.every((d) => /^\d{1,12}$/.test(d))) {
    throw new FormatError(`${name}: shape (${shapeText}) must hold non-negative integers`);
  }
  const shape = dims.map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  return {
    shape,
    dtype,
    dataOffset: at + headerLen,
    dataBytes: count * DTYPE_ARRAYS[dtype].BYTES_PER_ELEMENT,
  };
}

/** The FormatError of a file whose data part is not `needed` bytes long. */
function sizeError(name: string, shape: number[], needed: number, has: number): FormatError {
  const what = has < needed ? "truncated data" : "trailing bytes";
  return new FormatError(
    `${name}: ${what}: shape (${shape}) needs ${needed} bytes, file has ${has}`,
  );
}

/** Parse the bytes of a `.npy` file (versions 1–3, little-endian, C order). */
export function parseNpy(bytes: Uint8Array, name = "<npy>"): NpyArray {
  const { shape, dtype, dataOffset: start, dataBytes: needed } = parseNpyHeader(bytes, name);
  if (bytes.length - start !== needed) {
    throw sizeError(name, shape, needed, bytes.length - start);
  }
  const copy = bytes.slice(start, start + needed);
  return { shape, dtype, data: new DTYPE_ARRAYS[dtype](copy.buffer) };
}

/**
 * The header of a version-1 `.npy` file (magic, length, dictionary, padding) for `shape` and
 * `dtype`; with `size`, padded to that many bytes (a multiple of 64 long enough for the header),
 * so that a header written before the count is known can be overwritten in place.
 */
export function npyHeader(shape: number[], dtype: DType, size?: number): Uint8Array {
  const descr = Object.entries(DESCR).find(([, d]) => d === dtype)![0];
  const dims = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${dims}, }`;
  const least = 10 + header.length + 1;
  const total = size ?? least + (64 - (least % 64)) % 64;
  if (total < least || total % 64 !== 0) {
    throw new Error(`npy header of ${least} bytes does not fit ${total}`);
  }
  header += " ".repeat(total - least) + "\n";
  const out = new Uint8Array(total);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, total - 10, true);
  out.set(new TextEncoder().encode(header), 10);
  return out;
}

/** Encode an array as a version-1 `.npy` file. */
export function encodeNpy(array: NpyArray): Uint8Array {
  const head = npyHeader(array.shape, array.dtype);
  const data = new Uint8Array(array.data.buffer, array.data.byteOffset, array.data.byteLength);
  const out = new Uint8Array(head.length + data.length);
  out.set(head);
  out.set(data, head.length);
  return out;
}

/** The most images a streamed `.npy` header leaves room for (12 digits). */
const MAX_COUNT_DIGITS = 12;

/**
 * A `.npy` file read as a stream of images: the first axis indexes images, each chunk holds up to
 * `chunkImages` of them (labels `{index}`), read from disk as the consumer pulls.
 */
export async function readNpyRecords(path: string, chunkImages = 256): Promise<RecordSource> {
  const file = await openInput(path);
  try {
    const size = (await file.stat()).size;
    const { end } = npyHeaderSpan(await readAt(file, 0, Math.min(size, 12)), path);
    const head = await readAt(file, 0, Math.min(size, end));
    const { shape, dtype, dataOffset, dataBytes } = parseNpyHeader(head, path);
    if (size - dataOffset !== dataBytes) throw sizeError(path, shape, dataBytes, size - dataOffset);
    if (shape.length < 2) {
      throw new FormatError(`${path}: need shape (N, …) with N images, got (${shape})`);
    }
    const [n, ...item] = shape;
    const ctor = DTYPE_ARRAYS[dtype];
    const itemBytes = itemSize(item) * ctor.BYTES_PER_ELEMENT;
    const header = makeHeader(item, { n, source: { npy: path } }, dtype);
    const extent = { first: 0, items: 0, chunks: 0 };
    const chunks = new ReadableStream<Chunk>({
      async pull(controller) {
        const start = extent.items;
        if (start === n) {
          file.close();
          return controller.close();
        }
        const count = Math.min(chunkImages, n - start);
        const bytes = await readAt(file, dataOffset + start * itemBytes, count * itemBytes);
        if (bytes.length !== count * itemBytes) {
          file.close();
          throw new FormatError(`${path}: the file shrank while it was read`);
        }
        const labels = Array.from({ length: count }, (_, i) => ({ index: start + i }));
        controller.enqueue(
          makeChunk(item, new ctor(bytes.buffer) as ChunkData, labels),
        );
        extent.items += count;
        extent.chunks++;
      },
      cancel: () => file.close(),
    });
    return { header, chunks, extent };
  } catch (e) {
    file.close();
    throw e;
  }
}

/** Up to `length` bytes of `file` from `offset` (fewer only at its end). */
async function readAt(file: Deno.FsFile, offset: number, length: number) {
  await file.seek(offset, Deno.SeekMode.Start);
  return await readUpTo(file, length);
}

/**
 * Writes images to a `.npy` file (N, …shape) as they come, through a temporary name: the header
 * is written with room for any count and rewritten with the real one when the stream ends. Labels
 * other than a bare `{index}` go to `<path without .npy>.labels.json`, one per image.
 */
export async function writeNpyRecords(
  path: string,
  header: StreamHeader,
  chunks: ReadableStream<Chunk> | AsyncIterable<Chunk> | Iterable<Chunk>,
): Promise<{ images: number }> {
  const widest = [Number("9".repeat(MAX_COUNT_DIGITS)), ...header.shape];
  const size = npyHeader(widest, header.dtype).length;
  let images = 0;
  const labels: ImageLabel[] = [];
  const finish = async (temp: string, target: string) => {
    const file = await Deno.open(temp, { write: true });
    try {
      await file.seek(0, Deno.SeekMode.Start);
      const head = npyHeader([images, ...header.shape], header.dtype, size);
      for (let done = 0; done < head.length;) done += await file.write(head.subarray(done));
    } finally {
      file.close();
    }
    await Deno.rename(temp, target);
  };
  const out = atomicWritable(path, { finish }).getWriter();
  try {
    await out.write(new Uint8Array(size));
    for await (const chunk of chunks) {
      if (chunk.dtype !== header.dtype) {
        throw new FormatError(`${path}: a ${chunk.dtype} chunk in a ${header.dtype} stream`);
      }
      const d = chunk.data;
      await out.write(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
      labels.push(...chunk.labels);
      images += chunk.count;
    }
  } catch (e) {
    await out.abort(e).catch(() => {});
    throw e;
  }
  await out.close();
  if (labels.some((l, i) => Object.keys(l).some((k) => k !== "index") || l.index !== i)) {
    await writeFileAtomic(`${path.replace(/\.npy$/, "")}.labels.json`, JSON.stringify(labels));
  }
  return { images };
}
