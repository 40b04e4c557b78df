import assert from "node:assert/strict";
import { helpText, parseCli, parseDuration, runTask, type TaskSpec } from "../../tasks/_cli.ts";
import { FormatError } from "../../pipeline/errors.ts";

const spec = {
  name: "probe",
  summary: "A task for the parser's tests.",
  flags: {
    in: { type: "string", help: "input", arg: "FILE", required: true },
    mode: { type: "string", help: "mode", default: "fast", choices: ["fast", "slow"] as const },
    n: { type: "int", help: "count", default: 4, min: 1, max: 8 },
    rate: { type: "number", help: "rate", default: 0.5, above: 0, below: 1 },
    dry: { type: "boolean", help: "dry run" },
  },
} satisfies TaskSpec;

Deno.test("parseCli() fills defaults and converts values of every type", () => {
  const flags = parseCli(["--in", "a.ndjson", "--n=6", "--rate", "0.25", "--dry"], spec);
  assert.notEqual(flags, "help");
  if (flags === "help") return;
  assert.deepEqual(flags, {
    in: "a.ndjson",
    mode: "fast",
    n: 6,
    rate: 0.25,
    dry: true,
    quiet: false,
  });
  // `choices` narrows the type: this assignment compiles only when mode is "fast" | "slow".
  const mode: "fast" | "slow" = flags.mode;
  assert.equal(mode, "fast");
});

Deno.test("parseCli() checks inclusive and exclusive bounds, naming flag and value", () => {
  const bad = (args: string[], message: string) =>
    assert.throws(() => parseCli(["--in", "x", ...args], spec), { name: "UsageError", message });
  bad(["--n", "0"], "--n must be ≥ 1, got 0");
  bad(["--n", "9"], "--n must be ≤ 8, got 9");
  bad(["--n", "2.5"], '--n must be an integer, got "2.5"');
  bad(["--rate", "0"], "--rate must be > 0, got 0");
  bad(["--rate", "1"], "--rate must be < 1, got 1");
  bad(["--rate", "NaN"], '--rate must be a number, got "NaN"');
  bad(["--mode", "medium"], '--mode must be one of fast, slow, got "medium"');
  bad(["--dry=maybe"], '--dry takes no value (or =true/=false), got "maybe"');
  bad(["--size", "3"], "unknown flag --size; see deno task probe --help");
  bad(["--n"], "--n needs a value");
  bad(["stray"], 'unexpected argument "stray" (flags start with --)');
  assert.throws(() => parseCli([], spec), /--in is required/);
  assert.deepEqual(parseCli(["--in", "x", "--n", "8", "--rate", "0.999"], spec), {
    in: "x",
    mode: "fast",
    n: 8,
    rate: 0.999,
    dry: false,
    quiet: false,
  });
});

Deno.test("runTask() returns exit codes: 0 done, 1 typed error, main's own code", async () => {
  const errors: string[] = [];
  const original = console.error;
  console.error = (line: string) => errors.push(line);
  try {
    assert.equal(await runTask(spec, async () => {}, ["--in", "x"]), 0);
    assert.equal(await runTask(spec, () => Promise.resolve(130), ["--in", "x"]), 130);
    const failing = () => Promise.reject(new FormatError("x: line 3: bad"));
    assert.equal(await runTask(spec, failing, ["--in", "x"]), 1);
    assert.equal(await runTask(spec, async () => {}, ["--n", "0", "--in", "x"]), 1);
    await assert.rejects(
      runTask(spec, () => Promise.reject(new TypeError("a bug")), ["--in", "x"]),
      TypeError,
    );
  } finally {
    console.error = original;
  }
  assert.deepEqual(errors, [
    "probe: error: x: line 3: bad",
    "probe: error: --n must be ≥ 1, got 0",
  ]);
});

Deno.test("helpText() lists every flag with its placeholder, choices and default", () => {
  const text = helpText(spec);
  assert.match(text, /^deno task probe\n\nA task for the parser's tests\.\n/);
  assert.match(text, /--in FILE +input \(required\)/);
  assert.match(text, /--mode fast\|slow +mode \(default fast\)/);
  assert.match(text, /--n INT +count \(default 4\)/);
  assert.match(text, /--quiet +no progress output/);
});

Deno.test("parseDuration() reads seconds, minutes and hours, and names the flag otherwise", () => {
  assert.equal(parseDuration("90", "--time"), 90);
  assert.equal(parseDuration("900s", "--time"), 900);
  assert.equal(parseDuration("45m", "--time"), 2700);
  assert.equal(parseDuration("1.5h", "--time"), 5400);
  for (const bad of ["", "0", "1d", "-5m", "h", "1h30m"]) {
    assert.throws(() => parseDuration(bad, "--time"), {
      name: "UsageError",
      message: `--time must be a duration such as 1h, 45m or 900s, got "${bad}"`,
    });
  }
});

Deno.test("runTask() checks path flags before the task runs, one line naming the flag", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/file`, "x");
  const paths = {
    name: "paths",
    summary: "A task with path flags.",
    flags: {
      in: { type: "string", help: "input", arg: "FILE", path: "in-file" },
      model: { type: "string", help: "model", arg: "DIR", path: "in-dir" },
      out: { type: "string", help: "output", arg: "FILE", path: "out-file" },
      report: { type: "string", help: "report", arg: "DIR", path: "out-dir" },
    },
  } satisfies TaskSpec;
  const cases: [string[], string][] = [
    [["--in", dir], `paths: error: --in: ${dir} is a folder, expected a file`],
    [["--in", `${dir}/none`], `paths: error: --in: ${dir}/none: no such file`],
    [["--model", `${dir}/file`], `paths: error: --model: ${dir}/file is a file, expected a folder`],
    [["--out", dir], `paths: error: --out: ${dir} is a folder, expected a file`],
    [
      ["--out", `${dir}/no/x.sqz`],
      `paths: error: --out: ${dir}/no/x.sqz: folder ${dir}/no does not exist`,
    ],
    [
      ["--report", `${dir}/file`],
      `paths: error: --report: ${dir}/file is a file, expected a folder`,
    ],
  ];
  const errors: string[] = [];
  const original = console.error;
  console.error = (line: string) => errors.push(line);
  try {
    for (const [argv, message] of cases) {
      errors.length = 0;
      let ran = false;
      const code = await runTask(paths, () => {
        ran = true;
        return Promise.resolve();
      }, argv);
      assert.equal(code, 1, argv.join(" "));
      assert.equal(ran, false, `${argv.join(" ")}: the task ran`);
      assert.deepEqual(errors, [message]);
    }
    const ok = await runTask(paths, () => Promise.resolve(), [
      "--in",
      `${dir}/file`,
      "--model",
      dir,
      "--out",
      `${dir}/new.sqz`,
      "--report",
      `${dir}/new`,
    ]);
    assert.equal(ok, 0);
  } finally {
    console.error = original;
  }
});

Deno.test("runTask() reports a closed output (broken pipe) as one line, exit 1", async () => {
  const errors: string[] = [];
  const original = console.error;
  console.error = (line: string) => errors.push(line);
  try {
    const code = await runTask(spec, () => {
      throw new Deno.errors.BrokenPipe("Broken pipe (os error 32)");
    }, ["--in", "x"]);
    assert.equal(code, 1);
    assert.deepEqual(errors, ["probe: error: the output was closed (broken pipe)"]);
  } finally {
    console.error = original;
  }
});

Deno.test("parseCli() refuses flags given together that conflict; a default does not count", () => {
  const grid = {
    name: "grid",
    summary: "conflicts",
    flags: {
      from: { type: "string", help: "grid file", conflicts: ["size"] },
      size: { type: "int", help: "pixels", default: 64 },
    },
  } satisfies TaskSpec;
  const flags = parseCli(["--from", "a.h5"], grid);
  assert.deepEqual(flags, { from: "a.h5", size: 64, quiet: false });
  for (const args of [["--from", "a.h5", "--size", "32"], ["--size=32", "--from=a.h5"]]) {
    assert.throws(() => parseCli(args, grid), {
      name: "UsageError",
      message: "--from and --size do not combine",
    });
  }
});
