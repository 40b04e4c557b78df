/**
 * Baseline: the `sz3` command-line tool of SZ3 (github.com/szcompressor/SZ3; not packaged in
 * Debian: build it from source and put `sz3` on PATH) in absolute-error mode on one float32 2-D
 * image. The tool reads and writes files, so each call goes through a temporary folder. Optional:
 * benchmarks skip it, with a note, when `sz3` is not on PATH.
 * @module
 */

import { SasquashError } from "../pipeline/errors.ts";

/** The `sz3` CLI is missing or failed; the message says which. */
export class Sz3UnavailableError extends SasquashError {}

/**
 * SZ3 3.3.2 aborts ("The buffer for compressed data is not large enough") on small or
 * incompressible inputs, e.g. any 32×32 image or 64×64 noise: its output buffer is sized for
 * data that compresses.
 */
export class Sz3BufferError extends Sz3UnavailableError {}

/** Whether the `sz3` CLI can be run (`sz3 -v`). */
export async function sz3Available(): Promise<boolean> {
  try {
    const out = await new Deno.Command("sz3", { args: ["-v"], stdout: "null", stderr: "null" })
      .output();
    return out.success;
  } catch {
    return false;
  }
}

/**
 * Compresses a `height × width` float32 image (row-major) with |x̂ − x| ≤ `tolerance` (`-M ABS`),
 * then decompresses the compressed file alone: the compressed bytes and what a decoder gets.
 */
export async function sz3RoundTrip(
  image: Float32Array,
  width: number,
  height: number,
  tolerance: number,
): Promise<{ code: Uint8Array; decoded: Float32Array }> {
  if (image.length !== width * height) {
    throw new Sz3UnavailableError(`sz3: ${image.length} values are not ${height}×${width}`);
  }
  if (!(tolerance > 0)) {
    throw new Sz3UnavailableError(`sz3 tolerance must be > 0, got ${tolerance}`);
  }
  const dir = await Deno.makeTempDir({ prefix: "sasquash-sz3-" });
  try {
    const [raw, code, back] = ["in.f32", "x.sz", "out.f32"].map((f) => `${dir}/${f}`);
    await Deno.writeFile(raw, new Uint8Array(image.buffer, image.byteOffset, image.byteLength));
    const dims = ["-f", "-2", String(width), String(height)];
    await runSz3([...dims, "-i", raw, "-z", code, "-M", "ABS", String(tolerance)]);
    await runSz3([...dims, "-z", code, "-o", back, "-M", "ABS", String(tolerance)]);
    const decoded = await Deno.readFile(back);
    if (decoded.length !== 4 * image.length) {
      throw new Sz3UnavailableError(
        `sz3 returned ${decoded.length} bytes, expected ${4 * image.length}`,
      );
    }
    return {
      code: await Deno.readFile(code),
      decoded: new Float32Array(decoded.buffer, decoded.byteOffset, image.length).slice(),
    };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/**
 * {@link sz3RoundTrip}, or the image stored raw (4 bytes a value, exact) where SZ3 aborts on it
 * ({@link Sz3BufferError}), as a user of SZ3 would have to; `raw` says which.
 */
export async function sz3OrRaw(
  image: Float32Array,
  width: number,
  height: number,
  tolerance: number,
): Promise<{ code: Uint8Array; decoded: Float32Array; raw: boolean }> {
  try {
    return { ...(await sz3RoundTrip(image, width, height, tolerance)), raw: false };
  } catch (e) {
    if (!(e instanceof Sz3BufferError)) throw e;
    const code = new Uint8Array(image.slice().buffer);
    return { code, decoded: image.slice(), raw: true };
  }
}

async function runSz3(args: string[]): Promise<void> {
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command("sz3", { args, stdout: "piped", stderr: "piped" }).output();
  } catch (e) {
    throw new Sz3UnavailableError(`cannot run sz3: ${(e as Error).message}`);
  }
  if (!out.success) {
    const why = new TextDecoder().decode(out.stderr).trim().split("\n").at(-1) ?? "";
    const message = `sz3 ${args.join(" ")} failed (exit ${out.code}): ${why.trim()}`;
    if (/not large enough/.test(why)) throw new Sz3BufferError(message);
    throw new Sz3UnavailableError(message);
  }
}
