/**
 * Baseline: gzip (lossless) on the raw float32 stream, batch by batch.
 * @module
 */

/** Counts gzip's output size over a stream of float32 batches. */
export class GzipCounter {
  rawBytes = 0;
  gzipBytes = 0;

  /** Compress one batch of images and add up the sizes. */
  async add(images: Float32Array): Promise<void> {
    const bytes = new Uint8Array(images.buffer, images.byteOffset, images.byteLength);
    const gz = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
      new CompressionStream("gzip"),
    );
    for await (const part of gz) this.gzipBytes += part.length;
    this.rawBytes += bytes.length;
  }

  /** The baseline's entry in summary.json. */
  result(): { lossless: true; byte_ratio: number; raw_bytes: number; gzip_bytes: number } {
    return {
      lossless: true,
      byte_ratio: this.rawBytes / Math.max(this.gzipBytes, 1),
      raw_bytes: this.rawBytes,
      gzip_bytes: this.gzipBytes,
    };
  }
}
