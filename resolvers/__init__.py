"""GraphQL types and fields, one package per domain; thin translations onto models/."""
