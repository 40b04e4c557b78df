/**
 * Labels packed in blocks (`.sqz` version 2 with the packed-labels bit): the labels of up to
 * {@link LABEL_BLOCK} consecutive records travel deflated as one JSON array inside the code of the
 * block's first record, so that their repeated keys are stored about once per block instead of
 * once per image. Each record's code becomes `LEB128 L · L bytes (deflate-raw of the JSON array;
 * L = 0 in the block's other records) · the code`, and the container's own label is empty.
 * Layout: docs/FORMAT.md, "Packed labels".
 * @module
 */

import { deflateRawSync, inflateRawSync } from "node:zlib";
import { FormatError } from "../pipeline/errors.ts";
import { prefixWithLength, splitAtLength } from "./_length_prefix.ts";
import type { SqzInput, SqzRecord } from "./sqz_container.ts";

/** Records per label block (64: 430 → 93 label bytes per generator image, 300 → 83). */
export const LABEL_BLOCK = 64;
/** Largest inflated label block accepted (guards against a deflate bomb). */
const MAX_BLOCK_BYTES = 1 << 26;

const EMPTY = new Uint8Array(0);
const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** Moves the labels of each block of records into its first record's code. */
export class PackLabelsStream extends TransformStream<SqzInput, SqzInput> {
  constructor(block = LABEL_BLOCK) {
    let pending: SqzInput[] = [];
    const flush = (controller: TransformStreamDefaultController<SqzInput>) => {
      if (pending.length === 0) return;
      const labels = pending.map((p) => p.label ?? null);
      const packed = deflateRawSync(encoder.encode(JSON.stringify(labels)), { level: 9 });
      pending.forEach((p, i) =>
        controller.enqueue({ code: prefixWithLength(i === 0 ? packed : EMPTY, p.code) })
      );
      pending = [];
    };
    super({
      transform(input, controller) {
        pending.push(input);
        if (pending.length === block) flush(controller);
      },
      flush,
    });
  }
}

/** Restores labels record by record (what {@link UnpackLabelsStream} runs). */
export class LabelUnpacker {
  #labels: (Record<string, unknown> | null)[] = [];
  #next = 0;
  #name: string;

  /** `name` (the file) prefixes error messages. */
  constructor(name = "input") {
    this.#name = name;
  }

  /** The record with its label restored and its code without the block. */
  take(record: SqzRecord): SqzRecord {
    const where = `${this.#name}: record ${record.index}`;
    const { first: block, rest: code } = splitAtLength(record.code, where, "label block");
    if (block.length > 0) {
      if (this.#next < this.#labels.length) {
        throw new FormatError(`${where}: label block before the last one ended`);
      }
      this.#labels = inflateBlock(block, where);
      this.#next = 0;
    }
    if (this.#next >= this.#labels.length) {
      throw new FormatError(`${where}: no label block covers this record`);
    }
    const label = this.#labels[this.#next++];
    return label === null ? { index: record.index, code } : { index: record.index, code, label };
  }

  /** Throws when the last block names records that never came. */
  end(): void {
    const missing = this.#labels.length - this.#next;
    if (missing > 0) {
      throw new FormatError(`${this.#name}: the last label block names ${missing} missing records`);
    }
  }
}

/** Restores the labels of records written by {@link PackLabelsStream}; FormatError names `name`. */
export class UnpackLabelsStream extends TransformStream<SqzRecord, SqzRecord> {
  constructor(name = "input") {
    const unpacker = new LabelUnpacker(name);
    super({
      transform: (record, controller) => controller.enqueue(unpacker.take(record)),
      flush: () => unpacker.end(),
    });
  }
}

/** {@link LabelUnpacker} over a whole file's records in memory. */
export function unpackLabels(records: SqzRecord[], name = "input"): SqzRecord[] {
  const unpacker = new LabelUnpacker(name);
  const out = records.map((r) => unpacker.take(r));
  unpacker.end();
  return out;
}

function inflateBlock(block: Uint8Array, where: string): (Record<string, unknown> | null)[] {
  let parsed: unknown;
  try {
    const text = decoder.decode(inflateRawSync(block, { maxOutputLength: MAX_BLOCK_BYTES }));
    parsed = JSON.parse(text);
  } catch (e) {
    throw new FormatError(`${where}: label block is not deflated JSON (${(e as Error).message})`);
  }
  const ok = Array.isArray(parsed) && parsed.length > 0 &&
    parsed.every((l) => l === null || (typeof l === "object" && !Array.isArray(l)));
  if (!ok) throw new FormatError(`${where}: label block is not a non-empty array of objects`);
  return parsed as (Record<string, unknown> | null)[];
}
