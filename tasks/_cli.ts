/**
 * Flag parsing, help text and top-level error handling shared by every task.
 * @module
 */
import { SasquashError, UsageError } from "../pipeline/errors.ts";
import { checkPath, type PathKind } from "../pipeline/path_check.ts";

/** How one flag is parsed. */
export interface FlagSpec {
  type: "string" | "number" | "int" | "boolean";
  help: string;
  default?: string | number | boolean;
  /** The values a string flag may take (`as const` narrows the parsed type to them). */
  choices?: readonly string[];
  /** Lower bound for numbers (inclusive). */
  min?: number;
  /** Upper bound for numbers (inclusive). */
  max?: number;
  /** Exclusive lower bound for numbers: the value must be greater. */
  above?: number;
  /** Exclusive upper bound for numbers: the value must be smaller. */
  below?: number;
  /** Placeholder shown in help, e.g. "FILE". */
  arg?: string;
  /** For a path: checked (exists, file or folder, output folder present) before the task runs. */
  path?: PathKind;
  required?: boolean;
  /** Flags that may not be given together with this one (a default does not count). */
  conflicts?: readonly string[];
}

/** A task's command-line interface: usage line, description and flags. */
export interface TaskSpec {
  name: string;
  summary: string;
  usage?: string;
  flags: Record<string, FlagSpec>;
  examples?: string[];
}

type Value<F extends FlagSpec> = F["type"] extends "boolean" ? boolean
  : F["type"] extends "string" ? F["choices"] extends readonly (infer C)[] ? C : string
  : number;

/** Parsed flags, typed from the spec. */
export type Parsed<S extends TaskSpec> =
  & {
    [K in keyof S["flags"]]:
      | Value<S["flags"][K]>
      | (S["flags"][K]["default"] extends undefined ? undefined : never);
  }
  & { quiet: boolean };

/** The help text of a task. */
export function helpText(spec: TaskSpec): string {
  const lines = [
    `deno task ${spec.name}${spec.usage ? " " + spec.usage : ""}`,
    "",
    spec.summary,
    "",
  ];
  lines.push("Flags:");
  const all: [string, FlagSpec][] = [
    ...Object.entries(spec.flags),
    ["quiet", { type: "boolean", help: "no progress output" }],
    ["help", { type: "boolean", help: "show this help" }],
  ];
  for (const [name, f] of all) {
    const arg = f.type === "boolean"
      ? ""
      : ` ${f.arg ?? (f.choices ? f.choices.join("|") : f.type.toUpperCase())}`;
    const def = f.default !== undefined && f.type !== "boolean" ? ` (default ${f.default})` : "";
    lines.push(
      `  --${name}${arg}`.padEnd(34) + ` ${f.help}${def}${f.required ? " (required)" : ""}`,
    );
  }
  if (spec.examples?.length) lines.push("", "Examples:", ...spec.examples.map((e) => `  ${e}`));
  return lines.join("\n");
}

/** Parse `argv` against `spec`; throws UsageError naming the flag on bad input. */
export function parseCli<S extends TaskSpec>(argv: string[], spec: S): Parsed<S> | "help" {
  const out: Record<string, unknown> = { quiet: false };
  for (const [name, f] of Object.entries(spec.flags)) {
    if (f.default !== undefined) out[name] = f.default;
    else if (f.type === "boolean") out[name] = false;
  }
  const given = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i];
    if (raw === "--help" || raw === "-h") return "help";
    if (!raw.startsWith("--")) {
      throw new UsageError(`unexpected argument "${raw}" (flags start with --)`);
    }
    let [name, value] = raw.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    if (name === "quiet") {
      out.quiet = true;
      continue;
    }
    const f = spec.flags[name];
    if (!f) {
      throw new UsageError(`unknown flag --${name}; see deno task ${spec.name} --help`);
    }
    given.add(name);
    if (f.type === "boolean") {
      if (value !== undefined && value !== "true" && value !== "false") {
        throw new UsageError(`--${name} takes no value (or =true/=false), got "${value}"`);
      }
      out[name] = value !== "false";
      continue;
    }
    if (value === undefined) {
      if (i + 1 >= argv.length) throw new UsageError(`--${name} needs a value`);
      value = argv[++i];
    }
    out[name] = convert(name, f, value);
  }
  for (const name of given) {
    const other = spec.flags[name].conflicts?.find((c) => given.has(c));
    if (other !== undefined) throw new UsageError(`--${name} and --${other} do not combine`);
  }
  for (const [name, f] of Object.entries(spec.flags)) {
    if (f.required && out[name] === undefined) {
      throw new UsageError(`--${name} is required; see deno task ${spec.name} --help`);
    }
  }
  return out as Parsed<S>;
}

function convert(name: string, f: FlagSpec, value: string): string | number {
  if (f.type === "string") {
    if (f.choices && !f.choices.includes(value)) {
      throw new UsageError(`--${name} must be one of ${f.choices.join(", ")}, got "${value}"`);
    }
    return value;
  }
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n)) {
    throw new UsageError(`--${name} must be a number, got "${value}"`);
  }
  if (f.type === "int" && !Number.isInteger(n)) {
    throw new UsageError(`--${name} must be an integer, got "${value}"`);
  }
  if (f.min !== undefined && n < f.min) {
    throw new UsageError(`--${name} must be ≥ ${f.min}, got ${value}`);
  }
  if (f.max !== undefined && n > f.max) {
    throw new UsageError(`--${name} must be ≤ ${f.max}, got ${value}`);
  }
  if (f.above !== undefined && !(n > f.above)) {
    throw new UsageError(`--${name} must be > ${f.above}, got ${value}`);
  }
  if (f.below !== undefined && !(n < f.below)) {
    throw new UsageError(`--${name} must be < ${f.below}, got ${value}`);
  }
  return n;
}

/**
 * Runs a task's main function and returns the process exit code: parses flags, prints help on
 * --help (0), prints a typed error as one line (1); unexpected errors keep their stack trace.
 * `main` may return its own code (130 after Ctrl-C). Entry points end with
 * `Deno.exit(await runTask(spec, main))`.
 */
export async function runTask<S extends TaskSpec>(
  spec: S,
  main: (flags: Parsed<S>) => Promise<number | void>,
  argv: string[] = Deno.args,
): Promise<number> {
  try {
    const flags = parseCli(argv, spec);
    if (flags === "help") {
      console.log(helpText(spec));
      return 0;
    }
    for (const [name, f] of Object.entries(spec.flags)) {
      const value = (flags as Record<string, unknown>)[name];
      if (f.path && typeof value === "string") await checkPath(value, f.path, name);
    }
    return (await main(flags)) ?? 0;
  } catch (e) {
    if (e instanceof SasquashError || isSystemError(e)) {
      const message = e instanceof Deno.errors.BrokenPipe
        ? "the output was closed (broken pipe)"
        : (e as Error).message;
      console.error(`${spec.name}: error: ${message}`);
      return 1;
    }
    throw e;
  }
}

/** Seconds in "90", "90s", "45m" or "1.5h"; UsageError naming `flag` otherwise. */
export function parseDuration(text: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)([smh]?)$/.exec(text.trim());
  const seconds = m ? Number(m[1]) * ({ "": 1, s: 1, m: 60, h: 3600 }[m[2]] ?? 1) : NaN;
  if (!(seconds > 0)) {
    throw new UsageError(`${flag} must be a duration such as 1h, 45m or 900s, got "${text}"`);
  }
  return seconds;
}

/** Errors of the file system and pipes: bad paths or a closed output, not bugs. */
function isSystemError(e: unknown): boolean {
  const E = Deno.errors;
  return [E.NotFound, E.PermissionDenied, E.IsADirectory, E.NotADirectory, E.BrokenPipe]
    .some((kind) => e instanceof kind);
}

/**
 * Splits `argv` into positional arguments and the flags (with their values) that `parseCli`
 * takes, for tasks that name files after their flags (`merge --out F PART…`).
 */
export function splitPositional(
  argv: string[],
  spec: TaskSpec,
): { parts: string[]; flags: string[] } {
  const parts: string[] = [], flags: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith("-") || a === "-") {
      parts.push(a);
      continue;
    }
    flags.push(a);
    const f = spec.flags[a.replace(/^--?/, "").split("=")[0]];
    if (f && f.type !== "boolean" && !a.includes("=") && i + 1 < argv.length) flags.push(argv[++i]);
  }
  return { parts, flags };
}
