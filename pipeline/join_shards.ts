/**
 * Joins stream files written as shards of one run (`generate --shard k/N`) into the file one run
 * would have written, through the record reader and writer (so it follows the stream format).
 * @module
 */
import { FormatError } from "./errors.ts";
import type { Chunk } from "./record_format.ts";
import { readRecords, writeRecords } from "./record_stream.ts";

/** One opened part: its path, first chunk (already read) and the rest. */
interface Part {
  path: string;
  first: Chunk | undefined;
  rest: ReadableStreamDefaultReader<Chunk>;
  /** Position of the first image: the stream's own (version 2), else its label's index. */
  at: number | undefined;
}

/** The global index of a part's first image (undefined for an empty part or an unknown one). */
function firstIndex(p: Part): number | undefined {
  if (!p.first) return undefined;
  if (p.at !== undefined) return p.at;
  const index = p.first.labels[0]?.index;
  return typeof index === "number" ? index : undefined;
}

/**
 * Writes the images of `parts` to `out` under their common header: parts are put in order of
 * their first image's label index when every label has one (else kept as given), and must then
 * follow on without gap or overlap and add up to the header's `n`. Returns the image count.
 */
export async function joinShardFiles(parts: string[], out: string): Promise<{ images: number }> {
  if (parts.length === 0) throw new FormatError("no parts to merge");
  const opened: Part[] = [];
  let headerText = "";
  let header;
  for (const path of parts) {
    const source = await readRecords(path);
    const text = JSON.stringify(source.header);
    if (opened.length === 0) [headerText, header] = [text, source.header];
    else if (text !== headerText) {
      throw new FormatError(
        `${path}: its header differs from ${parts[0]}'s (not one run's shards)`,
      );
    }
    const rest = source.chunks.getReader();
    const r = await rest.read();
    opened.push({ path, first: r.done ? undefined : r.value, rest, at: source.extent.first });
  }
  const indexed = opened.filter((p) => p.first).every((p) => firstIndex(p) !== undefined);
  if (indexed) opened.sort((a, b) => (firstIndex(a) ?? Infinity) - (firstIndex(b) ?? Infinity));
  let next = 0;
  async function* chunks(): AsyncGenerator<Chunk> {
    for (const p of opened) {
      let at = firstIndex(p);
      for (let c = p.first; c; c = await nextChunk(p.rest)) {
        const index = p.at !== undefined ? at : c.labels[0]?.index;
        if (indexed && c.count > 0 && index !== next) {
          throw new FormatError(`${p.path}: image index ${index} where ${next} was expected`);
        }
        next += c.count;
        if (at !== undefined) at += c.count;
        yield c;
      }
    }
    if (typeof header!.n === "number" && next !== header!.n) {
      throw new FormatError(`the parts hold ${next} images, their header says n = ${header!.n}`);
    }
  }
  try {
    return await writeRecords(out, header!, chunks());
  } catch (e) {
    // The writer keeps an interrupted file for --resume; a failed merge has nothing to resume.
    await Deno.remove(`${out}.partial`).catch(() => {});
    throw e;
  }
}

async function nextChunk(reader: ReadableStreamDefaultReader<Chunk>): Promise<Chunk | undefined> {
  const r = await reader.read();
  return r.done ? undefined : r.value;
}
