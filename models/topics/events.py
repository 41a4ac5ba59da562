"""Typed payloads of the outbox events topics emit; topics emit no outbox events yet."""
