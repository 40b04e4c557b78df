/** Reads just the header of a `.sqz` file, to choose a decoder before streaming its records. */

import { FormatError } from "../pipeline/errors.ts";
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

async function readUpTo(file: Deno.FsFile, n: number): Promise<Uint8Array> {
  const out = new Uint8Array(n);
  let have = 0;
  while (have < n) {
    const got = await file.read(out.subarray(have));
    if (got === null) break;
    have += got;
  }
  return out.subarray(0, have);
}
