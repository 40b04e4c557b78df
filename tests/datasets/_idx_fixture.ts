/** Tiny hand-made IDX buffers for the dataset tests. */

/** An IDX buffer of unsigned bytes with the given dims and payload (header written by hand). */
export function idxBytes(dims: number[], payload: ArrayLike<number>, type = 0x08): Uint8Array {
  const bytes = new Uint8Array(4 + 4 * dims.length + payload.length);
  bytes.set([0, 0, type, dims.length]);
  const view = new DataView(bytes.buffer);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  bytes.set(payload, 4 + 4 * dims.length);
  return bytes;
}

/** `bytes` gzip-compressed. */
export async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
