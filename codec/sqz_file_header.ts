/** Reads just the header of a `.sqz` file, to choose a decoder before streaming its records. */

import { FormatError } from "../pipeline/errors.ts";
import { readUpTo } from "../pipeline/input_file.ts";
import { decodeSqzHeader, type SqzHeader, sqzHeaderLength } from "./sqz_header.ts";

/** The header of the `.sqz` file at `path`; FormatError naming the file when unreadable or bad. */
export async function readSqzFileHeader(path: string): Promise<SqzHeader> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch {
    throw new FormatError(`${path}: cannot open`);
  }
  try {
    const first = await readUpTo(file, 8);
    if (first.length < 8) {
      throw new FormatError(`${path}: truncated header (${first.length} bytes)`);
    }
    const length = sqzHeaderLength(first, path);
    const rest = await readUpTo(file, length - 8);
    if (rest.length < length - 8) {
      throw new FormatError(`${path}: truncated header (${8 + rest.length} bytes)`);
    }
    const bytes = new Uint8Array(length);
    bytes.set(first);
    bytes.set(rest, 8);
    return decodeSqzHeader(bytes, path);
  } finally {
    file.close();
  }
}
