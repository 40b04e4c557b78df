/** Reading and writing numpy `.npy` arrays, so Python users can exchange data. @module */
import { FormatError } from "./errors.ts";
import { type ChunkData, type DType, DTYPE_ARRAYS } from "./record_format.ts";

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

/** Parse the bytes of a `.npy` file (versions 1–3, little-endian, C order). */
export function parseNpy(bytes: Uint8Array, name = "<npy>"): NpyArray {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (bytes.length < 10 || !magic.every((b, i) => bytes[i] === b)) {
    throw new FormatError(`${name}: not a .npy file (bad magic)`);
  }
  const major = bytes[6];
  if (major < 1 || major > 3) throw new FormatError(`${name}: .npy version ${major} not supported`);
  if (major > 1 && bytes.length < 12) throw new FormatError(`${name}: truncated .npy header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const [headerLen, at] = major === 1
    ? [view.getUint16(8, true), 10]
    : [view.getUint32(8, true), 12];
  if (at + headerLen > bytes.length) throw new FormatError(`${name}: truncated .npy header`);
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
  const ctor = DTYPE_ARRAYS[dtype];
  const start = at + headerLen;
  const needed = count * ctor.BYTES_PER_ELEMENT;
  if (bytes.length - start !== needed) {
    const what = bytes.length - start < needed ? "truncated data" : "trailing bytes";
    throw new FormatError(
      `${name}: ${what}: shape (${shape}) needs ${needed} bytes, file has ${bytes.length - start}`,
    );
  }
  const copy = bytes.slice(start, start + count * ctor.BYTES_PER_ELEMENT);
  return { shape, dtype, data: new ctor(copy.buffer) };
}

/** Encode an array as a version-1 `.npy` file. */
export function encodeNpy(array: NpyArray): Uint8Array {
  const descr = Object.entries(DESCR).find(([, d]) => d === array.dtype)![0];
  const shape = array.shape.length === 1 ? `(${array.shape[0]},)` : `(${array.shape.join(", ")})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  const total = 10 + header.length + 1;
  header += " ".repeat((64 - (total % 64)) % 64) + "\n";
  const head = new TextEncoder().encode(header);
  const data = new Uint8Array(array.data.buffer, array.data.byteOffset, array.data.byteLength);
  const out = new Uint8Array(10 + head.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, head.length, true);
  out.set(head, 10);
  out.set(data, 10 + head.length);
  return out;
}
