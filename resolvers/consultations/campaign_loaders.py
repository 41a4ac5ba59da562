"""DataLoaders for campaigns of near-identical comments."""

from __future__ import annotations

from models.consultations.campaign_reads import find_campaigns
from resolvers.common.loaders import DocumentLoader, keyed

CAMPAIGN_BY_ID: DocumentLoader = keyed("campaign_by_id", find_campaigns)
