// graphql-http's GraphQL-over-HTTP conformance audits against Tailor, each one reported.
import { serverAudits } from "graphql-http";

async function answer(response) {
  if (!response) return null;
  let body;
  try {
    body = await response.text();
  } catch {
    body = "<body already read by the audit>";
  }
  return {
    status: response.status,
    contentType: response.headers.get("content-type"),
    body: body.length > 1000 ? `${body.slice(0, 1000)}…` : body,
  };
}

export async function audit(config) {
  const results = [];
  for (const { id, name, fn } of serverAudits({ url: config.url, fetchFn: fetch })) {
    try {
      const result = await fn();
      results.push(
        result.status === "ok"
          ? { id, name, status: "ok" }
          : { id, name, status: result.status, reason: result.reason, response: await answer(result.response) },
      );
    } catch (error) {
      // graphql-http throws only when an audit cannot run at all
      results.push({ id, name, status: "fatal", reason: String(error?.stack ?? error) });
    }
  }
  return { audits: results };
}
