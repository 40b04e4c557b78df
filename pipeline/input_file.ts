/** Opening an input file and reading parts of it, with errors that name the file. @module */
import { FormatError } from "./errors.ts";

/** Opens `path` for reading; a missing or unreadable file is a FormatError naming it. */
export async function openInput(path: string): Promise<Deno.FsFile> {
  try {
    return await Deno.open(path, { read: true });
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) throw new FormatError(`${path}: no such file`);
    throw new FormatError(`${path}: cannot open (${(e as Error).message})`);
  }
}

/** The next `n` bytes of `file` (fewer only at its end). */
export async function readUpTo(file: Deno.FsFile, n: number): Promise<Uint8Array<ArrayBuffer>> {
  const out = new Uint8Array(n);
  let have = 0;
  while (have < n) {
    const got = await file.read(out.subarray(have));
    if (got === null) break;
    have += got;
  }
  return have === n ? out : out.slice(0, have);
}
