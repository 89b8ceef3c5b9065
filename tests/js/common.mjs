// What every check shares: the server's address and credentials (from argv and the environment),
// a fetch that records what clients send, error descriptions that survive JSON, timeouts.
import WebSocket from "ws";

// Node 20 has no stable global WebSocket. graphql-ws gets `ws` explicitly (webSocketImpl); Apollo's
// GraphQLWsLink reads `WebSocket.CLOSED` from the global when a socket errors, as it would in a browser.
globalThis.WebSocket ??= WebSocket;

export { WebSocket };

export function readConfig(argv = process.argv, env = process.env) {
  const url = argv[2] || env.TAILOR_URL;
  if (!url) throw new Error("usage: node run.mjs http://127.0.0.1:PORT/graphql [check,check...]");
  const only = (argv[3] || env.TAILOR_CHECKS || "").split(",").filter(Boolean);
  return {
    url,
    wsUrl: url.replace(/^http/, "ws"),
    token: env.TAILOR_TOKEN,
    email: env.TAILOR_EMAIL,
    password: env.TAILOR_PASSWORD,
    resumeId: env.TAILOR_RESUME_ID,
    jobId: env.TAILOR_JOB_ID,
    only,
  };
}

const BODY_LIMIT = 4000;

function clip(text) {
  return typeof text === "string" && text.length > BODY_LIMIT ? `${text.slice(0, BODY_LIMIT)}…` : text;
}

/** A fetch that records each request (method, url, body) and its answer (status, content type, body). */
export function recordingFetch() {
  const calls = [];
  async function recorded(input, init = {}) {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    const call = {
      method: (init.method || (typeof input === "object" && input.method) || "GET").toUpperCase(),
      url: String(url),
      body: typeof init.body === "string" ? init.body : init.body == null ? null : `<${typeof init.body}>`,
    };
    calls.push(call);
    const response = await fetch(input, init);
    call.status = response.status;
    call.contentType = response.headers.get("content-type");
    call.response = clip(await response.clone().text());
    return response;
  }
  return { calls, fetch: recorded };
}

/** Takes the calls recorded so far, leaving the list empty for the next step. */
export function drain(calls) {
  return calls.splice(0, calls.length);
}

/** An error as plain JSON: name, message, GraphQL errors, HTTP status and body, close code, cause. */
export function describeError(error) {
  if (error == null || typeof error !== "object") return { message: String(error) };
  const out = { name: error.name || error.constructor?.name, message: error.message };
  if (Array.isArray(error.errors)) out.errors = error.errors;
  if (error.statusCode !== undefined) out.statusCode = error.statusCode;
  if (error.bodyText !== undefined) out.bodyText = clip(error.bodyText);
  if (error.code !== undefined) out.code = error.code;
  if (error.reason !== undefined) out.reason = error.reason;
  if (error.type !== undefined && error.message === undefined) out.type = error.type;
  if (error.cause) out.cause = describeError(error.cause);
  if (error.stack && !out.errors) out.stack = String(error.stack).split("\n").slice(0, 6).join("\n");
  return out;
}

export function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export const ME = "query Me { me { id email } }";

const EVENT = "runId sequence status stage progress cached error { code message } improvement { id resumeId jobId improvedScore }";

export const IMPROVE = `subscription Improve($resumeId: ID!, $jobId: ID!, $analyzeAgain: Boolean) {
  improveResume(resumeId: $resumeId, jobId: $jobId, analyzeAgain: $analyzeAgain) { ${EVENT} }
}`;

export const SUBSCRIPTION_TIMEOUT_MS = 120_000;
