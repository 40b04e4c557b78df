import assert from "node:assert/strict";
import { HOST_API_FUNCTIONS } from "../../generators/engine/host_api.ts";

const ENGINE = new URL("../../generators/engine/", import.meta.url);

/** Names `host_api.py` defines or re-exports from `_sas_plan.py`, with their parameters. */
async function pythonSignatures(): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  const api = await Deno.readTextFile(new URL("host_api.py", ENGINE));
  const plan = await Deno.readTextFile(new URL("_sas_plan.py", ENGINE));
  const reexported = new Set(
    (api.match(/from _sas_plan import \(([^)]*)\)/)?.[1] ?? "").replace(/#.*$/gm, "")
      .split(",").map((s) => s.trim()).filter(Boolean),
  );
  for (
    const [source, keep] of [[api, () => true], [plan, (n: string) => reexported.has(n)]] as const
  ) {
    for (const m of source.matchAll(/^def (\w+)\(([^)]*)\):/gm)) {
      if (!m[1].startsWith("_") && keep(m[1])) {
        out.set(m[1], m[2].split(",").map((p) => p.trim().replace(/=.*$/, "")).filter(Boolean));
      }
    }
  }
  return out;
}

Deno.test("HostApi names every function of host_api.py, and only those", async () => {
  const python = await pythonSignatures();
  assert.deepEqual([...HOST_API_FUNCTIONS].sort(), [...python.keys()].sort());
});

Deno.test("HostApi's declared parameter counts match the Python definitions", async () => {
  const python = await pythonSignatures();
  const ts = await Deno.readTextFile(new URL("host_api.ts", ENGINE));
  for (const name of HOST_API_FUNCTIONS) {
    const m = ts.match(new RegExp(`\\b${name}\\(([^)]*)\\)`, "s"));
    assert.ok(m, `${name} is not declared in host_api.ts`);
    const params = m[1].split(",").map((p) => p.trim()).filter(Boolean);
    assert.equal(
      params.length,
      python.get(name)!.length,
      `${name}: ${params} vs ${python.get(name)}`,
    );
  }
});
