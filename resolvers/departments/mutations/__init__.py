"""The departments domain's mutations, one per module; resolvers.departments.schema gathers them."""
