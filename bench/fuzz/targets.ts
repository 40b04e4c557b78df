/**
 * The readers the fuzzer attacks, each with a small corpus of valid files and a `decode` that
 * returns a digest of what it read (or throws). A FormatError is the expected rejection.
 * @module
 */
import { mulberry32 } from "../../pipeline/seeded_random.ts";
import { makeChunk, makeHeader } from "../../pipeline/record_format.ts";
import { readRecordBytes, RecordFileWriter } from "../../pipeline/record_stream.ts";
import { encodeNpy, parseNpy } from "../../pipeline/npy.ts";
import { decodeSqz, encodeSqz } from "../../codec/sqz_container.ts";
import { decodeLatent, encodeLatent } from "../../codec/sparse_code.ts";
import { gaussianGapModel } from "../../codec/gap_model.ts";
import type { SqzHeader } from "../../codec/sqz_header.ts";

/** One reader under attack. */
export interface FuzzTarget {
  name: string;
  /** Valid inputs; the first is the one mutated, the others are spliced in. */
  corpus: Uint8Array[];
  /** Reads `bytes` fully; returns a digest of the content (equal content, equal digest). */
  decode(bytes: Uint8Array): Promise<string> | string;
  /**
   * Whether a changed content can go unnoticed by design (the format has no checksum: `.npy`),
   * so that it counts as "unverifiable" rather than as a silent acceptance.
   */
  unverifiable?: boolean;
}

const ELL = 64;
const GAP = gaussianGapModel(1e3);

async function ndjsonFile(seed: number, first = 0, count = 12): Promise<Uint8Array> {
  const rand = mulberry32(seed);
  const path = await Deno.makeTempFile({ suffix: ".ndjson" });
  const w = await RecordFileWriter.open(path, makeHeader([3, 4], { seed }), { first });
  for (let s = first; s < first + count; s += 4) {
    const data = new Float32Array(4 * 12).map(() => rand() * 10 - 5);
    const labels = Array.from({ length: 4 }, (_, i) => ({ index: s + i, model: "sphere" }));
    await w.write(makeChunk([3, 4], data, labels));
  }
  await w.commit();
  const bytes = await Deno.readFile(path);
  await Deno.remove(path);
  return bytes;
}

/** The stream-format reader (`readRecords`), on version-2 files of two runs. */
export async function ndjsonTarget(): Promise<FuzzTarget> {
  return {
    name: "ndjson",
    corpus: [await ndjsonFile(1), await ndjsonFile(2), await ndjsonFile(1, 12, 8)],
    async decode(bytes) {
      const source = await readRecordBytes(ReadableStream.from([bytes]), "fuzz.ndjson", {
        onWarning: () => {},
      });
      const parts = [JSON.stringify(source.header)];
      for await (const c of source.chunks) {
        const raw = new Uint8Array(c.data.buffer, c.data.byteOffset, c.data.byteLength);
        parts.push(JSON.stringify(c.labels), c.dtype, raw.toBase64());
      }
      return parts.join("|");
    },
  };
}

/** The stream-format reader on version-1 files (no checksums: changes are unverifiable). */
export async function ndjsonV1Target(): Promise<FuzzTarget> {
  const v2 = await ndjsonTarget();
  const toV1 = (bytes: Uint8Array) => {
    const lines = new TextDecoder().decode(bytes).split("\n").filter((l) => l !== "");
    const header = { ...JSON.parse(lines[0]), version: 1 };
    const chunks = lines.slice(1, -1).map((l) => {
      const { at: _at, crc32: _crc, ...rest } = JSON.parse(l);
      return JSON.stringify(rest);
    });
    return new TextEncoder().encode([JSON.stringify(header), ...chunks].join("\n") + "\n");
  };
  return { ...v2, name: "ndjson-v1", corpus: v2.corpus.map(toV1), unverifiable: true };
}

/** The `.npy` reader (`parseNpy`). */
export function npyTarget(): FuzzTarget {
  const rand = mulberry32(3);
  const a = encodeNpy({ shape: [2, 4, 4], dtype: "float32", data: new Float32Array(32).map(rand) });
  const b = encodeNpy({ shape: [3, 2], dtype: "float64", data: new Float64Array(6).map(rand) });
  return {
    name: "npy",
    corpus: [a, b],
    unverifiable: true,
    decode(bytes) {
      const arr = parseNpy(bytes, "fuzz.npy");
      const raw = new Uint8Array(arr.data.buffer, arr.data.byteOffset, arr.data.byteLength);
      return `${arr.dtype}|${arr.shape}|${raw.toBase64()}`;
    },
  };
}

function sqzFile(seed: number, quant: "fp16" | "bf16"): Uint8Array {
  const rand = mulberry32(seed);
  const header: SqzHeader = {
    modelId: Uint8Array.of(1, 2, 3, 4),
    height: 8,
    width: 8,
    dtype: "float32",
    ell: ELL,
    f: "z",
    quant,
    gapModelId: GAP.id,
  };
  const inputs = Array.from({ length: 5 }, (_, i) => {
    const z = new Float32Array(ELL).map(() => rand() < 0.2 ? rand() * 4 - 2 : 0);
    return { code: encodeLatent(z, { quant, gapModel: GAP }), label: { index: i } };
  });
  return encodeSqz(header, inputs);
}

/** The `.sqz` container and the sparse-code decoder behind it. */
export function sqzTarget(): FuzzTarget {
  return {
    name: "sqz",
    corpus: [sqzFile(5, "fp16"), sqzFile(6, "bf16"), sqzFile(7, "fp16")],
    decode(bytes) {
      const { header, records } = decodeSqz(bytes, { name: "fuzz.sqz" });
      const parts = [header.quant, header.f, String(header.ell)];
      for (const r of records) {
        const z = decodeLatent(r.code, header.ell, {
          quant: header.quant,
          f: header.f,
          gapModel: GAP,
        });
        const raw = new Uint8Array(z.buffer);
        parts.push(JSON.stringify(r.label ?? null), raw.toBase64());
      }
      return parts.join("|");
    },
  };
}
