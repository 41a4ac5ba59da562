"""Typed payloads of the outbox events districts emit; districts emit no outbox events yet."""
