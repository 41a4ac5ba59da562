"""The identity domain's mutations, one per module; resolvers.identity.schema gathers them."""
