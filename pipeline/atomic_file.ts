/** Whole-file atomic writes (temp name, then rename). @module */

/** Write `data` to `path` via `<path>.tmp` and a rename, so `path` is never half-written. */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const tmp = `${path}.tmp`;
  if (typeof data === "string") await Deno.writeTextFile(tmp, data);
  else await Deno.writeFile(tmp, data);
  await Deno.rename(tmp, path);
}
