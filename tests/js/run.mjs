// Runs every client check against a running Tailor and prints ONE JSON object to stdout:
//   { "<check>": { "ok": true, "ms": 12, ...what it observed } | { "ok": false, "error": {...} }, ... }
// A check that throws is reported, not fatal: the others still run. Usage:
//   TAILOR_TOKEN=... TAILOR_EMAIL=... TAILOR_PASSWORD=... TAILOR_RESUME_ID=... TAILOR_JOB_ID=... \
//     node run.mjs http://127.0.0.1:8000/graphql [apollo_http,urql,...]
import { apolloBatch, apolloHttp, apolloPersisted, apolloWs } from "./apollo.mjs";
import { audit } from "./audit.mjs";
import { describeError, readConfig, withTimeout } from "./common.mjs";
import { graphqlWs } from "./graphql-ws.mjs";
import { introspection } from "./introspection.mjs";
import { urql } from "./urql.mjs";

// In this order: the Apollo websocket check makes the first improvement run, urql then gets the
// stored one (cached), graphql-ws asks for a fresh run (analyzeAgain).
const CHECKS = {
  apollo_http: apolloHttp,
  apollo_persisted: apolloPersisted,
  apollo_batch: apolloBatch,
  apollo_ws: apolloWs,
  urql,
  graphql_ws: graphqlWs,
  audit,
  introspection,
};
const CHECK_TIMEOUT_MS = 180_000;

const config = readConfig();
const unknown = config.only.filter((name) => !(name in CHECKS));
if (unknown.length) throw new Error(`unknown checks: ${unknown.join(", ")}; known: ${Object.keys(CHECKS).join(", ")}`);

const report = { node: process.version };
for (const [name, check] of Object.entries(CHECKS)) {
  if (config.only.length && !config.only.includes(name)) continue;
  const started = performance.now();
  try {
    const observed = await withTimeout(check(config), CHECK_TIMEOUT_MS, name);
    report[name] = { ok: true, ms: Math.round(performance.now() - started), ...observed };
  } catch (error) {
    report[name] = { ok: false, ms: Math.round(performance.now() - started), error: describeError(error) };
  }
  process.stderr.write(`${name}: ${report[name].ok ? "ran" : "threw"} in ${report[name].ms} ms\n`);
}
process.stdout.write(`${JSON.stringify(report)}\n`);
// Lingering sockets or timers must not keep the process (and the test) waiting.
process.exit(0);
