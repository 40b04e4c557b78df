/**
 * Every failure to read an HDF5 file as one FormatError, `FILE: not a readable HDF5/NXcanSAS file
 * (reason)`: a truncated file, found before the library opens it, and whatever the library
 * reports. The library (npm `h5wasm`) prints its error stack (`HDF5-DIAG: Error detected …`, a
 * dozen lines per failure) to file descriptor 2 and warnings through `console`; a corrupt file
 * would flood the terminal, and a failed dataset read would go unnoticed. These helpers run the
 * library with both captured, and turn a captured stack into a one-line reason.
 * @module
 */

import { FormatError } from "./errors.ts";

type Printer = (...args: unknown[]) => void;
const printers = { log: console.log, warn: console.warn, error: console.error };
/** Where captured text goes while {@linkcode captureHdf5Output} runs; null: print as usual. */
let sink: ((text: string) => void) | null = null;
const text = (args: unknown[]) => args.map(String).join(" ") + "\n";
const forwarder = (name: "log" | "error"): Printer => (...args) =>
  sink ? sink(text(args)) : printers[name].apply(console, args);
const forwarders = { log: forwarder("log"), error: forwarder("error") };

/**
 * While it starts, the library binds `console.log` and `console.error` once (its `out` and `err`,
 * used for warnings such as bad UTF-8 in a corrupt name): these forwarders are what it binds, so
 * that a capture reaches them too. They print as the originals do; {@link releaseConsole} puts
 * the originals back once the library is ready.
 */
Object.assign(console, forwarders);

/** Restores `console.log/error` (unless something else replaced them meanwhile). */
export function releaseConsole(): void {
  if (console.log === forwarders.log) console.log = printers.log;
  if (console.error === forwarders.error) console.error = printers.error;
}

/** What {@linkcode captureHdf5Output} saw: the body's result or error, and the library's text. */
export interface Captured<T> {
  value?: T;
  error?: unknown;
  /** Everything the library wrote to stdout/stderr or through `console`; "" when silent. */
  output: string;
}

/** The part of the Emscripten file system that output goes through. */
interface EmscriptenFs {
  write(
    stream: { fd: number },
    buffer: Uint8Array,
    offset: number,
    length: number,
    position?: number,
    canOwn?: boolean,
  ): number;
}

/**
 * Runs `body` (synchronous: nothing else runs meanwhile) with the library's writes to fd 1 and 2
 * and `console.log/warn/error` captured instead of printed; never throws.
 */
export function captureHdf5Output<T>(fs: EmscriptenFs, body: () => T): Captured<T> {
  const decoder = new TextDecoder();
  let output = "";
  const write = fs.write;
  const current = { log: console.log, warn: console.warn, error: console.error };
  sink = (t) => void (output += t);
  const keep: Printer = (...args) => sink?.(text(args));
  fs.write = (stream, buffer, offset, length, position, canOwn) => {
    if (stream.fd !== 1 && stream.fd !== 2) {
      return write.call(fs, stream, buffer, offset, length, position, canOwn);
    }
    output += decoder.decode(buffer.subarray(offset, offset + length));
    return length;
  };
  Object.assign(console, { log: keep, warn: keep, error: keep });
  try {
    return { value: body(), output };
  } catch (error) {
    return { error, output };
  } finally {
    fs.write = write;
    sink = null;
    Object.assign(console, current);
  }
}

/**
 * One line from the first HDF5 error stack in `output`: the failed call's message and the
 * innermost cause, e.g. "unable to synchronously open file: unknown symbol table entry cache
 * type"; null when `output` holds no error stack (only warnings, or nothing).
 */
export function hdf5Failure(output: string): string | null {
  const lines = output.split("\n");
  const start = lines.findIndex((l) => l.startsWith("HDF5-DIAG"));
  if (start < 0) return null;
  const messages: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith("HDF5-DIAG")) break; // a second stack follows from the first failure
    const m = /^\s*#\d+: .*?\(\): (.*)$/.exec(line);
    if (m) messages.push(m[1].trim());
  }
  if (messages.length === 0) return "HDF5 error";
  const [outer, inner] = [messages[0], messages[messages.length - 1]];
  return outer === inner ? outer : `${outer}: ${inner}`;
}

/** The one error of every HDF5 failure. */
export function unreadableHdf5(path: string, reason: string): FormatError {
  return new FormatError(`${path}: not a readable HDF5/NXcanSAS file (${reason})`);
}

/** First bytes of every HDF5 file. */
export const HDF5_MAGIC: Uint8Array = Uint8Array.of(0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a);

/**
 * Throws a FormatError when an HDF5 file is shorter than the end-of-file address its superblock
 * (at byte 0, versions 0–3) records: a truncated file, caught before the HDF5 library sees it.
 */
export function checkHdf5Length(bytes: Uint8Array, path: string): void {
  if (bytes.length < 16) {
    throw unreadableHdf5(path, `truncated: ${bytes.length} bytes`);
  }
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = bytes[8];
  const offsets = version <= 1 ? bytes[13] : bytes[9];
  const base = version === 0 ? 24 : version === 1 ? 28 : 12;
  const at = base + 2 * offsets; // base address, one other address, then the end-of-file address
  if (offsets !== 8 || version > 3) return; // an unusual layout: left to the library
  if (bytes.length < at + 8) {
    throw unreadableHdf5(path, `truncated: ${bytes.length} bytes`);
  }
  const eof = v.getBigUint64(at, true) + v.getBigUint64(base, true);
  if (BigInt(bytes.length) < eof) {
    throw unreadableHdf5(path, `truncated: ${bytes.length} bytes, its superblock says ${eof}`);
  }
}
