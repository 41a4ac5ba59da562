"""Per-request DataLoaders: every reference between documents is loaded in batches, never one by one."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from bson import ObjectId
from strawberry.dataloader import DataLoader

from models.common.db import Database, Document

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


@dataclass(frozen=True)
class LoaderSpec(Generic[K, V]):
    """How to load many values by key in one query; `Loaders` makes one DataLoader per request."""

    name: str
    batch: Callable[[Database, list[K]], Awaitable[Sequence[V]]]


def keyed(
    name: str, find: Callable[[Database, Sequence[K]], Awaitable[Mapping[Any, V]]], default: Any = None
) -> LoaderSpec[K, V]:
    """A loader from a repository function returning {key: value}; missing keys give `default`."""

    async def batch(db: Database, keys: list[K]) -> list[V]:
        found = await find(db, keys)
        return [found.get(key, default) for key in keys]

    return LoaderSpec(name=name, batch=batch)


DocumentLoader = LoaderSpec[ObjectId, Document | None]


class Loaders:
    """The DataLoaders of one request (or one subscription message), created on first use."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._loaders: dict[str, DataLoader[Any, Any]] = {}

    def __getitem__(self, spec: LoaderSpec[K, V]) -> DataLoader[K, V]:
        loader = self._loaders.get(spec.name)
        if loader is None:
            db = self._db

            async def load(keys: list[K]) -> Sequence[V]:
                return await spec.batch(db, keys)

            loader = DataLoader(load_fn=load)
            self._loaders[spec.name] = loader
        return loader
