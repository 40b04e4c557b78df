/**
 * Typed errors for bad input. Tasks print their message as one line and exit 1;
 * any other error is a bug and keeps its stack trace.
 * @module
 */

/** Base class of every error caused by bad input rather than by a bug. */
export class SasquashError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A file or stream does not follow its format (names the file, line or record). */
export class FormatError extends SasquashError {}

/** A model, its parameters or a plugin file is not valid (names the model and field). */
export class ModelError extends SasquashError {}

/** A command-line flag is missing or invalid (names the flag). */
export class UsageError extends SasquashError {}
