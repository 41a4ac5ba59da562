// Runs graphql-http's reference audits of the GraphQL-over-HTTP specification against a server
// and prints one JSON line per audit: {"id", "name", "status", "reason"?}.
// Usage: node tests/support/graphql_http_audit.mjs http://127.0.0.1:8000/graphql
import { serverAudits } from "graphql-http";

const url = process.argv[2];
if (!url) {
  console.error("usage: graphql_http_audit.mjs <GraphQL endpoint URL>");
  process.exit(2);
}

for (const audit of serverAudits({ url })) {
  const result = await audit.fn();
  const line = { id: result.id, name: result.name, status: result.status };
  if (result.status !== "ok") {
    line.reason = result.reason;
    line.responseStatus = result.response.status;
    line.responseContentType = result.response.headers.get("content-type");
  }
  console.log(JSON.stringify(line));
}
