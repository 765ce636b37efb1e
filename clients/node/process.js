// The fakereg process: `python -m fakereg --ready-file …` started, waited on and stopped,
// and the environment that points real cargo at it (as Python's `cargo_config.cargo_env`).
import { spawn } from "node:child_process";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

/** The one error of this package: an HTTP `status` (null when none) and the server's `detail`. */
export class FakeregError extends Error {
  constructor(message, { status = null, detail = message } = {}) {
    super(message);
    this.name = "FakeregError";
    this.status = status;
    this.detail = detail;
  }
}

// start()'s options and the command-line flags they become.
const FLAGS = {
  protocol: "--protocol",
  name: "--name",
  token: "--token",
  root: "--root",
  host: "--host",
  maxRecorded: "--max-recorded",
  maxRecordedBody: "--max-recorded-body",
  maxConcurrentStreams: "--max-concurrent-streams",
};
const SWITCHES = {
  tls: "--tls",
  authRequired: "--auth-required",
  strict: "--strict",
  ownerInvitations: "--owner-invitations",
  replaceCratesIo: "--replace-crates-io",
  noHttp2: "--no-http2",
};
const LISTS = {
  users: "--user",
  seed: "--seed",
  allowedHosts: "--allowed-host",
  localRegistries: "--local-registry",
};
// { login: key } objects: one `--public-key LOGIN=KEY` each.
const PAIRS = { publicKeys: "--public-key" };
const OWN = new Set(["python", "readyTimeout", "retrySleepMs", "publishTimeout", "cargo"]);

/** The command-line arguments of `python -m fakereg` for start()'s options. */
export function commandLine(options, readyFile) {
  const args = ["-m", "fakereg", "--port", String(options.port ?? 0), "--quiet"];
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined || value === null || key === "port" || OWN.has(key)) continue;
    if (key in FLAGS) args.push(FLAGS[key], String(value));
    else if (key in SWITCHES) {
      if (value) args.push(SWITCHES[key]);
    } else if (key in LISTS) {
      for (const item of value) args.push(LISTS[key], String(item));
    } else if (key in PAIRS) {
      for (const [name, item] of Object.entries(value)) args.push(PAIRS[key], `${name}=${item}`);
    } else {
      throw new FakeregError(`start(): unknown option \`${key}\``);
    }
  }
  args.push("--ready-file", readyFile);
  return args;
}

const running = new Set();
let exitHookInstalled = false;

function killAllOnExit() {
  // 'exit' allows synchronous work only: a signal is sent, the server tidies up itself.
  for (const child of running) child.kill("SIGTERM");
}

/**
 * Start the server and wait for its ready file; resolves to { child, ready, work }.
 * The child is not kept alive by Node's event loop and is killed when Node exits.
 */
export async function launch(options) {
  const python = options.python ?? process.env.FAKEREG_PYTHON ?? "python3";
  const work = mkdtempSync(join(tmpdir(), "fakereg-node-"));
  const readyFile = join(work, "ready.json");
  let args;
  try {
    args = commandLine(options, readyFile);
  } catch (error) {
    rmSync(work, { recursive: true, force: true });
    throw error;
  }
  const child = spawn(python, args, { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (text) => {
    stderr = (stderr + text).slice(-20000);
  });
  let spawnError = null;
  child.once("error", (error) => {
    spawnError = error;
  });
  running.add(child);
  child.once("exit", () => running.delete(child));
  if (!exitHookInstalled) {
    process.on("exit", killAllOnExit);
    exitHookInstalled = true;
  }
  const deadline = Date.now() + (options.readyTimeout ?? 60000);
  try {
    while (!existsSync(readyFile)) {
      if (spawnError !== null) throw notStarted(python, spawnError, "");
      if (child.exitCode !== null || child.signalCode !== null) {
        await sleep(20); // the last of stderr
        throw notStarted(python, null, stderr);
      }
      if (Date.now() > deadline) {
        throw new FakeregError(`fakereg was not ready after ${options.readyTimeout ?? 60000} ms\n${stderr}`);
      }
      await sleep(25);
    }
  } catch (error) {
    await terminate(child);
    rmSync(work, { recursive: true, force: true });
    throw error;
  }
  const ready = JSON.parse(readFileSync(readyFile, "utf8")); // written whole, then renamed
  child.unref();
  child.stderr.unref?.();
  return { child, ready, work, stderr: () => stderr };
}

function notStarted(python, spawnError, stderr) {
  if (spawnError?.code === "ENOENT") {
    return new FakeregError(
      `cannot run ${python}: not found (set FAKEREG_PYTHON to the interpreter that has fakereg: pip install fakereg)`,
    );
  }
  if (spawnError) return new FakeregError(`cannot run ${python}: ${spawnError.message}`);
  if (/No module named fakereg\b/.test(stderr)) {
    return new FakeregError(
      `${python} has no fakereg module: pip install fakereg (or set FAKEREG_PYTHON to an interpreter that has it)`,
      { detail: stderr },
    );
  }
  return new FakeregError(`fakereg exited before it was ready:\n${stderr.trim()}`, { detail: stderr });
}

/** SIGTERM (the server removes its ready file and temporary root), SIGKILL after 10 s. */
export async function terminate(child, graceMs = 10000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
  running.delete(child);
}

const FOREIGN_NAMES = new Set(["CARGO_HOME", "CARGO_HTTP_PROXY"]);
const FOREIGN_PREFIXES = ["CARGO_REGISTRIES_", "CARGO_REGISTRY_"];
const LOOPBACK = ["127.0.0.1", "localhost", "::1"];

/** A copy of `base` (process.env) that points cargo at `cargoHome` only. */
export function cargoEnv(cargoHome, { retrySleepMs = 10, publishTimeout = null, base = process.env } = {}) {
  const env = {};
  for (const [key, value] of Object.entries(base)) {
    if (value === undefined || FOREIGN_NAMES.has(key)) continue;
    if (FOREIGN_PREFIXES.some((prefix) => key.startsWith(prefix))) continue;
    env[key] = value;
  }
  env.CARGO_HOME = cargoHome;
  // Our CARGO_HOME holds no toolchains: keep rustup's proxies finding theirs.
  if (env.RUSTUP_HOME === undefined) {
    for (const home of [env.HOME, homedir()]) {
      if (home && existsSync(join(home, ".rustup"))) {
        env.RUSTUP_HOME = join(home, ".rustup");
        break;
      }
    }
  }
  // A proxy configured for the internet must not swallow requests to loopback.
  for (const key of ["NO_PROXY", "no_proxy"]) {
    const present = (env[key] ?? "").split(",").filter(Boolean);
    env[key] = [...present, ...LOOPBACK.filter((host) => !present.includes(host))].join(",");
  }
  env.CARGO_TERM_COLOR = "never";
  const bundle = join(cargoHome, "fakereg-ca.pem");
  if (existsSync(bundle)) {
    env.GIT_SSL_CAINFO = bundle; // git, run by cargo or by a test, trusts it too
    env.NODE_EXTRA_CA_CERTS = bundle; // and so does a Node tool started with this env
  }
  if (retrySleepMs !== null) env.__CARGO_TEST_FIXED_RETRY_SLEEP_MS = String(retrySleepMs);
  if (publishTimeout !== null) {
    // publish.timeout is unstable: enabled on stable as cargo's own tests do.
    env.__CARGO_TEST_CHANNEL_OVERRIDE_DO_NOT_USE_THIS = "nightly";
    env.CARGO_UNSTABLE_PUBLISH_TIMEOUT = "true";
    env.CARGO_PUBLISH_TIMEOUT = String(Math.max(1, Math.round(publishTimeout)));
  }
  return env;
}

/** Run a program, its output captured as text; resolves to { status, signal, stdout, stderr }. */
export function run(command, args, { cwd, env, input, timeout = 600000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (text) => (stdout += text));
    child.stderr.setEncoding("utf8").on("data", (text) => (stderr += text));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeout);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(new FakeregError(`cannot run ${command}: ${error.message}`));
    });
    child.once("close", (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr });
    });
    child.stdin.end(input ?? "");
  });
}

/**
 * One HTTP(S) exchange, trusting `ca` (a PEM) besides the usual CAs: Node's fetch takes no
 * CA of its own, and a registry started with `tls: true` has its own. Resolves to
 * `{ status, text }`; no timeout (a control API wait may last up to 300 s).
 */
export function exchange(url, { method = "GET", headers = {}, body, ca } = {}) {
  const target = new URL(url);
  const send = target.protocol === "https:" ? httpsRequest : httpRequest;
  const data = body === undefined ? undefined : Buffer.from(body);
  const allHeaders = data === undefined ? headers : { ...headers, "Content-Length": data.length };
  return new Promise((resolve, reject) => {
    const outgoing = send(target, { method, headers: allHeaders, ...(ca ? { ca } : {}) }, (answer) => {
      const chunks = [];
      answer.on("data", (chunk) => chunks.push(chunk));
      answer.once("error", reject);
      answer.once("end", () => resolve({ status: answer.statusCode, text: Buffer.concat(chunks).toString("utf8") }));
    });
    outgoing.once("error", (error) =>
      reject(new FakeregError(`${method} ${target.pathname}: ${error.message}`, { detail: error.message })),
    );
    outgoing.end(data);
  });
}
