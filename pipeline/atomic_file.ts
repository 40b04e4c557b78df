/**
 * Atomic outputs: every writer of the project goes through a temporary name beside the target
 * and a rename, so a reader never sees a half-written file.
 * @module
 */

import { UsageError } from "./errors.ts";

/** Options for {@linkcode atomicWritable}. */
export interface AtomicWritableOptions {
  /** Suffix of the temporary file beside `path` (default `.partial`). */
  suffix?: string;
  /**
   * Continue an existing temporary file after its first `resumeAt` bytes (the rest is cut off)
   * instead of starting it empty.
   */
  resumeAt?: number;
  /** On abort keep the temporary file (a journal that `--resume` continues) instead of removing it. */
  keepOnAbort?: boolean;
  /**
   * Moves the complete temporary file into place; the default renames it to `path`. (A `.gz`
   * stream journals plain lines and gzips them here instead.)
   */
  finish?: (temp: string, path: string) => Promise<void>;
}

/**
 * A byte sink that writes `<path><suffix>` and renames it to `path` on close; on abort (an error
 * upstream) the temporary file is removed, or kept with `keepOnAbort`. A path that cannot be
 * written (a folder, a missing parent) is a UsageError naming it.
 *
 * @example
 * ```ts
 * await ReadableStream.from([new TextEncoder().encode("hello\n")]).pipeTo(atomicWritable("x.txt"));
 * ```
 */
export function atomicWritable(
  path: string,
  options: AtomicWritableOptions = {},
): WritableStream<Uint8Array> {
  const temp = `${path}${options.suffix ?? ".partial"}`;
  let file: Deno.FsFile | undefined;
  const release = () => {
    try {
      file?.close();
    } catch { /* already closed */ }
    file = undefined;
  };
  return new WritableStream<Uint8Array>({
    async start() {
      await checkTarget(path);
      try {
        file = await Deno.open(temp, {
          write: true,
          create: true,
          truncate: options.resumeAt === undefined,
        });
      } catch (e) {
        throw new UsageError(`cannot write ${temp}: ${(e as Error).message}`);
      }
      if (options.resumeAt !== undefined) {
        await file.truncate(options.resumeAt);
        await file.seek(options.resumeAt, Deno.SeekMode.Start);
      }
    },
    async write(bytes) {
      for (let done = 0; done < bytes.length;) done += await file!.write(bytes.subarray(done));
    },
    async close() {
      release();
      await (options.finish ?? Deno.rename)(temp, path);
    },
    async abort() {
      release();
      if (!options.keepOnAbort) await Deno.remove(temp).catch(() => {});
    },
  });
}

/** Write `data` to `path` through {@linkcode atomicWritable}, so `path` is never half-written. */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  await ReadableStream.from([bytes]).pipeTo(atomicWritable(path, { suffix: ".tmp" }));
}

async function checkTarget(path: string): Promise<void> {
  try {
    if ((await Deno.stat(path)).isDirectory) {
      throw new UsageError(`cannot write ${path}: it is a directory`);
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
}
