/** Seeded mutations of a valid input: bytes, lines and splices from other valid files. @module */

/** The mutation operators, by name (reported with each finding). */
export const MUTATIONS = [
  "flip-bit",
  "set-byte",
  "insert-bytes",
  "delete-bytes",
  "truncate",
  "duplicate-span",
  "swap-lines",
  "delete-line",
  "duplicate-line",
  "splice-other",
  "big-number",
] as const;

/** One mutation operator's name. */
export type Mutation = typeof MUTATIONS[number];

const INTERESTING = ["-1", "0", "4294967296", "1e8", "1e308", "NaN", '"__proto__"', "[]", "{}"];

function lines(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let start = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 10) {
      out.push(bytes.subarray(start, i + 1));
      start = i + 1;
    }
  }
  if (start < bytes.length) out.push(bytes.subarray(start));
  return out;
}

function join(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) at += (out.set(p, at), p.length);
  return out;
}

/** Applies `op` to `input` using `rand`; `others` are valid files to splice from. */
export function mutate(
  input: Uint8Array,
  op: Mutation,
  rand: () => number,
  others: readonly Uint8Array[],
): Uint8Array {
  const n = input.length;
  if (n === 0) return input.slice();
  const at = Math.floor(rand() * n);
  const span = 1 + Math.floor(rand() * Math.min(64, n));
  const out = input.slice();
  switch (op) {
    case "flip-bit":
      out[at] ^= 1 << Math.floor(rand() * 8);
      return out;
    case "set-byte":
      out[at] = Math.floor(rand() * 256);
      return out;
    case "insert-bytes":
      return join([
        input.subarray(0, at),
        Uint8Array.from({ length: span }, () => Math.floor(rand() * 256)),
        input.subarray(at),
      ]);
    case "delete-bytes":
      return join([input.subarray(0, at), input.subarray(at + span)]);
    case "truncate":
      return input.slice(0, at);
    case "duplicate-span":
      return join([
        input.subarray(0, at + span),
        input.subarray(at, at + span),
        input.subarray(at + span),
      ]);
    case "swap-lines":
    case "delete-line":
    case "duplicate-line": {
      const ls = lines(input);
      const i = Math.floor(rand() * ls.length), j = Math.floor(rand() * ls.length);
      if (op === "swap-lines") [ls[i], ls[j]] = [ls[j], ls[i]];
      else if (op === "delete-line") ls.splice(i, 1);
      else ls.splice(i, 0, ls[i]);
      return join(ls);
    }
    case "splice-other": {
      const other = others[Math.floor(rand() * others.length)] ?? input;
      const from = Math.floor(rand() * other.length);
      return join([
        input.subarray(0, at),
        other.subarray(from, from + span * 4),
        input.subarray(at + span * 4),
      ]);
    }
    case "big-number": {
      const text = new TextDecoder().decode(input);
      const digits = [...text.matchAll(/\d+/g)];
      if (digits.length === 0 || text.includes("\uFFFD")) {
        if (n < 4) return out;
        new DataView(out.buffer).setUint32(Math.min(at, Math.max(0, n - 4)) & ~3, 0xffffffff, true);
        return out;
      }
      const d = digits[Math.floor(rand() * digits.length)];
      const value = INTERESTING[Math.floor(rand() * INTERESTING.length)];
      return new TextEncoder().encode(
        text.slice(0, d.index) + value + text.slice(d.index! + d[0].length),
      );
    }
  }
}
