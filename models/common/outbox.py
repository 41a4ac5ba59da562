"""Outbox (placeholder until written)."""
