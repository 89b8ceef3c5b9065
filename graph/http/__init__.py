"""HTTP plumbing, all of it: the Strawberry view adapted (`view`), middleware (`middleware`), checks on an
operation request before Strawberry sees it (`operation_checks`), media types, CORS and uploads."""
