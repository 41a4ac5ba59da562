"""Demo data: a believable city, Linchuan (临川市), created through the same rules as real data."""

from api.demo.seed import DemoSecrets, DemoSummary, seed_demo

__all__ = ["DemoSecrets", "DemoSummary", "seed_demo"]
