// The how-to's example (docs/how-to/node.md includes this file): a git-protocol registry,
// two crates, a 503 on the second index fetch, cargo generate-lockfile, typed filters.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { start } from "../index.js"; // from "fakereg" once installed

test("cargo rides out a 503 from the git index", async () => {
  const reg = await start({ protocol: "git" });
  const app = mkdtempSync(join(tmpdir(), "app-"));
  try {
    await reg.addCrate([{ name: "base", version: "1.0.0" }, { name: "top", version: "1.0.0", deps: ["base@1"] }]);
    const fault = await reg.fail({ kind: "git", after: 1, times: 1, status: 503 });
    mkdirSync(join(app, "src"));
    writeFileSync(join(app, "src", "lib.rs"), "");
    writeFileSync(join(app, "Cargo.toml"), `[package]\nname = "app"\nversion = "0.1.0"\n\n` +
      `[dependencies]\ntop = { version = "1", registry = "${reg.name}" }\n`);
    await reg.cargo(["generate-lockfile"], { cwd: app, check: true }); // cargo retried
    assert.equal((await fault.refresh()).hits, 1);
    const [failed] = await reg.assertRequested({ kind: "git", status: 503 }, { count: 1 });
    assert.match(failed.fault, /status=503/);
  } finally {
    await reg.stop();
    rmSync(app, { recursive: true, force: true });
  }
});
