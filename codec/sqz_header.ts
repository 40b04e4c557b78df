/**
 * The `.sqz` file header: what a decoder must know before the first record (see
 * docs/FORMAT.md, section `.sqz`). Little-endian, fixed 24-byte prefix, the model id, then a CRC-32.
 * @module
 */

import { crc32 } from "node:zlib";
import { FormatError } from "../pipeline/errors.ts";
import type { QuantName } from "./quantize.ts";
import type { LatentTransform } from "./sparse_code.ts";

/** First four bytes of every `.sqz` file (0x89 keeps it from passing as text). */
export const SQZ_MAGIC: Uint8Array = Uint8Array.of(0x89, 0x53, 0x51, 0x5a);
/**
 * The format version this code writes: 2, whose header names the record kind (one byte after
 * the model id) and whose record CRCs are bound to the header and the record's index.
 */
export const SQZ_VERSION = 2;
/** Versions this code reads; version 1 (sparse codes only) records are not bound to their file. */
export const SQZ_READABLE_VERSIONS: readonly number[] = [1, 2];
/** Bytes of the header before the model id. */
export const SQZ_FIXED_HEADER = 24;
/** Longest model id (bytes) a header can hold. */
export const MAX_MODEL_ID = 255;

const F_CODES: readonly LatentTransform[] = ["z", "grad"];
const QUANT_CODES: readonly QuantName[] = ["fp16", "bf16", "fp8"];
const DTYPE_CODES = ["float32"] as const;
const RECORD_CODES: readonly SqzRecordKind[] = ["sparse", "bounded", "measurement"];

/**
 * What each record's code is: a sparse code of z (version 1 files) or an error-bounded image
 * stream, optionally after the sparse code of the autoencoder's prediction (version 2), or a
 * whole measured file (codec/measurement_record.ts).
 */
export type SqzRecordKind = "sparse" | "bounded" | "measurement";

/** Everything a `.sqz` reader needs to decode the codes that follow. */
export interface SqzHeader {
  /** Identifies the trained model (e.g. SHA-256 of its weights), 0–255 bytes. */
  modelId: Uint8Array;
  /** Image rows. */
  height: number;
  /** Image columns. */
  width: number;
  /** Sample type of the decoded images. */
  dtype: "float32";
  /** Latent size ℓ. */
  ell: number;
  /** Sparse representation of the codes. */
  f: LatentTransform;
  /** Value quantizer of the codes. */
  quant: QuantName;
  /** `GapModel.id` of the gap model the codes were written with. */
  gapModelId: number;
  /** Record kind; absent means "sparse". */
  records?: SqzRecordKind;
  /** Labels travel in deflated blocks inside the codes (codec/label_blocks.ts); version 2. */
  packedLabels?: boolean;
  /**
   * Each sparse code's side information carries an isotropy flag (codec/image_code.ts,
   * models/isotropy.ts); version 2, sparse records of a per-image transform only.
   */
  isotropy?: boolean;
}

/** Bit of the version-2 record-kind byte that says labels are packed in blocks. */
const PACKED_LABELS_BIT = 0x80;
/** Bit of the version-2 record-kind byte that says sparse codes carry isotropy flags. */
const ISOTROPY_BIT = 0x40;

/** Serializes a header (validating every field); `version` 1 only to make old-file fixtures. */
export function encodeSqzHeader(h: SqzHeader, version = SQZ_VERSION): Uint8Array {
  const n = h.modelId.length;
  if (n > MAX_MODEL_ID) {
    throw new FormatError(`sqz header: model id of ${n} bytes > ${MAX_MODEL_ID}`);
  }
  checkUint(h.height, 1, 0xffff, "height");
  checkUint(h.width, 1, 0xffff, "width");
  const kind = h.records ?? "sparse";
  // A bounded file without a model prediction has no latent size.
  checkUint(h.ell, kind !== "sparse" && n === 0 ? 0 : 1, 0xffffffff, "ell");
  checkUint(h.gapModelId, 0, 0xffffffff, "gapModelId");
  if (!SQZ_READABLE_VERSIONS.includes(version)) {
    throw new FormatError(
      `sqz header: version ${version}, expected one of ${SQZ_READABLE_VERSIONS}`,
    );
  }
  if (version === 1 && (kind !== "sparse" || h.packedLabels || h.isotropy)) {
    throw new FormatError(
      "sqz header: version 1 holds only sparse codes with inline labels and no isotropy flags",
    );
  }
  if (h.isotropy && kind !== "sparse") {
    throw new FormatError(`sqz header: isotropy flags belong to sparse codes, not ${kind} records`);
  }
  // version 2: one record-kind byte after the model id
  const extra = version === 1 ? 0 : 1;
  const bytes = new Uint8Array(SQZ_FIXED_HEADER + n + extra + 4);
  const v = new DataView(bytes.buffer);
  bytes.set(SQZ_MAGIC, 0);
  v.setUint16(4, version, true);
  v.setUint16(6, bytes.length, true);
  v.setUint8(8, codeOf(DTYPE_CODES, h.dtype, "dtype"));
  v.setUint8(9, codeOf(F_CODES, h.f, "f"));
  v.setUint8(10, codeOf(QUANT_CODES, h.quant, "quant"));
  v.setUint8(11, n);
  v.setUint16(12, h.height, true);
  v.setUint16(14, h.width, true);
  v.setUint32(16, h.ell, true);
  v.setUint32(20, h.gapModelId, true);
  bytes.set(h.modelId, SQZ_FIXED_HEADER);
  if (extra === 1) {
    const bits = (h.packedLabels ? PACKED_LABELS_BIT : 0) | (h.isotropy ? ISOTROPY_BIT : 0);
    v.setUint8(SQZ_FIXED_HEADER + n, codeOf(RECORD_CODES, kind, "records") | bits);
  }
  const body = SQZ_FIXED_HEADER + n + extra;
  v.setUint32(body, crc32(bytes.subarray(0, body)), true);
  return bytes;
}

/**
 * Checks magic and version in the first 8 bytes and returns the full header length.
 * `name` prefixes error messages (the file name).
 */
export function sqzHeaderLength(first8: Uint8Array, name: string): number {
  for (let i = 0; i < 4; i++) {
    if (first8[i] !== SQZ_MAGIC[i]) throw new FormatError(`${name}: not a .sqz file (bad magic)`);
  }
  const v = new DataView(first8.buffer, first8.byteOffset, 8);
  const version = v.getUint16(4, true);
  if (!SQZ_READABLE_VERSIONS.includes(version)) {
    throw new FormatError(
      `${name}: .sqz version ${version} is not supported (expected ${SQZ_READABLE_VERSIONS})`,
    );
  }
  const length = v.getUint16(6, true);
  const extra = version === 1 ? 0 : 1;
  if (
    length < SQZ_FIXED_HEADER + extra + 4 || length > SQZ_FIXED_HEADER + MAX_MODEL_ID + extra + 4
  ) {
    throw new FormatError(`${name}: header length ${length} out of range`);
  }
  return length;
}

/** Parses a complete header of `sqzHeaderLength` bytes, checking its CRC and fields. */
export function decodeSqzHeader(bytes: Uint8Array, name: string): SqzHeader {
  const length = sqzHeaderLength(bytes, name);
  const v = new DataView(bytes.buffer, bytes.byteOffset, length);
  const body = length - 4;
  if (crc32(bytes.subarray(0, body)) !== v.getUint32(body, true)) {
    throw new FormatError(`${name}: header at byte 0: CRC mismatch`);
  }
  const n = v.getUint8(11);
  const extra = v.getUint16(4, true) === 1 ? 0 : 1;
  if (SQZ_FIXED_HEADER + n + extra !== body) {
    throw new FormatError(`${name}: header: model id length ${n} disagrees with header length`);
  }
  const header: SqzHeader = {
    dtype: fieldOf(DTYPE_CODES, v.getUint8(8), "dtype", name),
    f: fieldOf(F_CODES, v.getUint8(9), "f", name),
    quant: fieldOf(QUANT_CODES, v.getUint8(10), "quant", name),
    height: v.getUint16(12, true),
    width: v.getUint16(14, true),
    ell: v.getUint32(16, true),
    gapModelId: v.getUint32(20, true),
    modelId: bytes.slice(SQZ_FIXED_HEADER, SQZ_FIXED_HEADER + n),
  };
  if (extra === 1) {
    const byte = v.getUint8(body - 1);
    // Defaults stay absent, so a header reads back equal to the one it was written from.
    const records = fieldOf(
      RECORD_CODES,
      byte & ~(PACKED_LABELS_BIT | ISOTROPY_BIT),
      "records",
      name,
    );
    if (records !== "sparse") header.records = records;
    if ((byte & PACKED_LABELS_BIT) !== 0) header.packedLabels = true;
    if ((byte & ISOTROPY_BIT) !== 0) {
      if (records !== "sparse") {
        throw new FormatError(`${name}: header: isotropy flags on ${records} records`);
      }
      header.isotropy = true;
    }
  }
  const noLatent = (header.records ?? "sparse") !== "sparse" && n === 0;
  if (header.height === 0 || header.width === 0 || (header.ell === 0 && !noLatent)) {
    throw new FormatError(`${name}: header: zero image size or latent size`);
  }
  return header;
}

/** Lower-case hex of a model id, for messages. */
export function hexId(id: Uint8Array): string {
  return Array.from(id, (b) => b.toString(16).padStart(2, "0")).join("") || "(empty)";
}

function checkUint(x: number, min: number, max: number, field: string): void {
  if (!Number.isInteger(x) || x < min || x > max) {
    throw new FormatError(`sqz header: ${field} = ${x}, expected an integer in [${min}, ${max}]`);
  }
}

function codeOf<T>(codes: readonly T[], value: T, field: string): number {
  const code = codes.indexOf(value);
  if (code < 0) throw new FormatError(`sqz header: ${field} = ${value}, expected one of ${codes}`);
  return code;
}

function fieldOf<T>(codes: readonly T[], code: number, field: string, name: string): T {
  if (code >= codes.length) throw new FormatError(`${name}: header: unknown ${field} code ${code}`);
  return codes[code];
}

/**
 * The CRC-32 seed of record `index` in a version-2 file whose header bytes are `header`: the
 * header's own CRC (every setting and the model ids) extended by the index, so a record moved,
 * repeated, dropped or taken from another file fails its CRC.
 */
export function sqzRecordSeed(header: Uint8Array, index: number): number {
  const headerCrc = new DataView(header.buffer, header.byteOffset + header.length - 4, 4)
    .getUint32(0, true);
  const at = new Uint8Array(4);
  new DataView(at.buffer).setUint32(0, index, true);
  return crc32(at, headerCrc);
}

/** The version field of a complete header. */
export function sqzVersion(header: Uint8Array): number {
  return new DataView(header.buffer, header.byteOffset, 8).getUint16(4, true);
}

/** `h` for records that carry no isotropy flags (error-bounded and measurement records). */
export function withoutIsotropy(h: SqzHeader): SqzHeader {
  const copy = { ...h };
  delete copy.isotropy;
  return copy;
}
