/**
 * Checks of the paths a command line names, made before any long work starts: an input file
 * that is a folder, a model folder that is a file, an output whose folder is missing.
 * @module
 */
import { dirname } from "node:path";
import { UsageError } from "./errors.ts";

/** What a path flag names (`out-file-mkdir`: an output file whose folder the task creates). */
export type PathKind = "in-file" | "in-dir" | "out-file" | "out-file-mkdir" | "out-dir";

async function statOf(path: string): Promise<Deno.FileInfo | undefined> {
  try {
    return await Deno.stat(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    if (e instanceof Deno.errors.NotADirectory) return undefined;
    throw new UsageError(`${path}: ${(e as Error).message}`);
  }
}

/**
 * Throws a UsageError naming `flag` when `path` cannot be what `kind` says ("-", stdin or stdout,
 * always passes for files).
 */
export async function checkPath(path: string, kind: PathKind, flag: string): Promise<void> {
  if (path === "-" && (kind === "in-file" || kind === "out-file")) return;
  const info = await statOf(path);
  if (kind === "in-file" || kind === "in-dir") {
    const folder = kind === "in-dir";
    if (!info) throw new UsageError(`--${flag}: ${path}: no such ${folder ? "folder" : "file"}`);
    if (info.isDirectory !== folder) {
      throw new UsageError(
        `--${flag}: ${path} is ${folder ? "a file" : "a folder"}, expected ${
          folder ? "a folder" : "a file"
        }`,
      );
    }
    return;
  }
  if (info && kind !== "out-dir" && info.isDirectory) {
    throw new UsageError(`--${flag}: ${path} is a folder, expected a file`);
  }
  if (info && kind === "out-dir" && !info.isDirectory) {
    throw new UsageError(`--${flag}: ${path} is a file, expected a folder`);
  }
  if (!info && kind === "out-file") {
    const parent = await statOf(dirname(path));
    if (!parent?.isDirectory) {
      throw new UsageError(`--${flag}: ${path}: folder ${dirname(path)} does not exist`);
    }
  }
}

/** Whether something exists at `path` (a missing parent counts as not existing). */
export async function pathExists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}
