/**
 * The `.sqz` parser fed in 64 KiB chunks: a 64 MiB file whose first record claims 60 000 000
 * bytes (then fails its CRC) against the intact file of the same size, in one run. The parser
 * joins pending chunks once the record is complete, so the two take about as long; a parser
 * that re-copies its leftover bytes on every chunk is quadratic in the first case.
 *
 *   deno run -A bench/sqz_parser.ts
 */
import { encodeSqzHeader, sqzRecordSeed } from "../codec/sqz_header.ts";
import { crc32 } from "node:zlib";
import { encodeSqzEnd, encodeSqzRecord, sqzEndSeed, SqzParser } from "../codec/sqz_container.ts";

const header = encodeSqzHeader({
  modelId: new Uint8Array(32),
  height: 64,
  width: 64,
  dtype: "float32",
  ell: 8192,
  f: "z",
  quant: "fp16",
  gapModelId: 0,
});
const record = encodeSqzRecord({ code: new Uint8Array(1000) });
const records = Math.floor((64 * 2 ** 20 - header.length - 12) / record.length);
const intact = new Uint8Array(header.length + records * record.length + 12);
intact.set(header);
let chain = 0;
for (let i = 0; i < records; i++) {
  const bound = encodeSqzRecord({ code: new Uint8Array(1000) }, sqzRecordSeed(header, i));
  chain = crc32(bound.subarray(0, bound.length - 4), chain);
  intact.set(bound, header.length + i * record.length);
}
intact.set(
  encodeSqzEnd(records, sqzEndSeed(header, records, chain)),
  header.length + records * record.length,
);
const damaged = intact.slice();
new DataView(damaged.buffer).setUint32(header.length, 60_000_000, true);

function parse(bytes: Uint8Array): { seconds: number; outcome: string } {
  const start = performance.now();
  const parser = new SqzParser({ name: "bench.sqz" });
  let count = 0, outcome = "";
  try {
    for (let p = 0; p < bytes.length; p += 65536) {
      parser.push(bytes.subarray(p, p + 65536), () => count++);
    }
    parser.end();
    outcome = `${count} records`;
  } catch (e) {
    outcome = (e as Error).message;
  }
  return { seconds: (performance.now() - start) / 1000, outcome };
}

const ok = parse(intact);
const bad = parse(damaged);
console.log(`intact 64 MiB in 64 KiB chunks: ${ok.seconds.toFixed(3)} s (${ok.outcome})`);
console.log(`record length 60 000 000: ${bad.seconds.toFixed(3)} s (${bad.outcome})`);
console.log(`ratio damaged / intact: ${(bad.seconds / ok.seconds).toFixed(2)}×`);
