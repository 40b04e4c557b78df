/**
 * Measured files by content and name: {@link readMeasurement} tells NXcanSAS (HDF5 signature)
 * from an ISIS RKH 2-D file and a 2-D QxQy ASCII table; {@link writeMeasurement} picks the writer from the extension.
 * @module
 */

import { writeFileAtomic } from "./atomic_file.ts";
import { FormatError, UsageError } from "./errors.ts";
import type { Measurement } from "./measurement.ts";
import { checkHdf5Length, HDF5_MAGIC } from "./_hdf5_errors.ts";
import { readNXcanSAS, writeNXcanSAS } from "./nxcansas.ts";
import { formatQxQyTable, parseQxQyTable } from "./qxqy_ascii.ts";
import { formatRkh2D, looksLikeRkh, parseRkh2D } from "./rkh_ascii.ts";

/** Extensions written as NXcanSAS; `.dat`, `.txt`, `.asc` are written as QxQy tables. */
export const HDF5_EXTENSIONS = [".h5", ".hdf5", ".hdf", ".nxs"];
const ASCII_EXTENSIONS = [".dat", ".txt", ".asc", ".abs"];
/** Every extension of a measured file. */
export const MEASUREMENT_EXTENSIONS = [...HDF5_EXTENSIONS, ...ASCII_EXTENSIONS];

/** True when `path` names a measured file by its extension (not a stream or `.sqz`). */
export function isMeasurementPath(path: string): boolean {
  const lower = path.toLowerCase();
  return MEASUREMENT_EXTENSIONS.some((e) => lower.endsWith(e));
}

/** How {@linkcode readMeasurement} reads a file. */
export interface MeasurementOptions {
  /** NXcanSAS: the SASentry group to read (default: the first holding 2-D data). */
  entry?: string;
}

/**
 * Reads a measured 2-D file: NXcanSAS when it starts with the HDF5 signature, else ASCII. An
 * `entry` names the NXcanSAS SASentry to read; an ASCII file has none (FormatError).
 */
export async function readMeasurement(
  path: string,
  options: MeasurementOptions = {},
): Promise<Measurement> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (e) {
    throw new UsageError(`cannot read ${path}: ${(e as Error).message}`);
  }
  if (HDF5_MAGIC.every((b, i) => bytes[i] === b)) {
    checkHdf5Length(bytes, path);
    return await readNXcanSAS(path, options.entry);
  }
  if (options.entry !== undefined) {
    throw new FormatError(
      `${path}: --entry ${options.entry} names an NXcanSAS SASentry, but this is an ASCII file`,
    );
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    const head = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, "0"));
    throw new FormatError(
      `${path}: neither NXcanSAS (HDF5) nor a QxQy ASCII table (binary, first bytes ${
        head.join(" ")
      })`,
    );
  }
  if (looksLikeRkh(text.split(/\r?\n|\r/, 400))) return parseRkh2D(text, path);
  return parseQxQyTable(text, path);
}

/** Writes `m` as NXcanSAS (`.h5`, `.nxs`, …) or as a QxQy table (`.dat`, …), atomically. */
export async function writeMeasurement(path: string, m: Measurement): Promise<void> {
  const lower = path.toLowerCase();
  if (HDF5_EXTENSIONS.some((e) => lower.endsWith(e))) return await writeNXcanSAS(path, m);
  if (ASCII_EXTENSIONS.some((e) => lower.endsWith(e))) {
    // a separable RKH measurement goes back to RKH; everything else to a QxQy table
    const rkh = m.provenance.format === "rkh-ascii" && m.separable;
    return await writeFileAtomic(path, rkh ? formatRkh2D(m) : formatQxQyTable(m));
  }
  throw new UsageError(
    `${path}: unknown measurement extension; use ${MEASUREMENT_EXTENSIONS}`,
  );
}
