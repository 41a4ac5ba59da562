"""Moderation records kept by models/: the audit log of staff actions on content."""
