"""Demo data: a believable city, Linchuan (临川市), created through the same rules as real data."""

from api.demo.seed import DemoSummary, seed_demo

__all__ = ["DemoSummary", "seed_demo"]
