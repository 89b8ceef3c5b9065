// @apollo/client 4 against Tailor: HttpLink (login, then `me` with the token), PersistedQueryLink
// (APQ by GET and by POST), BatchHttpLink (three queries, one request) and GraphQLWsLink (graphql-ws).
import { createHash } from "node:crypto";
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache, gql } from "@apollo/client";
import { BatchHttpLink } from "@apollo/client/link/batch-http";
import { PersistedQueryLink } from "@apollo/client/link/persisted-queries";
import { GraphQLWsLink } from "@apollo/client/link/subscriptions";
import { createClient } from "graphql-ws";
import {
  IMPROVE,
  ME,
  SUBSCRIPTION_TIMEOUT_MS,
  WebSocket,
  describeError,
  drain,
  recordingFetch,
  withTimeout,
} from "./common.mjs";

const sha256 = (text) => createHash("sha256").update(text).digest("hex");

function client(link) {
  return new ApolloClient({ link, cache: new InMemoryCache() });
}

function bearer(token) {
  return { authorization: `Bearer ${token}` };
}

export async function apolloHttp(config) {
  const recorder = recordingFetch();
  const apollo = client(new HttpLink({ uri: config.url, fetch: recorder.fetch }));
  const login = await apollo.mutate({
    mutation: gql`
      mutation Login($email: String!, $password: String!) {
        login(email: $email, password: $password) { token expiresAt user { id email } }
      }
    `,
    variables: { email: config.email, password: config.password },
  });
  const { token, user } = login.data.login;
  const anonymous = await apollo.query({ query: gql(ME), fetchPolicy: "network-only" });
  const me = await apollo.query({ query: gql(ME), fetchPolicy: "network-only", context: { headers: bearer(token) } });
  return {
    loginUser: user,
    tokenIssued: typeof token === "string" && token.length > 20,
    anonymousMe: anonymous.data.me,
    me: me.data.me,
    requests: recorder.calls.map(({ method, status, contentType }) => ({ method, status, contentType })),
  };
}

async function persistedCalls(config, { useGETForHashedQueries, query, variables }) {
  const recorder = recordingFetch();
  const link = ApolloLink.from([
    new PersistedQueryLink({ sha256, useGETForHashedQueries }),
    new HttpLink({ uri: config.url, fetch: recorder.fetch, headers: bearer(config.token) }),
  ]);
  const apollo = client(link);
  const calls = [];
  for (let i = 0; i < 2; i += 1) {
    try {
      const result = await apollo.query({ query: gql(query), variables, fetchPolicy: "no-cache" });
      calls.push({ data: result.data, requests: drain(recorder.calls) });
    } catch (error) {
      calls.push({ error: describeError(error), requests: drain(recorder.calls) });
    }
  }
  return { useGETForHashedQueries, calls };
}

export async function apolloPersisted(config) {
  return {
    get: await persistedCalls(config, {
      useGETForHashedQueries: true,
      query: "query PersistedByGet { me { id email } }",
    }),
    post: await persistedCalls(config, {
      useGETForHashedQueries: false,
      query: "query PersistedByPost($first: Int) { jobs(first: $first) { totalCount } }",
      variables: { first: 1 },
    }),
  };
}

export async function apolloBatch(config) {
  const recorder = recordingFetch();
  const apollo = client(
    new BatchHttpLink({
      uri: config.url,
      fetch: recorder.fetch,
      headers: bearer(config.token),
      batchMax: 10,
      batchInterval: 20,
    }),
  );
  const queries = [
    ["BatchMe", "query BatchMe { me { id email } }"],
    ["BatchJobs", "query BatchJobs { jobs(first: 1) { totalCount } }"],
    ["BatchTypename", "query BatchTypename { __typename }"],
  ];
  const results = await Promise.all(
    queries.map(([, query]) =>
      apollo.query({ query: gql(query), fetchPolicy: "no-cache" }).then(
        (result) => ({ data: result.data }),
        (error) => ({ error: describeError(error) }),
      ),
    ),
  );
  return { operations: queries.map(([name]) => name), results, requests: recorder.calls };
}

function collect(observable, pick) {
  return new Promise((resolve, reject) => {
    const events = [];
    const errors = [];
    observable.subscribe({
      next: (result) => {
        if (result.error) errors.push(result.error.errors ?? [{ message: result.error.message }]);
        const event = result.data && pick(result.data);
        if (event) events.push(event);
      },
      error: reject,
      complete: () => resolve({ events, errors: errors.flat() }),
    });
  });
}

export async function apolloWs(config) {
  const closes = [];
  const ws = createClient({
    url: config.wsUrl,
    webSocketImpl: WebSocket,
    connectionParams: bearer(config.token),
    retryAttempts: 0,
    on: { closed: (event) => closes.push(event?.code) },
  });
  try {
    const apollo = client(new GraphQLWsLink(ws));
    const me = await apollo.query({ query: gql("query SocketMe { me { email } }"), fetchPolicy: "no-cache" });
    const stream = await withTimeout(
      collect(
        apollo.subscribe({
          query: gql(IMPROVE),
          variables: { resumeId: config.resumeId, jobId: config.jobId, analyzeAgain: false },
        }),
        (data) => data.improveResume,
      ),
      SUBSCRIPTION_TIMEOUT_MS,
      "Apollo improveResume subscription",
    );
    return { me: me.data.me, ...stream };
  } finally {
    await ws.dispose();
  }
}
