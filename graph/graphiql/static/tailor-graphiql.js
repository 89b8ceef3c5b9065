// Tailor's GraphiQL page (served by graph/ide.py; React, GraphiQL and graphql-ws come from local npm packages).
//
// Signing in: when a `login` or `register` mutation run here answers a token, the page keeps it in
// localStorage and sends it as `Authorization: Bearer <token>` over HTTP and as
// `{authorization: "Bearer <token>"}` in the websocket's connection_init. An Authorization header typed in
// the Headers editor wins. The websocket client is recreated whenever the authorization changes.
// A fragment `#query=…&variables=…&headers=…` in the page's URL opens that operation in a tab.
/* global React, ReactDOM, GraphiQL, graphqlWs */
(() => {
  "use strict";

  const STORAGE_KEY = "tailor:graphiql:token";
  const AUTH_FIELDS = new Set(["login", "register"]);
  const WELCOME = `# Welcome to Tailor's GraphiQL.
#
# Sign in: run login (or register) here. This page
# keeps the token and sends it with every operation,
# subscriptions included; an Authorization header
# typed in the Headers tab wins.
#
#   mutation {
#     login(email: "ada@example.com", password: "…") {
#       token
#     }
#   }
#
# The docs (book icon, on the left) list every field.

{
  me {
    email
  }
}
`;

  const mount = document.getElementById("graphiql");
  const bar = document.getElementById("tailor-auth");
  const signOutButton = document.getElementById("tailor-sign-out");
  const endpoint = new URL(mount.dataset.endpoint, location.href);
  const socketUrl = new URL(endpoint.href);
  socketUrl.protocol = endpoint.protocol === "https:" ? "wss:" : "ws:";

  // --- The remembered token ------------------------------------------------------------------------

  let signedInAs = null; // the email `me` answered for the remembered token
  let unsaved = null; // the token, where this browser refuses localStorage (it then lasts as long as the page)

  function storedToken() {
    try {
      return localStorage.getItem(STORAGE_KEY) ?? unsaved;
    } catch {
      return unsaved;
    }
  }

  function store(token) {
    unsaved = token;
    try {
      if (token === null) localStorage.removeItem(STORAGE_KEY);
      else localStorage.setItem(STORAGE_KEY, token);
      unsaved = null;
    } catch {
      // kept in `unsaved`
    }
  }

  function expired(token) {
    try {
      const payload = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
      const claims = JSON.parse(atob(payload));
      return typeof claims.exp === "number" && claims.exp * 1000 <= Date.now();
    } catch {
      return false; // not a JWT we can read: let the server judge it
    }
  }

  function remember(token) {
    store(token);
    signedInAs = null;
    closeSocket();
    showStatus();
    whoAmI();
  }

  function forget(reason) {
    store(null);
    signedInAs = null;
    closeSocket();
    showStatus(reason);
  }

  function showStatus(reason) {
    const token = storedToken();
    if (token) {
      bar.dataset.state = "signed-in";
      bar.textContent = signedInAs ? `Signed in as ${signedInAs}` : "Signed in";
      bar.title =
        "This token is sent as Authorization: Bearer … over HTTP and in the websocket's connection_init. " +
        "An Authorization header typed in the Headers tab wins.";
    } else {
      bar.dataset.state = "signed-out";
      bar.textContent =
        reason || "Not signed in: run the login (or register) mutation here and this page keeps the token.";
      bar.title = "";
    }
    signOutButton.hidden = !token;
  }

  async function whoAmI() {
    const token = storedToken();
    if (!token) return;
    let result = null;
    try {
      result = await post({ query: "query TailorSignedInAs { me { email } }" }, {}, `Bearer ${token}`);
    } catch {
      return; // the server is away: keep the token
    }
    if (storedToken() !== token) return; // it changed meanwhile
    if (result && result.data && result.data.me) {
      signedInAs = result.data.me.email;
      showStatus();
    } else if (rejected(result)) {
      forget("Signed out: the server no longer accepts the saved token. Run login again.");
    }
  }

  function rejected(result) {
    return Boolean(result && Array.isArray(result.errors)) &&
      result.errors.some((error) => error && error.extensions && error.extensions.code === "UNAUTHENTICATED");
  }

  signOutButton.addEventListener("click", () => forget("Signed out."));
  window.addEventListener("storage", (event) => {
    if (event.key !== STORAGE_KEY) return; // another tab signed in or out
    signedInAs = null;
    closeSocket();
    showStatus();
    whoAmI();
  });

  // --- Which authorization an operation carries ----------------------------------------------------

  function typedAuthorization(headers) {
    for (const [name, value] of Object.entries(headers || {})) {
      if (name.toLowerCase() === "authorization" && value !== null && value !== undefined && value !== "") {
        return String(value);
      }
    }
    return null;
  }

  function authorizationFor(headers) {
    const typed = typedAuthorization(headers);
    if (typed !== null) return { value: typed, stored: false };
    const token = storedToken();
    return token ? { value: `Bearer ${token}`, stored: true } : { value: null, stored: false };
  }

  // --- HTTP ------------------------------------------------------------------------------------------

  async function post(params, headers, authorization) {
    const sent = { "content-type": "application/json" };
    for (const [name, value] of Object.entries(headers || {})) {
      if (name.toLowerCase() !== "authorization" && value !== null && value !== undefined) sent[name] = String(value);
    }
    if (authorization) sent.authorization = authorization;
    const response = await fetch(endpoint.href, { method: "POST", headers: sent, body: JSON.stringify(params) });
    const text = await response.text();
    try {
      return JSON.parse(text);
    } catch {
      return { errors: [{ message: `HTTP ${response.status}: ${text.slice(0, 500)}` }] };
    }
  }

  function capturedToken(operation, result) {
    if (!operation || operation.operation !== "mutation" || !result || !result.data) return null;
    for (const selection of operation.selectionSet.selections) {
      if (selection.kind !== "Field" || !AUTH_FIELDS.has(selection.name.value)) continue;
      const answer = result.data[selection.alias ? selection.alias.value : selection.name.value];
      if (answer && typeof answer.token === "string" && answer.token) return answer.token;
    }
    return null;
  }

  // --- Websockets (graphql-transport-ws) ---------------------------------------------------------------

  let socket = null; // { authorization, client }

  function clientFor(authorization) {
    if (socket && socket.authorization === authorization) return socket.client;
    closeSocket();
    const client = graphqlWs.createClient({
      url: socketUrl.href,
      connectionParams: authorization ? { authorization } : {},
      retryAttempts: 3,
      // 44xx: the server refused this token or frame; trying again cannot help.
      shouldRetry: (event) => !(event && typeof event.code === "number" && event.code >= 4000),
    });
    socket = { authorization, client };
    return client;
  }

  function closeSocket() {
    if (socket) {
      socket.client.dispose();
      socket = null;
    }
  }

  function subscribe(params, auth) {
    return {
      subscribe(observer) {
        const dispose = clientFor(auth.value).subscribe(params, {
          next: (value) => observer.next(value),
          complete: () => observer.complete(),
          error: (error) => {
            if (Array.isArray(error)) return observer.error(error); // GraphQL errors the server answered
            if (error && typeof error.code === "number") {
              if (error.code === 4403 && auth.stored) whoAmI();
              const reason = error.reason ? `: ${error.reason}` : "";
              return observer.error({ message: `The websocket closed with code ${error.code}${reason}` });
            }
            return observer.error({ message: error && error.message ? error.message : String(error) });
          },
        });
        return { unsubscribe: dispose };
      },
    };
  }

  // --- The fetcher GraphiQL calls ----------------------------------------------------------------------

  // Parsed here rather than taken from GraphiQL's `documentAST`, which can lag behind the editor's text.
  function operationOf(params) {
    let document;
    try {
      document = GraphiQL.GraphQL.parse(params.query);
    } catch {
      return null; // the server will say what is wrong with it
    }
    const operations = document.definitions.filter((definition) => definition.kind === "OperationDefinition");
    if (params.operationName) {
      return operations.find((operation) => operation.name && operation.name.value === params.operationName) || null;
    }
    return operations.length === 1 ? operations[0] : null;
  }

  function fetcher(params, options) {
    const headers = (options && options.headers) || {};
    const operation = operationOf(params);
    const auth = authorizationFor(headers);
    if (operation && operation.operation === "subscription") return subscribe(params, auth);
    return post(params, headers, auth.value).then((result) => {
      const token = capturedToken(operation, result);
      if (token) remember(token);
      else if (auth.stored && rejected(result)) whoAmI();
      return result;
    });
  }

  // --- Start ---------------------------------------------------------------------------------------------

  const initial = storedToken();
  if (initial && expired(initial)) {
    forget("Signed out: the saved token expired. Run login again.");
  } else {
    showStatus();
    whoAmI();
  }

  // A link may open an operation: /graphql#query=…&variables=…&headers=… (a fragment, because `?query=` on
  // /graphql runs the query over GET, and because the server never sees a fragment, headers and all).
  const props = { fetcher, defaultQuery: WELCOME };
  const linked = new URLSearchParams(location.hash.slice(1));
  for (const name of ["query", "variables", "headers"]) {
    if (linked.has(name)) props[name] = linked.get(name);
  }
  window.addEventListener("hashchange", () => location.reload());
  mount.textContent = "";
  ReactDOM.createRoot(mount).render(React.createElement(GraphiQL, props));
})();
