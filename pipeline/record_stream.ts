/**
 * Reading and writing sasquash NDJSON streams as Web Streams of chunks: `.gz` paths are gzip'd
 * transparently, "-" means stdin/stdout, and files are written atomically (temp name + rename).
 * A `.npy` path is read and written as a numpy array whose first axis indexes images.
 * @module
 */
import { FormatError, UsageError } from "./errors.ts";
import { openInput } from "./input_file.ts";
import { readNpyRecords, writeNpyRecords } from "./npy.ts";
import { atomicWritable } from "./atomic_file.ts";
import { LineSplitStream } from "./_line_split_stream.ts";
import { crc32 } from "node:zlib";
import {
  type Chunk,
  chunkLineAt,
  encodeChunkLine,
  encodeHeaderLine,
  encodeTrailerLine,
  headerCrc,
  isTrailerLine,
  parseChunkLine,
  parseHeaderLine,
  parseTrailerLine,
  type StreamHeader,
  type StreamTrailer,
} from "./record_format.ts";

/** A stream opened for reading: its header and the chunks that follow. */
export interface RecordSource {
  header: StreamHeader;
  chunks: ReadableStream<Chunk>;
  /** What has been read so far: global index of the first item (version 2), items, chunks. */
  extent: { readonly first?: number; readonly items: number; readonly chunks: number };
}

async function openBytes(path: string): Promise<ReadableStream<Uint8Array>> {
  if (path === "-") return Deno.stdin.readable;
  const bytes = (await openInput(path)).readable;
  if (!path.endsWith(".gz")) return bytes;
  return bytes.pipeThrough(
    new DecompressionStream("gzip") as unknown as TransformStream<Uint8Array, Uint8Array>,
  );
}

/** Options for {@linkcode readRecords}. */
export interface ReadOptions {
  /** Called once with a warning (a version-1 file, which cannot be verified); default stderr. */
  onWarning?: (message: string) => void;
}

/**
 * Open a stream-format file ("-" for stdin) and parse its header; chunks are read lazily. A
 * version-2 stream is verified as it is read: each chunk's CRC and position, and at the end the
 * trailer (item and chunk counts, CRC of the whole stream), so a missing, repeated, reordered or
 * foreign chunk line, or a file cut at a line boundary, fails with a FormatError at that line.
 * A `.npy` file is read as its images (labels `{index}`), one chunk of 256 at a time.
 */
export async function readRecords(path: string, options: ReadOptions = {}): Promise<RecordSource> {
  if (isNpyPath(path)) return await readNpyRecords(path);
  return await readRecordBytes(await openBytes(path), path === "-" ? "<stdin>" : path, options);
}

/** {@linkcode readRecords} of a byte stream already open; `name` is used in messages. */
export async function readRecordBytes(
  bytes: ReadableStream<Uint8Array>,
  name: string,
  options: ReadOptions = {},
): Promise<RecordSource> {
  const lines = bytes.pipeThrough(new LineSplitStream()).getReader();
  const decoder = new TextDecoder();
  let lineNo = 0;
  let crc = 0;
  const nextLine = async (): Promise<string | undefined> => {
    while (true) {
      let r: ReadableStreamReadResult<Uint8Array>;
      try {
        r = await lines.read();
      } catch (e) {
        throw new FormatError(
          `${name}: after line ${lineNo}: corrupt or truncated data (${(e as Error).message})`,
        );
      }
      if (r.done) return undefined;
      lineNo++;
      const text = decoder.decode(r.value);
      const before = crc;
      crc = crc32(NEWLINE, crc32(r.value, crc));
      if (text.trim() !== "") {
        lastCrc = before;
        return text;
      }
    }
  };
  let lastCrc = 0;
  const first = await nextLine();
  if (first === undefined) throw new FormatError(`${name}: empty file, expected a header line`);
  const header = parseHeaderLine(first, `${name}:${lineNo}`);
  if (header.version === 1) {
    (options.onWarning ?? console.error)(
      `${name}: stream format version 1 has no checksums; its integrity cannot be verified`,
    );
  }
  const check = new StreamCheck(name, header, first);
  const chunks = new ReadableStream<Chunk>({
    async pull(controller) {
      while (true) {
        const line = await nextLine();
        const where = `${name}:${lineNo}`;
        if (line === undefined) {
          check.end(where);
          return controller.close();
        }
        if (header.version === 1 || !isTrailerLine(line)) {
          return controller.enqueue(check.chunk(line, where));
        }
        check.trailer(parseTrailerLine(line, where), lastCrc, where);
      }
    },
    cancel: (reason) => lines.cancel(reason),
  }, { highWaterMark: 2 });
  return { header, chunks, extent: check };
}

const NEWLINE = new Uint8Array([10]);

/** Whether `path` names a numpy `.npy` file (read and written as one array of images). */
export const isNpyPath = (path: string): boolean => path.endsWith(".npy");

/** Follows a stream line by line: positions, counts, and the trailer of a version-2 stream. */
class StreamCheck {
  first?: number;
  // counted for version 1 too, so that `extent` says how much was read
  items = 0;
  chunks = 0;
  #seed: number;
  #trailerAt?: string;
  constructor(readonly name: string, readonly header: StreamHeader, headerLine: string) {
    this.#seed = headerCrc(headerLine);
  }

  chunk(line: string, where: string): Chunk {
    if (this.#trailerAt) {
      throw new FormatError(`${where}: a line after the trailer (${this.#trailerAt})`);
    }
    if (this.header.version === 1) {
      const chunk = parseChunkLine(line, where, this.header);
      this.items += chunk.count;
      this.chunks++;
      return chunk;
    }
    const at = this.first === undefined ? chunkLineAt(line) ?? 0 : this.first + this.items;
    const chunk = parseChunkLine(line, where, this.header, { at, seed: this.#seed });
    this.first ??= at;
    this.items += chunk.count;
    this.chunks++;
    return chunk;
  }

  trailer(t: StreamTrailer, crc: number, where: string): void {
    if (this.#trailerAt) {
      throw new FormatError(`${where}: a second trailer (first at ${this.#trailerAt})`);
    }
    const first = this.first ?? t.first;
    if (t.first !== first || t.items !== this.items || t.chunks !== this.chunks) {
      throw new FormatError(
        `${where}: the trailer counts ${t.items} items in ${t.chunks} chunks from item ${t.first}, ` +
          `the file holds ${this.items} in ${this.chunks} from item ${first} ` +
          `(chunk lines are missing or added)`,
      );
    }
    if (t.crc32 !== crc) {
      throw new FormatError(`${where}: stream CRC mismatch (the header or a line was changed)`);
    }
    this.#trailerAt = where;
  }

  end(where: string): void {
    if (this.header.version !== 1 && !this.#trailerAt) {
      throw new FormatError(
        `${this.name}: no trailer line after line ${where.slice(this.name.length + 1)}: ` +
          `the file is truncated or was not finished`,
      );
    }
  }
}

/** Collect every chunk of a stream-format file (for small files and tests). */
export async function readAllRecords(
  path: string,
  options: ReadOptions = {},
): Promise<{ header: StreamHeader; chunks: Chunk[] }> {
  const { header, chunks } = await readRecords(path, options);
  return { header, chunks: await Array.fromAsync(chunks) };
}

/** What an interrupted write left behind: the header and how many images are safely on disk. */
export interface PartialState {
  header: StreamHeader;
  /** The header line as written (without newline). */
  headerLine: string;
  images: number;
  chunks: number;
  /** Global index of the first image (undefined with no chunk yet). */
  first?: number;
  validBytes: number;
  /** CRC-32 of the first `validBytes` bytes. */
  crc: number;
}

/**
 * Scan a partial (uncompressed) stream file and find the end of its last complete, valid chunk
 * line (newline included; a trailer line is dropped and rewritten on commit).
 * Returns undefined when there is no usable partial file.
 */
export async function scanPartial(path: string): Promise<PartialState | undefined> {
  let file: Deno.FsFile;
  let size: number;
  try {
    file = await Deno.open(path, { read: true });
    size = (await file.stat()).size;
  } catch {
    return undefined;
  }
  const decoder = new TextDecoder();
  let check: StreamCheck | undefined;
  let headerLine = "";
  let validBytes = 0, consumed = 0, crc = 0, validCrc = 0;
  try {
    for await (const line of file.readable.pipeThrough(new LineSplitStream())) {
      consumed += line.length + 1;
      if (consumed > size) break; // the last line has no newline: not complete
      const text = decoder.decode(line);
      crc = crc32(NEWLINE, crc32(line, crc));
      try {
        if (!check) {
          check = new StreamCheck(path, parseHeaderLine(text, path), text);
          headerLine = text;
        } else if (isTrailerLine(text)) break;
        else check.chunk(text, path);
      } catch {
        break;
      }
      validBytes = consumed;
      validCrc = crc;
    }
  } catch {
    // a read error ends the scan; what was validated so far stands
  }
  if (!check) return undefined;
  return {
    header: check.header,
    headerLine,
    images: check.items,
    chunks: check.chunks,
    first: check.first,
    validBytes,
    crc: validCrc,
  };
}

/** Options for {@linkcode RecordFileWriter.open}. */
export interface WriterOptions {
  /** Continue an interrupted write of the same header instead of starting over. */
  resume?: boolean;
  /** Global index of the first item (a shard's start); written as the chunks' `at`. */
  first?: number;
  /** Keep `<path>.partial` when the write fails, for `--resume` (default true). */
  journal?: boolean;
}

/**
 * Writes a stream-format file atomically: lines go to `<path>.partial` (plain NDJSON, a journal
 * that an interrupted run can resume), and `commit()` writes the trailer, gzips if needed and
 * moves it to `path`.
 */
export class RecordFileWriter {
  /** Images already on disk when the writer opened (non-zero only when resuming). */
  readonly resumedImages: number;
  #path: string;
  #out: WritableStreamDefaultWriter<Uint8Array>;
  #encoder = new TextEncoder();
  #seed: number;
  #trailer: StreamTrailer;

  private constructor(
    path: string,
    out: WritableStream<Uint8Array>,
    headerLine: string,
    trailer: StreamTrailer,
  ) {
    this.#path = path;
    this.#out = out.getWriter();
    this.#seed = headerCrc(headerLine);
    this.#trailer = trailer;
    this.resumedImages = trailer.items;
  }

  /** Open `path` ("-" for stdout) for writing a stream with `header`. */
  static async open(
    path: string,
    header: StreamHeader,
    options: WriterOptions = {},
  ): Promise<RecordFileWriter> {
    const headerLine = encodeHeaderLine(header);
    const first = options.first ?? 0;
    const fresh = { first, items: 0, chunks: 0, crc32: 0 };
    if (isNpyPath(path)) {
      throw new UsageError(
        `cannot write ${path} as it goes: .npy holds whole arrays; write .ndjson[.gz] and ` +
          `convert it (deno task convert)`,
      );
    }
    if (path === "-") {
      const w = new RecordFileWriter(path, Deno.stdout.writable, headerLine, fresh);
      await w.#writeText(headerLine);
      return w;
    }
    const partial = `${path}.partial`;
    const state = options.resume ? await scanPartial(partial) : undefined;
    if (state) checkResumable(partial, state, headerLine, first);
    const out = atomicWritable(path, {
      resumeAt: state?.validBytes,
      keepOnAbort: options.journal ?? true,
      finish: path.endsWith(".gz") ? gzipInto : undefined,
    });
    const trailer = state
      ? { first, items: state.images, chunks: state.chunks, crc32: state.crc }
      : fresh;
    const w = new RecordFileWriter(path, out, headerLine, trailer);
    await w.#out.ready;
    if (!state) await w.#writeText(headerLine);
    return w;
  }

  async #writeText(text: string, count = true): Promise<void> {
    const bytes = this.#encoder.encode(text);
    if (count) this.#trailer.crc32 = crc32(bytes, this.#trailer.crc32);
    await this.#out.write(bytes);
  }

  /** Append one chunk. */
  async write(chunk: Chunk): Promise<void> {
    const t = this.#trailer;
    await this.#writeText(encodeChunkLine(chunk, { at: t.first + t.items, seed: this.#seed }));
    t.items += chunk.count;
    t.chunks++;
  }

  /** Finish: write the trailer, flush, gzip when the path ends in .gz, move the file into place. */
  async commit(): Promise<void> {
    await this.#writeText(encodeTrailerLine(this.#trailer), false);
    if (this.#path === "-") this.#out.releaseLock();
    else await this.#out.close();
  }

  /** Stop writing and keep the partial file (for --resume). */
  async abort(reason?: unknown): Promise<void> {
    if (this.#path === "-") this.#out.releaseLock();
    else await this.#out.abort(reason).catch(() => {});
  }
}

/** Refuses to resume a partial written with other settings, naming what differs. */
function checkResumable(
  partial: string,
  state: PartialState,
  headerLine: string,
  first: number,
): void {
  if (state.headerLine !== headerLine.trimEnd()) {
    const ours = JSON.parse(headerLine) as Record<string, unknown>;
    const theirs = state.header as Record<string, unknown>;
    const keys = [...new Set([...Object.keys(ours), ...Object.keys(theirs)])]
      .filter((k) => JSON.stringify(ours[k]) !== JSON.stringify(theirs[k]));
    const shown = keys.slice(0, 3).map((k) =>
      `${k} (partial ${short(theirs[k])}, this run ${short(ours[k])})`
    );
    throw new FormatError(
      `${partial}: cannot resume: it was started with different settings: ` +
        `${shown.join("; ") || "header layout"}; remove it or drop --resume`,
    );
  }
  if (state.first !== undefined && state.first !== first) {
    throw new FormatError(
      `${partial}: cannot resume: it holds items from ${state.first}, this run starts at ` +
        `${first} (another --shard?); remove it or drop --resume`,
    );
  }
}

function short(value: unknown): string {
  const text = JSON.stringify(value) ?? "absent";
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Gzips the complete plain journal `partial` into `path` (atomically) and removes the journal. */
async function gzipInto(partial: string, path: string): Promise<void> {
  const src = await Deno.open(partial, { read: true });
  await src.readable
    .pipeThrough(
      new CompressionStream("gzip") as unknown as TransformStream<Uint8Array, Uint8Array>,
    )
    .pipeTo(atomicWritable(path, { suffix: ".tmp" }));
  await Deno.remove(partial);
}

/**
 * Write `header` and all `chunks` to `path` atomically; returns the number of items written. A
 * `.npy` path gets the images as one array (labels beyond `{index}` beside it, `.labels.json`).
 */
export async function writeRecords(
  path: string,
  header: StreamHeader,
  chunks: ReadableStream<Chunk> | AsyncIterable<Chunk> | Iterable<Chunk>,
): Promise<{ images: number }> {
  if (isNpyPath(path)) return await writeNpyRecords(path, header, chunks);
  const writer = await RecordFileWriter.open(path, header, { journal: false });
  let images = 0;
  try {
    for await (const chunk of chunks) {
      await writer.write(chunk);
      images += chunk.count;
    }
  } catch (e) {
    await writer.abort(e);
    throw e;
  }
  await writer.commit();
  return { images };
}
