"""The MongoDB client and the collections declared with their indexes (models/catalog.py creates them)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar, cast, overload

from pymongo import AsyncMongoClient, IndexModel
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.monitoring import CommandListener

Document = dict[str, Any]
Database = AsyncDatabase[Document]
# A collection of any kind of document, for helpers every collection shares (leases, retention).
Collection = AsyncCollection[Any]

SCHEMA_VERSION_FIELD = "v"

# What a collection's documents are: a TypedDict from the owner's documents.py, or `Document`.
D = TypeVar("D", bound=Mapping[str, Any])


@dataclass(frozen=True)
class CollectionSpec(Generic[D]):
    """A collection, the indexes it needs, and the schema version of the documents written now.

    `CollectionSpec[CommentDocument]` reads and writes `CommentDocument`s, so mypy checks every
    field name; a bare `CollectionSpec` is one of any kind."""

    name: str
    indexes: tuple[IndexModel, ...] = ()
    schema_version: int = 1
    document_type: type[Mapping[str, Any]] = dict

    def of(self, db: Database) -> AsyncCollection[D]:
        return cast(AsyncCollection[D], db[self.name])

    def new_document(self, fields: D) -> D:
        """A document to insert, stamped with the current schema version."""
        return cast(D, {**fields, SCHEMA_VERSION_FIELD: self.schema_version})


@dataclass
class CollectionCatalog:
    """Every collection Townhall uses; domains add theirs when their documents module loads."""

    specs: dict[str, CollectionSpec[Any]] = field(default_factory=dict)

    @overload
    def declare(
        self, name: str, indexes: Sequence[IndexModel] = (), schema_version: int = 1
    ) -> CollectionSpec[Document]: ...

    @overload
    def declare(
        self, name: str, indexes: Sequence[IndexModel] = (), schema_version: int = 1, *, document: type[D]
    ) -> CollectionSpec[D]: ...

    def declare(
        self,
        name: str,
        indexes: Sequence[IndexModel] = (),
        schema_version: int = 1,
        *,
        document: type[Mapping[str, Any]] = dict,
    ) -> CollectionSpec[Any]:
        """Declare a collection; `document` (a TypedDict) is what its documents hold."""
        if name in self.specs:
            raise ValueError(f"collection {name!r} is declared twice")
        spec: CollectionSpec[Any] = CollectionSpec(
            name=name, indexes=tuple(indexes), schema_version=schema_version, document_type=document
        )
        self.specs[name] = spec
        return spec

    def __iter__(self) -> Iterator[CollectionSpec[Any]]:
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
