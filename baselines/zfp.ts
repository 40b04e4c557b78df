/**
 * Baseline: the `zfp` command-line tool (Debian package `zfp`) in fixed-accuracy mode on a
 * batch of float32 images. The batch travels through pipes as one 2-D array of
 * width × (height · count); zfp codes 4×4 blocks independently in this mode, so when height
 * is a multiple of 4 this is exactly per-image 2-D compression.
 * @module
 */

import { SasquashError } from "../pipeline/errors.ts";
import { meanRelativeL2Error } from "../pipeline/image_error.ts";

/** The `zfp` CLI is missing or failed; the message says which. */
export class ZfpUnavailableError extends SasquashError {}

/** Shape of a batch: `count` images of `height` × `width` float32, row-major, concatenated. */
export interface ZfpBatch {
  /** All images, `count · height · width` values. */
  data: Float32Array;
  /** Pixels per row. */
  width: number;
  /** Rows per image. */
  height: number;
}

/** Whether the `zfp` CLI can be run. */
export async function zfpAvailable(): Promise<boolean> {
  try {
    await new Deno.Command("zfp", { stdout: "null", stderr: "null" }).output();
    return true;
  } catch {
    return false;
  }
}

/** Compresses a batch with absolute error tolerance `tolerance` (`zfp -a`). */
export async function zfpCompress(batch: ZfpBatch, tolerance: number): Promise<Uint8Array> {
  return await runZfp([...shapeArgs(batch, tolerance), "-i", "-", "-z", "-"], bytesOf(batch.data));
}

/** Decompresses what {@link zfpCompress} produced for the same batch shape and tolerance. */
export async function zfpDecompress(
  compressed: Uint8Array,
  batch: Omit<ZfpBatch, "data"> & { count: number },
  tolerance: number,
): Promise<Float32Array> {
  const rows = batch.height * batch.count;
  const args = [
    "-f",
    "-2",
    String(batch.width),
    String(rows),
    "-a",
    String(tolerance),
    "-z",
    "-",
    "-o",
    "-",
  ];
  const raw = await runZfp(args, compressed);
  const n = batch.width * rows;
  if (raw.length !== 4 * n) {
    throw new ZfpUnavailableError(`zfp returned ${raw.length} bytes, expected ${4 * n}`);
  }
  return new Float32Array(raw.buffer, raw.byteOffset, n).slice();
}

/** Result of compressing a batch at one tolerance. */
export interface ZfpPoint {
  /** The `-a` tolerance used. */
  tolerance: number;
  /** Compressed size of the whole batch. */
  bytes: number;
  /** Mean relative L2 error of the reconstruction. */
  error: number;
}

/**
 * Bisects (on log tolerance) for the largest tolerance whose mean relative L2 error is at most
 * `target`; returns the best point found.
 */
export async function zfpToleranceForError(
  batch: ZfpBatch,
  target: number,
  iterations = 24,
): Promise<ZfpPoint> {
  const count = batch.data.length / (batch.width * batch.height);
  let maxAbs = 0;
  for (let i = 0; i < batch.data.length; i++) maxAbs = Math.max(maxAbs, Math.abs(batch.data[i]));
  let lo = Math.log2(maxAbs * 2 ** -40 || 2 ** -100);
  let hi = Math.log2(maxAbs * 2 || 1);
  let best: ZfpPoint | null = null;
  for (let it = 0; it < iterations; it++) {
    const tolerance = 2 ** ((lo + hi) / 2);
    const compressed = await zfpCompress(batch, tolerance);
    const xhat = await zfpDecompress(compressed, { ...batch, count }, tolerance);
    const error = meanRelativeL2Error(batch.data, xhat, batch.width * batch.height);
    if (error <= target) {
      if (best === null || compressed.length < best.bytes) {
        best = { tolerance, bytes: compressed.length, error };
      }
      lo = (lo + hi) / 2;
    } else {
      hi = (lo + hi) / 2;
    }
  }
  if (best === null) {
    throw new ZfpUnavailableError(`zfp cannot reach mean relative L2 error ${target}`);
  }
  return best;
}

function shapeArgs(batch: ZfpBatch, tolerance: number): string[] {
  const rows = batch.data.length / batch.width;
  if (!Number.isInteger(rows) || rows % batch.height !== 0) {
    throw new ZfpUnavailableError(`zfp batch: ${batch.data.length} values are not whole images`);
  }
  if (!(tolerance > 0)) {
    throw new ZfpUnavailableError(`zfp tolerance must be > 0, got ${tolerance}`);
  }
  return ["-f", "-2", String(batch.width), String(rows), "-a", String(tolerance)];
}

function bytesOf(a: Float32Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

async function runZfp(args: string[], input: Uint8Array): Promise<Uint8Array> {
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command("zfp", {
      args: ["-q", ...args],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    })
      .spawn();
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new ZfpUnavailableError("zfp CLI not found (install it with: apt-get install -y zfp)");
    }
    throw e;
  }
  const writer = child.stdin.getWriter();
  const written = writer.write(input).then(() => writer.close());
  const [out] = await Promise.all([child.output(), written]);
  if (!out.success) {
    const msg = new TextDecoder().decode(out.stderr).trim();
    throw new ZfpUnavailableError(`zfp ${args.join(" ")} failed: ${msg}`);
  }
  return out.stdout;
}
