"""The moderation domain's mutations, one per module; resolvers.moderation.schema gathers them."""
