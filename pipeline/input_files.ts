/**
 * Many input files for one task: a glob in the last path segment (`night/*.ndjson.gz`), a list
 * file (one path per line), the shard k of N of that list, and the output name of each input.
 * @module
 */
import { basename, dirname, join } from "node:path";
import { UsageError } from "./errors.ts";

/** True when `path` holds glob characters (`*`, `?`, `[`). */
export function isGlob(path: string): boolean {
  return /[*?[]/.test(path);
}

/** The regular expression of a glob segment (`*`, `?` and `[…]` as in the shell). */
function globRegExp(pattern: string): RegExp {
  let re = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else if (c === "[") {
      const end = pattern.indexOf("]", i + 1);
      if (end < 0) re += "\\[";
      else {
        re += `[${pattern.slice(i + 1, end).replace(/^!/, "^").replaceAll("\\", "\\\\")}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

/** The files matching `pattern` (glob characters in the file name only), sorted. */
export async function expandGlob(pattern: string, flag = "--in"): Promise<string[]> {
  const dir = dirname(pattern);
  if (isGlob(dir)) {
    throw new UsageError(`${flag} ${pattern}: glob characters only in the file name`);
  }
  const re = globRegExp(basename(pattern));
  const out: string[] = [];
  try {
    for await (const e of Deno.readDir(dir)) {
      if (e.isFile && re.test(e.name)) {
        out.push(dir === "." && !pattern.startsWith("./") ? e.name : join(dir, e.name));
      }
    }
  } catch {
    throw new UsageError(`${flag} ${pattern}: cannot read folder ${dir}`);
  }
  if (out.length === 0) throw new UsageError(`${flag} ${pattern}: no file matches`);
  return out.sort();
}

/** The paths in list file `path` (one per line; blank lines and `#` comments skipped). */
export async function readInputList(path: string, flag = "--list"): Promise<string[]> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch {
    throw new UsageError(`${flag} ${path}: cannot read`);
  }
  const files = text.split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
  if (files.length === 0) throw new UsageError(`${flag} ${path}: lists no files`);
  return files;
}

/** Shard `index` (0-based) of `count`: a contiguous slice of `files`, sizes differing by ≤ 1. */
export function shardOfList<T>(files: T[], index: number, count: number): T[] {
  const start = Math.floor((index * files.length) / count);
  return files.slice(start, Math.floor(((index + 1) * files.length) / count));
}

/**
 * The output path in folder `out` for each input: its name without `.ndjson[.gz]`, with
 * `extension`; UsageError when two inputs would share one.
 */
export function outputsIn(out: string, inputs: string[], extension: string): string[] {
  const seen = new Map<string, string>();
  return inputs.map((input) => {
    const name = basename(input).replace(/(\.ndjson)?(\.gz)?$/, "") + extension;
    const other = seen.get(name);
    if (other) throw new UsageError(`${input} and ${other} would both write ${join(out, name)}`);
    seen.set(name, input);
    return join(out, name);
  });
}
