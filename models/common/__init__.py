"""Plumbing every domain shares: database access, ids, errors, clock, calendar, paging, outbox."""
