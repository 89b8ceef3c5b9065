// graphql-js's introspection query, as tools send it (GraphiQL, graphql-codegen, Apollo's rover all
// use getIntrospectionQuery), over HTTP; buildClientSchema must accept each answer.
import { buildClientSchema, getIntrospectionQuery, printSchema } from "graphql";

const VARIANTS = {
  // every option graphql-js 16 has
  full: {
    descriptions: true,
    specifiedByUrl: true,
    directiveIsRepeatable: true,
    schemaDescription: true,
    inputValueDeprecation: true,
    oneOf: true,
  },
  // graphql-codegen's loaders and get-graphql-schema: the defaults
  default: {},
  // GraphiQL 3/4's fetcher
  graphiql: { inputValueDeprecation: true, schemaDescription: true },
};

async function introspect(config, options) {
  const response = await fetch(config.url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/graphql-response+json, application/json",
    },
    body: JSON.stringify({ query: getIntrospectionQuery(options), operationName: "IntrospectionQuery" }),
  });
  const text = await response.text();
  const out = { status: response.status, contentType: response.headers.get("content-type") };
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    return { ...out, body: text.slice(0, 2000) };
  }
  out.errors = body.errors ?? null;
  if (!body.data) return out;
  try {
    const schema = buildClientSchema(body.data);
    const sdl = printSchema(schema);
    out.built = true;
    out.queryType = schema.getQueryType()?.name ?? null;
    out.mutationType = schema.getMutationType()?.name ?? null;
    out.subscriptionType = schema.getSubscriptionType()?.name ?? null;
    out.types = Object.keys(schema.getTypeMap()).filter((name) => !name.startsWith("__")).sort();
    out.directives = schema.getDirectives().map((directive) => directive.name);
    out.describedTypes = Object.values(schema.getTypeMap()).filter(
      (type) => !type.name.startsWith("__") && type.description,
    ).length;
    out.sdlLength = sdl.length;
  } catch (error) {
    out.built = false;
    out.buildError = String(error?.message ?? error);
  }
  return out;
}

export async function introspection(config) {
  const results = {};
  for (const [name, options] of Object.entries(VARIANTS)) results[name] = await introspect(config, options);
  return results;
}
