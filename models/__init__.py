"""Townhall's domain: documents, repositories, indexes and rules. No GraphQL or HTTP here."""
