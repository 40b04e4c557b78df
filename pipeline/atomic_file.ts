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
  let locked = false;
  const release = async () => {
    try {
      file?.close();
    } catch { /* already closed */ }
    file = undefined;
    if (locked) await Deno.remove(`${temp}.lock`).catch(() => {});
    locked = false;
  };
  return new WritableStream<Uint8Array>({
    async start() {
      await checkTarget(path);
      await acquireLock(`${temp}.lock`, path);
      locked = true;
      try {
        file = await Deno.open(temp, {
          write: true,
          create: true,
          truncate: options.resumeAt === undefined,
        });
      } catch (e) {
        await release();
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
      try {
        file!.close();
        file = undefined;
        await (options.finish ?? Deno.rename)(temp, path);
      } finally {
        await release();
      }
    },
    async abort() {
      await release();
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

/**
 * Takes `<temp>.lock` with O_EXCL, holding this process's pid, so that one process at a time
 * writes `path`; a lock whose process is gone (a killed run) is taken over.
 */
async function acquireLock(lock: string, path: string): Promise<void> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await Deno.writeTextFile(lock, `${Deno.pid}\n`, { createNew: true });
      return;
    } catch (e) {
      if (!(e instanceof Deno.errors.AlreadyExists)) {
        throw new UsageError(`cannot write ${lock.slice(0, -5)}: ${(e as Error).message}`);
      }
    }
    const owner = Number.parseInt(await Deno.readTextFile(lock).catch(() => ""), 10);
    if (Number.isInteger(owner) && owner > 0 && await processAlive(owner)) {
      throw new UsageError(
        `cannot write ${path}: process ${owner} is writing it (lock ${lock})`,
      );
    }
    await Deno.remove(lock).catch(() => {});
  }
  throw new UsageError(`cannot write ${path}: another process keeps taking its lock ${lock}`);
}

async function processAlive(pid: number): Promise<boolean> {
  if (pid === Deno.pid) return true;
  if (Deno.build.os === "windows") return true;
  return await Deno.stat(`/proc/${pid}`).then(
    () => true,
    (e) => !(e instanceof Deno.errors.NotFound),
  );
}
