// Start and stop a standing fakereg from Node without the client library (the trusted
// publishing example uses it): `python -m fakereg --ready-file`, then SIGTERM and the exit.
// clients/node (the `fakereg` package) does this and more: examples/node/registry.test.mjs.
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

/** Start a registry rooted in `work`; resolves to { server, registry } (the ready file). */
export async function startRegistry(work, extraArgs = []) {
  const ready = join(work, "ready.json");
  const python = process.env.FAKEREG_PYTHON ?? "python3";
  const server = spawn(python, ["-m", "fakereg", "--port", "0", "--quiet", "--root",
    join(work, "root"), "--ready-file", ready, ...extraArgs], { stdio: "ignore" });
  for (let i = 0; i < 400 && !existsSync(ready); i++) await sleep(50);
  return { server, registry: JSON.parse(readFileSync(ready, "utf8")) };
}

/** Stop it and wait until it has exited. */
export async function stopRegistry(server) {
  if (server && server.exitCode === null) {
    const exited = new Promise((resolve) => server.once("exit", resolve));
    server.kill("SIGTERM");
    await exited;
  }
}
