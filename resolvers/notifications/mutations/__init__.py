"""The notifications domain's mutations, one per module; resolvers.notifications.schema gathers them."""
