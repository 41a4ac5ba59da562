"""The consultations domain's mutations, one per module; resolvers.consultations.schema gathers them."""
