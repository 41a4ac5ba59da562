"""Townhall's application layer: the Starlette app, schema assembly, settings and the CLI."""
