"""Typed payloads of the outbox events departments emit; departments emit no outbox events yet."""
