// graphql-ws's own client against Tailor: a full improveResume run (analyzeAgain) over an authenticated
// socket, an anonymous socket, and a forged token that the server must close with 4403.
import { createClient } from "graphql-ws";
import { IMPROVE, SUBSCRIPTION_TIMEOUT_MS, WebSocket, describeError, withTimeout } from "./common.mjs";

function socket(config, connectionParams, closes) {
  return createClient({
    url: config.wsUrl,
    webSocketImpl: WebSocket,
    connectionParams,
    retryAttempts: 0,
    lazy: true,
    on: { closed: (event) => closes.push({ code: event?.code, reason: event?.reason }) },
  });
}

async function iterate(client, payload) {
  const events = [];
  const errors = [];
  for await (const result of client.iterate(payload)) {
    if (result.errors) errors.push(...result.errors);
    if (result.data?.improveResume) events.push(result.data.improveResume);
  }
  return { events, errors };
}

export async function graphqlWs(config) {
  const closes = [];
  const client = socket(config, { authorization: `Bearer ${config.token}` }, closes);
  let stream;
  try {
    stream = await withTimeout(
      iterate(client, {
        query: IMPROVE,
        variables: { resumeId: config.resumeId, jobId: config.jobId, analyzeAgain: true },
      }),
      SUBSCRIPTION_TIMEOUT_MS,
      "graphql-ws improveResume subscription",
    );
  } finally {
    await client.dispose();
  }

  const anonymousCloses = [];
  const anonymous = socket(config, {}, anonymousCloses);
  let anonymousMe;
  try {
    for await (const result of anonymous.iterate({ query: "{ me { id } }" })) anonymousMe = result;
  } finally {
    await anonymous.dispose();
  }

  const forgedCloses = [];
  const forged = socket(config, { authorization: "Bearer forged.token.value" }, forgedCloses);
  let forgedResult;
  try {
    forgedResult = await withTimeout(
      new Promise((resolve) => {
        forged.subscribe(
          { query: "{ __typename }" },
          {
            next: (value) => resolve({ next: value }),
            error: (error) => resolve({ error: describeError(error) }),
            complete: () => resolve({ complete: true }),
          },
        );
      }),
      10_000,
      "graphql-ws with a forged token",
    );
  } finally {
    await forged.dispose();
  }
  return { ...stream, closes, anonymousMe, forged: { ...forgedResult, closes: forgedCloses } };
}
