// @urql/core 6 against Tailor: a query over HTTP (fetchExchange, headers in fetchOptions) and the
// improveResume subscription over graphql-ws (subscriptionExchange).
import { Client, fetchExchange, subscriptionExchange } from "@urql/core";
import { createClient } from "graphql-ws";
import { onEnd, pipe, subscribe } from "wonka";
import { IMPROVE, ME, SUBSCRIPTION_TIMEOUT_MS, WebSocket, recordingFetch, withTimeout } from "./common.mjs";

export async function urql(config) {
  const recorder = recordingFetch();
  const ws = createClient({
    url: config.wsUrl,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${config.token}` },
    retryAttempts: 0,
  });
  const client = new Client({
    url: config.url,
    fetch: recorder.fetch,
    fetchOptions: () => ({ headers: { authorization: `Bearer ${config.token}` } }),
    exchanges: [
      fetchExchange,
      subscriptionExchange({
        forwardSubscription(request) {
          const input = { ...request, query: request.query || "" };
          return {
            subscribe(sink) {
              return { unsubscribe: ws.subscribe(input, sink) };
            },
          };
        },
      }),
    ],
  });
  try {
    const query = await client.query(ME, {}, { requestPolicy: "network-only" }).toPromise();
    const stream = await withTimeout(
      new Promise((resolve) => {
        const seen = { events: [], errors: [], ended: false, repeatedOnComplete: false };
        pipe(
          client.subscription(IMPROVE, { resumeId: config.resumeId, jobId: config.jobId, analyzeAgain: false }),
          onEnd(() => {
            seen.ended = true;
            resolve(seen);
          }),
          subscribe((result) => {
            if (result.error) {
              seen.errors.push({
                message: result.error.message,
                graphQLErrors: result.error.graphQLErrors,
                networkError: result.error.networkError ? String(result.error.networkError) : null,
              });
            }
            const event = result.data?.improveResume;
            const last = seen.events.at(-1);
            if (result.hasNext === false && last && JSON.stringify(last) === JSON.stringify(event)) {
              // urql repeats the last result with hasNext: false when the server completes
              seen.repeatedOnComplete = true;
            } else if (event) {
              seen.events.push(event);
            }
            if (["COMPLETED", "FAILED"].includes(event?.status) || result.error) {
              setTimeout(() => resolve(seen), 2000); // in case the source never ends (reported as ended: false)
            }
          }),
        );
      }),
      SUBSCRIPTION_TIMEOUT_MS,
      "urql improveResume subscription",
    );
    return {
      query: {
        data: query.data ?? null,
        error: query.error ? { message: query.error.message, graphQLErrors: query.error.graphQLErrors } : null,
      },
      requests: recorder.calls.map(({ method, status, contentType }) => ({ method, status, contentType })),
      ...stream,
    };
  } finally {
    await ws.dispose();
  }
}
