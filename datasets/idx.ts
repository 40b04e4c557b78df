/**
 * Reader for the IDX format of LeCun's MNIST files (and Fashion-MNIST): a 4-byte magic
 * (0, 0, data type, rank), `rank` big-endian uint32 dimensions, then the payload, row-major.
 * Only the unsigned-byte type (0x08) is read, as in every MNIST-family file; `.gz` files are
 * recognised by their gzip magic and inflated with `DecompressionStream`.
 * @module
 */

import { FormatError } from "../pipeline/errors.ts";

/** IDX data type code for unsigned bytes, the only one MNIST uses. */
const UNSIGNED_BYTE = 0x08;

/** A parsed IDX array: its dimensions and the uint8 payload in row-major order. */
export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

/** Parses an (already inflated) IDX buffer; `source` names it in errors. */
export function parseIdx(bytes: Uint8Array, source: string): IdxArray {
  if (bytes.length < 4) {
    throw new FormatError(`${source}: ${bytes.length} bytes is too short for an IDX header`);
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    const magic = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, "0")).join("");
    throw new FormatError(
      `${source}: bad IDX magic 0x${magic} (expected 0x0000 then type and rank)`,
    );
  }
  const type = bytes[2], rank = bytes[3];
  if (type !== UNSIGNED_BYTE) {
    throw new FormatError(
      `${source}: IDX data type 0x${type.toString(16)} (only 0x08, unsigned byte)`,
    );
  }
  if (rank === 0) throw new FormatError(`${source}: IDX rank 0 (expected at least one dimension)`);
  const headerLength = 4 + 4 * rank;
  if (bytes.length < headerLength) {
    throw new FormatError(
      `${source}: truncated IDX header (${rank} dimensions need ${headerLength} bytes)`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  for (let i = 0; i < rank; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const size = dims.reduce((p, d) => p * d, 1);
  const payload = bytes.length - headerLength;
  if (payload < size) {
    throw new FormatError(
      `${source}: truncated IDX payload (${payload} of ${size} bytes for [${dims}])`,
    );
  }
  if (payload > size) {
    throw new FormatError(`${source}: ${payload - size} bytes after the IDX payload of [${dims}]`);
  }
  return { dims, data: bytes.subarray(headerLength) };
}

/** Inflates `bytes` when they start with the gzip magic (1f 8b); returns them as they are otherwise. */
export async function gunzipIfNeeded(bytes: Uint8Array, source: string): Promise<Uint8Array> {
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(
    new DecompressionStream("gzip"),
  );
  try {
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (e) {
    throw new FormatError(`${source}: corrupt gzip stream (${(e as Error).message})`);
  }
}

/** Reads an IDX file, raw or gzip-compressed. */
export async function readIdxFile(path: string): Promise<IdxArray> {
  return parseIdx(await gunzipIfNeeded(await Deno.readFile(path), path), path);
}
