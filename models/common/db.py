"""The MongoDB client and the collections declared with their indexes (models/catalog.py creates them)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from pymongo import AsyncMongoClient, IndexModel
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.monitoring import CommandListener

Document = dict[str, Any]
Database = AsyncDatabase[Document]
Collection = AsyncCollection[Document]

SCHEMA_VERSION_FIELD = "v"


@dataclass(frozen=True)
class CollectionSpec:
    """A collection, the indexes it needs, and the schema version of the documents written now."""

    name: str
    indexes: tuple[IndexModel, ...] = ()
    schema_version: int = 1

    def of(self, db: Database) -> Collection:
        return db[self.name]

    def new_document(self, fields: Document) -> Document:
        """A document to insert, stamped with the current schema version."""
        return {**fields, SCHEMA_VERSION_FIELD: self.schema_version}


@dataclass
class CollectionCatalog:
    """Every collection Townhall uses; domains add theirs when their documents module loads."""

    specs: dict[str, CollectionSpec] = field(default_factory=dict)

    def declare(
        self, name: str, indexes: Sequence[IndexModel] = (), schema_version: int = 1
    ) -> CollectionSpec:
        if name in self.specs:
            raise ValueError(f"collection {name!r} is declared twice")
        spec = CollectionSpec(name=name, indexes=tuple(indexes), schema_version=schema_version)
        self.specs[name] = spec
        return spec

    def __iter__(self) -> Iterator[CollectionSpec]:
        return iter(self.specs.values())


catalog = CollectionCatalog()
declare_collection = catalog.declare


def connect(uri: str, listeners: Sequence[CommandListener] = ()) -> AsyncMongoClient[Document]:
    """The one client of this process. Datetimes come back timezone-aware (UTC)."""
    return AsyncMongoClient(
        uri,
        tz_aware=True,
        appname="townhall",
        event_listeners=list(listeners),
        serverSelectionTimeoutMS=10_000,
    )
