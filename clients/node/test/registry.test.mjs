// The client through real cargo: publish, resolve, a fault cargo meets, a wait, an assertion's words.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { generateKeyPairSync } from "node:crypto";
import { tmpdir } from "node:os";
import { inspect } from "node:util";
import { join } from "node:path";
import { start, FakeregError } from "../index.js";
import { commandLine } from "../process.js";

const work = mkdtempSync(join(tmpdir(), "fakereg-client-"));
after(() => rmSync(work, { recursive: true, force: true }));

/** A library crate in `work/<name>` depending on `deps` (names at "1") from the registry. */
function project(name, registry, deps = [], version = "0.1.0") {
  const folder = join(work, name);
  mkdirSync(join(folder, "src"), { recursive: true });
  const lines = deps.map((dep) => `${dep} = { version = "1", registry = "${registry}" }`);
  writeFileSync(
    join(folder, "Cargo.toml"),
    `[package]\nname = "${name}"\nversion = "${version}"\nedition = "2021"\n` +
      `description = "test"\nlicense = "MIT"\n\n[dependencies]\n${lines.join("\n")}\n`,
  );
  writeFileSync(join(folder, "src", "lib.rs"), "");
  return folder;
}

test("git protocol: a 503 on the second index fetch, cargo resolves the seeded crates, the journal shows it", async () => {
  const reg = await start({ protocol: "git", name: "company" });
  try {
    assert.match(reg.indexUrl, /\/git\/index$/);
    await reg.addCrate([
      { name: "base", version: "1.0.0" },
      { name: "top", version: "1.1.0", deps: ["base@1"] },
    ]);
    const fault = await reg.fail({ kind: "git", after: 1, times: 1, status: 503 });
    const result = await reg.cargo(["generate-lockfile"], { cwd: project("app", "company", ["top"]) });
    assert.equal(result.status, 0, result.stderr);
    const lock = readFileSync(join(work, "app", "Cargo.lock"), "utf8");
    assert.match(lock, /name = "top"\nversion = "1.1.0"/);
    assert.match(lock, /name = "base"\nversion = "1.0.0"/);
    const git = await reg.requests({ kind: "git" });
    assert.equal(git[1].status, 503, JSON.stringify(git.map((r) => [r.method, r.path, r.status])));
    assert.match(git[1].fault, /status=503/);
    assert.ok(git.slice(2).some((r) => r.status === 200), "cargo retried the fetch");
    await fault.refresh();
    assert.equal(fault.hits, 1);
    assert.equal(fault.active, false);
    await reg.assertRequested({ kind: "git", status: 503 }, { count: 1 });
  } finally {
    await reg.stop();
  }
  assert.equal(reg.running, false);
});

test("cargo publish --no-verify, then waitFor and publishes() see it", async () => {
  const reg = await start();
  try {
    const since = await reg.mark();
    const folder = project("published", reg.name);
    const publishing = reg.cargo(["publish", "--no-verify", "--registry", reg.name], { cwd: folder });
    const [request] = await reg.waitFor({ kind: "publish" }, { since, timeout: 60 });
    assert.equal(request.method, "PUT");
    assert.equal(request.crate, "published");
    assert.ok(!JSON.stringify(request.headers).includes(reg.token), "the token is redacted");
    const result = await publishing;
    assert.equal(result.status, 0, result.stderr);
    const [record] = await reg.publishes({ since: 0 });
    assert.equal(record.name, "published");
    assert.equal(record.version, "0.1.0");
    assert.equal(record.accepted, true);
    assert.equal(record.login, reg.login);
    const [crate] = await reg.crates();
    assert.deepEqual(crate.versions.map((v) => v.num), ["0.1.0"]);
  } finally {
    await reg.stop();
  }
});

test("a failed assertion says which requests came closest; a failed wait is a 408", async () => {
  const reg = await start();
  try {
    await reg.addCrate({ name: "present", version: "1.0.0" });
    const result = await reg.cargo(["generate-lockfile"], { cwd: project("reader", reg.name, ["present"]) });
    assert.equal(result.status, 0, result.stderr);
    await reg.assertRequested({ kind: "index", crate: "present" });
    await assert.rejects(reg.assertRequested({ kind: "index", crate: "absent" }), (error) => {
      assert.ok(error instanceof FakeregError);
      assert.equal(error.status, 408);
      assert.match(error.message, /expected at least 1 request\(s\) matching kind='index', crate='absent', found 0/);
      assert.match(error.message, /present/); // the closest request the server saw
      return true;
    });
    await assert.rejects(reg.waitFor({ kind: "publish" }, { timeout: 0.2 }), (error) => {
      assert.equal(error.status, 408);
      return true;
    });
  } finally {
    await reg.stop();
  }
});

test("control calls: users, tokens, a fault removed, an index delay, reset, errors", async () => {
  // Node 20 has Symbol.asyncDispose but not yet `await using`: what that statement would run.
  const reg = await start({ strict: true, ownerInvitations: true });
  try {
  const user = await reg.addUser("alice", { name: "Alice" });
  assert.equal(user.login, "alice");
  const token = await reg.addToken({ login: "alice", scopes: ["publish-update"], name: "ci" });
  assert.equal(typeof token, "string");
  await reg.revokeToken(token);
  await assert.rejects(reg.revokeToken(token), (error) => error instanceof FakeregError && error.status === 404);
  await assert.rejects(
    reg.addCrate({ name: "needs", version: "1.0.0", deps: ["missing@1"] }),
    (error) => error.status === 400 && /no known crate named `missing`/.test(error.detail),
  );
  await assert.rejects(reg.fail({ kind: "index", status: 503, drop: true }), (error) => error.status === 400);
  const fault = await reg.fail({ kind: "download", status: 500 });
  assert.equal((await reg.faults()).length, 1);
  await fault.remove();
  assert.equal((await reg.faults()).length, 0);
  assert.deepEqual(await reg.delayIndexUpdates({ polls: 2 }), { seconds: null, polls: 2 });
  await reg.delayIndexUpdates();
  const answer = await fetch(reg.url + "/api/v1/crates?q=x");
  assert.equal(answer.status, 200);
  assert.equal((await reg.requests()).length, 1);
  assert.equal((await reg.reset()).reset, true);
  assert.equal((await reg.requests()).length, 0);
  await assert.rejects(reg.requests({ crates: "x" }), /unknown request filter keys: crates/);
  const env = reg.env;
  assert.equal(env.CARGO_HOME, reg.cargoHome);
  assert.equal(env.__CARGO_TEST_FIXED_RETRY_SLEEP_MS, "10");
  assert.doesNotMatch(JSON.stringify(reg) + inspect(reg), new RegExp(reg.token));
  } finally {
    await reg[Symbol.asyncDispose]();
  }
  assert.equal(reg.running, false);
  await assert.rejects(reg.health(), /the registry is stopped/);
});

test("the rest of the control API: owners through cargo owner, teams, keys, trusted publishing, job environments", async () => {
  const reg = await start({ ownerInvitations: true, name: "company" });
  try {
    await reg.addCrate({ name: "shared", version: "1.0.0", owner: reg.login });
    await reg.addUser("erin");
    const owner = await reg.cargo(["owner", "--registry", "company", "--add", "erin", "shared"]);
    assert.equal(owner.status, 0, owner.stderr);
    const [invitation] = await reg.invitations({ crate: "shared" });
    assert.equal(invitation.invitee, "erin");
    await reg.answerInvitation("shared", "erin", "accept");
    assert.deepEqual(await reg.invitations(), []);
    const team = await reg.addTeam("github:acme:ops", ["erin"], { name: "Ops" });
    assert.deepEqual(await reg.teams(), [team]);
    await assert.rejects(reg.emailToken(reg.login), (error) => error.status === 404);
    const { publicKey } = generateKeyPairSync("ec", { namedCurve: "P-384" });
    const { x, y } = publicKey.export({ format: "jwk" });
    const ys = Buffer.from(y, "base64url");
    const point = Buffer.concat([Buffer.from([2 + (ys[ys.length - 1] & 1)]), Buffer.from(x, "base64url")]);
    assert.match(await reg.addPublicKey(reg.login, `k3.public.${point.toString("base64url")}`), /^k3\.pid\./);
    const config = { crate: "shared", repositoryOwner: "acme", repositoryName: "shared", workflowFilename: "ci.yml" };
    const added = await reg.addTrustedPublisher(config);
    const gitlab = { provider: "gitlab", crate: "shared", namespace: "acme", project: "shared", workflowFilepath: ".gitlab-ci.yml" };
    await reg.addTrustedPublisher(gitlab);
    const listed = await reg.trustedPublishers({ crate: "shared" });
    assert.deepEqual(listed.githubConfigs, [added]);
    assert.equal(listed.gitlabConfigs.length, 1);
    assert.equal((await reg.githubActionsEnv({ repository: "acme/shared" })).GITHUB_REPOSITORY, "acme/shared");
    assert.match((await reg.gitlabCiEnv({ project: "acme/shared" })).CRATES_IO_ID_TOKEN, /^ey/);
    const folder = project("packed", "company");
    const target = join(folder, "target");
    const packed = await reg.cargo(["package", "--no-verify", "--allow-dirty", "--target-dir", target], { cwd: folder });
    assert.equal(packed.status, 0, packed.stderr);
    const bytes = readFileSync(join(target, "package", "packed-0.1.0.crate"));
    assert.equal((await reg.importCrate(bytes)).added, true);
    assert.equal((await reg.importCrate(bytes)).added, false);
  } finally {
    await reg.stop();
  }
});

test("start() passes the server's other settings: public keys, local registries, HTTP/2 streams", async () => {
  const { publicKey } = generateKeyPairSync("ec", { namedCurve: "P-384" });
  const { x, y } = publicKey.export({ format: "jwk" });
  const ys = Buffer.from(y, "base64url");
  const point = Buffer.concat([Buffer.from([2 + (ys[ys.length - 1] & 1)]), Buffer.from(x, "base64url")]);
  const key = `k3.public.${point.toString("base64url")}`;
  const options = { publicKeys: { erin: key }, localRegistries: ["sparse+https://example.test/index/"], maxConcurrentStreams: 7 };
  const args = commandLine(options, "/ready.json");
  assert.deepEqual(args.slice(args.indexOf("--public-key"), args.indexOf("--public-key") + 2), ["--public-key", `erin=${key}`]);
  assert.ok(args.includes("--local-registry") && args.includes("--max-concurrent-streams"), args.join(" "));
  // The server takes them (a bad key or number would stop it with its reason).
  const reg = await start(options);
  try {
    assert.match(await reg.addPublicKey("erin", key), /^k3\.pid\./);
  } finally {
    await reg.stop();
  }
  await assert.rejects(start({ publicKeys: { erin: "k3.public.nope" } }), (error) => {
    assert.ok(error instanceof FakeregError);
    assert.match(error.message, /public-key|k3/);
    return true;
  });
});

test("start() names pip install fakereg when the interpreter lacks it", async () => {
  const python = join(work, "python-without-fakereg");
  writeFileSync(python, "#!/bin/sh\necho \"$0: No module named fakereg\" >&2\nexit 1\n");
  chmodSync(python, 0o755);
  await assert.rejects(start({ python }), (error) => {
    assert.ok(error instanceof FakeregError);
    assert.match(error.message, /pip install fakereg/);
    return true;
  });
  await assert.rejects(start({ colour: "blue" }), /unknown option `colour`/);
});

test("tls and authRequired: reg.env makes cargo trust the CA and send the token", async () => {
  // Sparse: cargo sends a token to a private registry's sparse index (not over git).
  const reg = await start({ tls: true, authRequired: true, name: "private" });
  try {
    assert.match(reg.url, /^https:/);
    assert.ok(reg.caPath);
    assert.ok(reg.env.GIT_SSL_CAINFO && reg.env.NODE_EXTRA_CA_CERTS);
    await reg.addCrate({ name: "secret", version: "1.0.0" });
    const result = await reg.cargo(["generate-lockfile"], { cwd: project("private-app", "private", ["secret"]) });
    assert.equal(result.status, 0, result.stderr);
    const header = (request) => request.headers.Authorization ?? request.headers.authorization;
    const [read] = await reg.assertRequested({ kind: "index", crate: "secret", status: 200 });
    assert.ok(header(read) && !header(read).includes(reg.token), header(read)); // redacted
    const [shown] = await reg.requests({ kind: "index", crate: "secret", status: 200, secrets: true });
    assert.equal(header(shown), reg.token); // cargo sent the token reg.env holds
  } finally {
    await reg.stop();
  }
});

test("index.d.ts declares what index.js has, and no more", async () => {
  const { Registry, Fault } = await import("../index.js");
  const declared = readFileSync(new URL("../index.d.ts", import.meta.url), "utf8");
  for (const [name, cls] of [["Registry", Registry], ["Fault", Fault]]) {
    const body = declared.slice(declared.indexOf(`export class ${name}`)).split("\n}\n")[0];
    const methods = [...new Set([...body.matchAll(/^ {2}(\w+)(?:<[^>]*>)?\(/gm)].map((m) => m[1]))].sort();
    const actual = Object.getOwnPropertyNames(cls.prototype)
      .filter((key) => key !== "constructor" && typeof Object.getOwnPropertyDescriptor(cls.prototype, key).value === "function")
      .sort();
    assert.deepEqual(methods, actual, name);
    const getters = Object.getOwnPropertyNames(cls.prototype).filter(
      (key) => Object.getOwnPropertyDescriptor(cls.prototype, key).get,
    );
    for (const getter of getters) assert.match(body, new RegExp(`readonly ${getter}:`), `${name}.${getter}`);
  }
});
