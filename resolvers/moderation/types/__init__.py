"""GraphQL types of moderation, one module each: the queue item, screening rules, the transparency report."""
