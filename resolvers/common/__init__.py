"""GraphQL plumbing every domain shares: context, loaders, Relay paging, error results."""
