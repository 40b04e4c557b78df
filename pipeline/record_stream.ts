/**
 * Reading and writing sasquash NDJSON streams as Web Streams of chunks: `.gz` paths are gzip'd
 * transparently, "-" means stdin/stdout, and files are written atomically (temp name + rename).
 * @module
 */
import { FormatError } from "./errors.ts";
import { atomicWritable } from "./atomic_file.ts";
import { LineSplitStream } from "./_line_split_stream.ts";
import {
  type Chunk,
  encodeChunkLine,
  encodeHeaderLine,
  parseChunkLine,
  parseHeaderLine,
  type StreamHeader,
} from "./record_format.ts";

/** A stream opened for reading: its header and the chunks that follow. */
export interface RecordSource {
  header: StreamHeader;
  chunks: ReadableStream<Chunk>;
}

async function openBytes(path: string): Promise<ReadableStream<Uint8Array>> {
  if (path === "-") return Deno.stdin.readable;
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) throw new FormatError(`${path}: no such file`);
    throw new FormatError(`${path}: cannot open (${(e as Error).message})`);
  }
  const bytes = file.readable;
  if (!path.endsWith(".gz")) return bytes;
  return bytes.pipeThrough(
    new DecompressionStream("gzip") as unknown as TransformStream<Uint8Array, Uint8Array>,
  );
}

/** Open a stream-format file ("-" for stdin) and parse its header; chunks are read lazily. */
export async function readRecords(path: string): Promise<RecordSource> {
  const name = path === "-" ? "<stdin>" : path;
  const lines = (await openBytes(path)).pipeThrough(new LineSplitStream()).getReader();
  const decoder = new TextDecoder();
  let lineNo = 0;
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
      if (text.trim() !== "") return text;
    }
  };
  const first = await nextLine();
  if (first === undefined) throw new FormatError(`${name}: empty file, expected a header line`);
  const header = parseHeaderLine(first, `${name}:${lineNo}`);
  const chunks = new ReadableStream<Chunk>({
    async pull(controller) {
      const line = await nextLine();
      if (line === undefined) controller.close();
      else controller.enqueue(parseChunkLine(line, `${name}:${lineNo}`, header));
    },
    cancel: (reason) => lines.cancel(reason),
  }, { highWaterMark: 2 });
  return { header, chunks };
}

/** Collect every chunk of a stream-format file (for small files and tests). */
export async function readAllRecords(
  path: string,
): Promise<{ header: StreamHeader; chunks: Chunk[] }> {
  const { header, chunks } = await readRecords(path);
  return { header, chunks: await Array.fromAsync(chunks) };
}

/** What an interrupted write left behind: the header and how many images are safely on disk. */
export interface PartialState {
  header: StreamHeader;
  images: number;
  validBytes: number;
}

/**
 * Scan a partial (uncompressed) stream file and find the end of its last complete, valid chunk.
 * Returns undefined when there is no usable partial file.
 */
export async function scanPartial(path: string): Promise<PartialState | undefined> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch {
    return undefined;
  }
  const decoder = new TextDecoder();
  let header: StreamHeader | undefined;
  let images = 0, validBytes = 0, consumed = 0;
  try {
    for await (const line of file.readable.pipeThrough(new LineSplitStream())) {
      consumed += line.length + 1;
      const text = decoder.decode(line);
      try {
        if (!header) header = parseHeaderLine(text, path);
        else images += parseChunkLine(text, path, header).count;
      } catch {
        break;
      }
      validBytes = consumed;
    }
  } catch {
    // a read error ends the scan; what was validated so far stands
  }
  if (!header) return undefined;
  const size = (await Deno.stat(path)).size;
  return { header, images, validBytes: Math.min(validBytes, size) };
}

/** Options for {@linkcode RecordFileWriter.open}. */
export interface WriterOptions {
  /** Continue an interrupted write of the same header instead of starting over. */
  resume?: boolean;
}

/**
 * Writes a stream-format file atomically: lines go to `<path>.partial` (plain NDJSON, a journal
 * that an interrupted run can resume), and `commit()` gzips if needed and moves it to `path`.
 */
export class RecordFileWriter {
  /** Images already on disk when the writer opened (non-zero only when resuming). */
  readonly resumedImages: number;
  #path: string;
  #out: WritableStreamDefaultWriter<Uint8Array>;
  #encoder = new TextEncoder();

  private constructor(path: string, out: WritableStream<Uint8Array>, resumed: number) {
    this.#path = path;
    this.#out = out.getWriter();
    this.resumedImages = resumed;
  }

  /** Open `path` ("-" for stdout) for writing a stream with `header`. */
  static async open(
    path: string,
    header: StreamHeader,
    options: WriterOptions = {},
  ): Promise<RecordFileWriter> {
    if (path === "-") {
      const w = new RecordFileWriter(path, Deno.stdout.writable, 0);
      await w.#writeText(encodeHeaderLine(header));
      return w;
    }
    const partial = `${path}.partial`;
    const state = options.resume ? await scanPartial(partial) : undefined;
    if (state && JSON.stringify(state.header) !== JSON.stringify(header)) {
      throw new FormatError(
        `${partial}: cannot resume: it was started with different settings ` +
          `(header ${JSON.stringify(state.header)}); remove it or drop --resume`,
      );
    }
    const out = atomicWritable(path, {
      resumeAt: state?.validBytes,
      keepOnAbort: true,
      finish: path.endsWith(".gz") ? gzipInto : undefined,
    });
    const w = new RecordFileWriter(path, out, state?.images ?? 0);
    await w.#out.ready;
    if (!state) await w.#writeText(encodeHeaderLine(header));
    return w;
  }

  async #writeText(text: string): Promise<void> {
    await this.#out.write(this.#encoder.encode(text));
  }

  /** Append one chunk. */
  async write(chunk: Chunk): Promise<void> {
    await this.#writeText(encodeChunkLine(chunk));
  }

  /** Finish: flush, gzip when the path ends in .gz, and move the file into place. */
  async commit(): Promise<void> {
    await this.#out.close();
  }

  /** Stop writing and keep the partial file (for --resume). */
  async abort(reason?: unknown): Promise<void> {
    if (this.#path === "-") this.#out.releaseLock();
    else await this.#out.abort(reason).catch(() => {});
  }
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

/** Write `header` and all `chunks` to `path` atomically; returns the number of items written. */
export async function writeRecords(
  path: string,
  header: StreamHeader,
  chunks: ReadableStream<Chunk> | AsyncIterable<Chunk> | Iterable<Chunk>,
): Promise<{ images: number }> {
  const writer = await RecordFileWriter.open(path, header);
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
