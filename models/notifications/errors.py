"""Notifications' own DomainError subclasses: none yet; their rules raise the common ones."""
