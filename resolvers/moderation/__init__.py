"""GraphQL for the moderation queue: items, decisions, appeals, reason codes, and what authors see."""
