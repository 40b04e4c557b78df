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

/** A model is not valid or does not fit the data; one of the three subclasses says which kind. */
export class ModelError extends SasquashError {}

/** A SAS model (SasView plugin), its parameters or plugin file is not valid (names model, field). */
export class SasModelError extends ModelError {}

/** A trained autoencoder's directory, weights or settings are missing or do not fit (names the file). */
export class TrainedModelError extends ModelError {}

/** A codec model (gap model ρ(δ), quantizer) is missing, invalid or not the one a file was written with. */
export class CodecModelError extends ModelError {}

/** A command-line flag is missing or invalid (names the flag). */
export class UsageError extends SasquashError {}
