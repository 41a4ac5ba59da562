"""Typed payloads of the outbox events notifications emit: none yet (they only consume events)."""
