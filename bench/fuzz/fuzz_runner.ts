/**
 * Mutation fuzzing of one reader: each input is a seeded mutation of a valid file, and its
 * outcome falls in one class: rejected (a FormatError, as it should), same (accepted, same
 * content), crash (any other error), hang (over the time limit), memory (over the allocation
 * limit), silent (accepted with other content) or unverifiable (the same, for a format without
 * a checksum).
 * @module
 */
import { SasquashError } from "../../pipeline/errors.ts";
import { mulberry32 } from "../../pipeline/seeded_random.ts";
import { mutate, MUTATIONS } from "./mutate.ts";
import type { FuzzTarget } from "./targets.ts";

/** Outcome classes, in the order they are reported. */
export const CLASSES = [
  "rejected",
  "same",
  "crash",
  "hang",
  "memory",
  "silent",
  "unverifiable",
] as const;

/** One outcome class. */
export type OutcomeClass = typeof CLASSES[number];

/** Options of {@linkcode fuzz}. */
export interface FuzzOptions {
  inputs: number;
  seed: number;
  /** An input taking longer is a hang (default 2000 ms). */
  timeLimitMs?: number;
  /** Growth of heap + external memory over one input that counts as a blow-up (default 64 MiB). */
  memoryLimit?: number;
  /** Called with each finding other than rejected/same (at most `keep` are kept). */
  keep?: number;
}

/** One finding: its class, the mutation and the input that caused it. */
export interface Finding {
  kind: OutcomeClass;
  mutation: string;
  message: string;
  input: Uint8Array;
}

/** What a fuzz pass found. */
export interface FuzzResult {
  target: string;
  inputs: number;
  seconds: number;
  counts: Record<OutcomeClass, number>;
  findings: Finding[];
}

function allocated(): number {
  const m = Deno.memoryUsage();
  return m.heapUsed + m.external;
}

/** Runs `inputs` seeded mutations against `target`. */
export async function fuzz(target: FuzzTarget, options: FuzzOptions): Promise<FuzzResult> {
  const rand = mulberry32(options.seed);
  const timeLimit = options.timeLimitMs ?? 2000;
  const memoryLimit = options.memoryLimit ?? 64 * 2 ** 20;
  const keep = options.keep ?? 20;
  const [base, ...others] = target.corpus;
  const expected = await target.decode(base);
  const counts = Object.fromEntries(CLASSES.map((c) => [c, 0])) as Record<OutcomeClass, number>;
  const findings: Finding[] = [];
  const started = performance.now();
  for (let i = 0; i < options.inputs; i++) {
    const op = MUTATIONS[Math.floor(rand() * MUTATIONS.length)];
    let input = mutate(base, op, rand, others);
    if (rand() < 0.25) {
      input = mutate(input, MUTATIONS[Math.floor(rand() * MUTATIONS.length)], rand, others);
    }
    const before = allocated();
    const t0 = performance.now();
    let kind: OutcomeClass;
    let message = "";
    try {
      const got = await target.decode(input);
      kind = got === expected ? "same" : target.unverifiable ? "unverifiable" : "silent";
    } catch (e) {
      kind = e instanceof SasquashError ? "rejected" : "crash";
      message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    }
    const ms = performance.now() - t0;
    if (ms > timeLimit) kind = "hang";
    else if (allocated() - before > memoryLimit) kind = "memory";
    counts[kind]++;
    if (
      kind !== "rejected" && kind !== "same" && kind !== "unverifiable" && findings.length < keep
    ) {
      findings.push({ kind, mutation: op, message: message || `${ms.toFixed(0)} ms`, input });
    }
  }
  return {
    target: target.name,
    inputs: options.inputs,
    seconds: (performance.now() - started) / 1000,
    counts,
    findings,
  };
}
