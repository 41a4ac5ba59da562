"""Entry point of the embedded database child process: nx-27017 with Townhall's compatibility fixes.

Each fix makes nx-27017 behave as MongoDB does for a feature Townhall relies on; each has a
conformance test (tests/conformance) that fails without it, so it can be removed once
nx-27017 behaves by itself.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
import time
from collections.abc import Callable
from typing import Any

# The comparisons whose ObjectId or date operand the fixes below make exact.
_SCALAR_COMPARISONS = frozenset({"$eq", "$ne", "$gt", "$gte", "$lt", "$lte"})


def _carries_datetime(update_spec: dict[str, Any]) -> bool:
    return any(
        isinstance(value, dt.datetime)
        for operator in update_spec.values()
        if isinstance(operator, dict)
        for value in operator.values()
    )


def install_datetime_set_fix() -> None:
    """Keep datetimes written by a top-level `$set` as dates, not strings.

    neosqlite's SQL update path guards binary values but not datetimes, and stores them as
    ISO strings. Declining the SQL path for updates that carry a datetime sends them through
    the Python path, which keeps the type; other updates keep the fast path.
    """
    from neosqlite.collection.query_helper._sql_updates import SqlUpdatesMixin

    original: Callable[..., bool] = SqlUpdatesMixin._can_use_sql_updates
    if getattr(original, "townhall_fix", False):
        return

    def can_use_sql_updates(
        self: Any, update_spec: dict[str, Any], doc_id: int, original_doc: Any = None
    ) -> bool:
        if _carries_datetime(update_spec):
            return False
        return original(self, update_spec, doc_id, original_doc)

    can_use_sql_updates.townhall_fix = True  # type: ignore[attr-defined]
    SqlUpdatesMixin._can_use_sql_updates = can_use_sql_updates


# The operators neosqlite's Python update path applies to top-level names only ($set, $pull
# and $currentDate follow dotted paths there already).
_TOP_LEVEL_ONLY_OPERATORS = frozenset(
    {"$inc", "$mul", "$min", "$max", "$bit", "$unset", "$rename", "$setOnInsert"}  # on fields
    | {"$push", "$addToSet", "$pullAll", "$pop"}  # on arrays
)
# Those that leave a missing field (and its missing parents) missing, as MongoDB does.
_REMOVING_OPERATORS = frozenset({"$unset", "$pullAll", "$pop"})


def _is_dotted(field: Any) -> bool:
    # Positional paths ("a.$.b", "a.$[x]") stay with neosqlite, which has its own code for them.
    return isinstance(field, str) and "." in field and "$" not in field


def _fields_needing_paths(update_spec: dict[str, Any], document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The fields the Python path would get wrong: dotted ones, and `$mul` of a missing field."""
    found: dict[str, dict[str, Any]] = {}
    for operator, fields in update_spec.items():
        if operator not in _TOP_LEVEL_ONLY_OPERATORS or not isinstance(fields, dict):
            continue
        wrong = {
            field: operand
            for field, operand in fields.items()
            if _is_dotted(field)
            or (operator == "$rename" and _is_dotted(operand))
            or (operator == "$mul" and field not in document)
        }
        if wrong:
            found[operator] = wrong
    return found


def _walk_to_parent(document: dict[str, Any], path: str, create: bool) -> tuple[Any, str]:
    *parents, leaf = path.split(".")
    container: Any = document
    for part in parents:
        if isinstance(container, list) and part.isdigit() and int(part) < len(container):
            container = container[int(part)]
        elif isinstance(container, dict) and (part in container or create):
            container = container.setdefault(part, {})
        else:
            return None, leaf
    return container, leaf


def _existing_parent(document: dict[str, Any], path: str) -> tuple[dict[str, Any], str] | None:
    """The object holding the last field of `path`, and that field; None if there is none."""
    container, leaf = _walk_to_parent(document, path, create=False)
    return (container, leaf) if isinstance(container, dict) else None


def _created_parent(document: dict[str, Any], path: str) -> tuple[dict[str, Any], str]:
    """The object holding the last field of `path`, made with its missing parents, and that field."""
    from neosqlite.exceptions import MalformedQueryException

    container, leaf = _walk_to_parent(document, path, create=True)
    if not isinstance(container, dict):
        # MongoDB refuses a path through a scalar too; an array element is not supported here.
        raise MalformedQueryException(f"Cannot update '{path}': a parent of '{leaf}' is not an object")
    return container, leaf


def _apply_at_path(
    python_update: Callable[..., tuple[dict[str, Any], bool]],
    helper: Any,
    doc_id: Any,
    document: dict[str, Any],
    operator: str,
    path: str,
    operand: Any,
) -> None:
    if operator == "$setOnInsert":
        if doc_id == 0:  # neosqlite's mark of the document an upsert inserts
            container, leaf = _created_parent(document, path)
            container[leaf] = operand
        return
    if operator == "$rename":
        source = _existing_parent(document, path)
        if source is not None and source[1] in source[0]:
            value = source[0].pop(source[1])
            container, leaf = _created_parent(document, operand)
            container[leaf] = value
        return
    if operator in _REMOVING_OPERATORS:
        found = _existing_parent(document, path)
        if found is None or found[1] not in found[0]:
            return
        container, leaf = found
    else:
        container, leaf = _created_parent(document, path)
        if operator == "$mul" and leaf not in container:
            container[leaf] = operand * 0  # zero of the multiplier's type, as MongoDB stores
            return
    # neosqlite's own code, on the object holding the field; id 0 (upsert) makes it write nothing.
    updated, _ = python_update(helper, 0, {operator: {leaf: operand}}, container)
    container.clear()
    container.update(updated)


def install_nested_update_fix() -> None:
    """Apply `$inc`, `$unset`, `$min`, `$max`, `$mul`, `$rename`, `$push`, `$addToSet`, `$pullAll`,
    `$pop`, `$bit` and `$setOnInsert` to dotted paths in neosqlite's Python update path.

    That path (taken for upserts, for `$pop`, `$pullAll` and a `$pull` of a nested array, and,
    through install_datetime_set_fix, for every update carrying a datetime) handles those
    operators on top-level names only: `{"$inc": {"login.failures": 1}}` writes a top-level
    field named "login.failures", `$unset`/`$pop`/`$pullAll` of a dotted path do nothing, and
    `$mul` of a missing field creates nothing. The fix applies those fields itself, each by
    neosqlite's own code on the object that holds the field, then lets neosqlite apply the rest
    and write; updates without them go straight to neosqlite, as before.
    """
    from copy import deepcopy

    from neosqlite.collection.query_helper.update_operations import UpdateOperationsMixin

    original: Callable[..., tuple[dict[str, Any], bool]] = UpdateOperationsMixin._perform_python_update
    if getattr(original, "townhall_fix", False):
        return

    def perform_python_update(
        self: Any,
        doc_id: Any,
        update_spec: dict[str, Any],
        original_doc: dict[str, Any],
        array_filters: list[dict[str, Any]] | None = None,
        query_filter: dict[str, Any] | None = None,
    ) -> tuple[dict[str, Any], bool]:
        by_path = _fields_needing_paths(update_spec, original_doc)
        if not by_path:
            return original(self, doc_id, update_spec, original_doc, array_filters, query_filter)
        document = deepcopy(original_doc)
        for operator, fields in by_path.items():
            for path, operand in fields.items():
                _apply_at_path(original, self, doc_id, document, operator, path, operand)
        rest: dict[str, Any] = {}
        for operator, fields in update_spec.items():
            if operator in by_path:
                fields = {field: v for field, v in fields.items() if field not in by_path[operator]}
                if not fields:
                    continue
            rest[operator] = fields
        updated, _ = original(self, doc_id, rest, document, array_filters, query_filter)
        return updated, updated != original_doc

    perform_python_update.townhall_fix = True  # type: ignore[attr-defined]
    UpdateOperationsMixin._perform_python_update = perform_python_update


class ObjectIdInFilter(str):
    """The hex of an ObjectId compared with a field other than `_id`; SQL binds it as stored."""

    __slots__ = ()


def _stored_form(value: ObjectIdInFilter) -> str:
    from neosqlite.objectid import ObjectId

    # Compact, as SQLite's json_extract renders the stored object.
    return json.dumps(ObjectId(str(value)).encode_for_storage(), separators=(",", ":"))


def _typed_comparisons(query: dict[str, Any], normalized: dict[str, Any]) -> None:
    from neosqlite.objectid import ObjectId

    for field, value in query.items():
        if field in ("_id", "id") or field.startswith("$"):
            continue
        if isinstance(value, ObjectId):
            normalized[field] = ObjectIdInFilter(value)
        elif isinstance(value, dict) and isinstance(normalized.get(field), dict):
            for operator, operand in value.items():
                if operator in _SCALAR_COMPARISONS and isinstance(operand, ObjectId):
                    normalized[field][operator] = ObjectIdInFilter(operand)


def _with_object_ids(document: Any) -> Any:
    from neosqlite.objectid import ObjectId

    if isinstance(document, ObjectIdInFilter):
        return ObjectId(str(document))
    if isinstance(document, dict):
        return {key: _with_object_ids(value) for key, value in document.items()}
    return document


def install_object_id_filter_fix() -> None:
    """Make `{field: ObjectId}`, `$eq`, `$ne` and ranges on ObjectIds work on fields other than `_id`.

    neosqlite stores an ObjectId field as `{"__neosqlite_objectid__": true, "id": <hex>}` but
    turns an ObjectId in a filter into its bare hex string, so SQL compares the stored object
    with a string: equality never matches (find, update, delete, findAndModify, `$match`),
    a string field holding that hex matches instead, and ranges compare text with text.
    The fix keeps those operands as the same hex string (what neosqlite's Python matcher,
    used for `$or`/`$and`, compares ObjectIds with, so it sees no change) but of a private
    type that SQLite binds as the stored JSON text: equality is exact and uses the field's
    index, ranges order by id. Upserts store the ObjectId itself, not that string. `_id`
    has its own column and `$in`/`$nin` lists are left as they are.
    """
    from neosqlite._sqlite import sqlite3
    from neosqlite.collection import query_helper, type_correction
    from neosqlite.collection.query_engine import crud_operations, find_operations
    from neosqlite.collection.query_helper import _sql_query_builder

    original: Callable[[dict[str, Any]], dict[str, Any]] = type_correction.normalize_id_query_for_db
    if getattr(original, "townhall_fix", False):
        return
    upsert_base: Callable[[dict[str, Any]], dict[str, Any]] = crud_operations.build_upsert_base_document

    def normalize_id_query_for_db(query: dict[str, Any]) -> dict[str, Any]:
        normalized = original(query)  # recurses through this wrapper into $and/$or/$nor
        if isinstance(query, dict) and isinstance(normalized, dict):
            _typed_comparisons(query, normalized)
        return normalized

    def build_upsert_base_document(filter_doc: dict[str, Any]) -> dict[str, Any]:
        return _with_object_ids(upsert_base(filter_doc))

    normalize_id_query_for_db.townhall_fix = True  # type: ignore[attr-defined]
    sqlite3.register_adapter(ObjectIdInFilter, _stored_form)
    for module in (type_correction, query_helper, _sql_query_builder):
        module.normalize_id_query_for_db = normalize_id_query_for_db
    for module in (crud_operations, find_operations):
        module.build_upsert_base_document = build_upsert_base_document


def _with_neosqlite_object_ids(command: dict[str, Any]) -> dict[str, Any]:
    from nx_27017.utils import convert_bson_to_neo_objectids

    name = next(iter(command), None)
    if name in ("distinct", "count") and isinstance(command.get("query"), dict):
        return {**command, "query": convert_bson_to_neo_objectids(command["query"])}
    pipeline = command.get("pipeline")
    if name != "aggregate" or not isinstance(pipeline, list):
        return command
    if any(isinstance(stage, dict) and "$changeStream" in stage for stage in pipeline):
        return command  # matched against change events, not stored documents
    return {
        **command,
        "pipeline": [
            {"$match": convert_bson_to_neo_objectids(stage["$match"])}
            if isinstance(stage, dict) and set(stage) == {"$match"}
            else stage
            for stage in pipeline
        ],
    }


def install_aggregate_object_id_fix() -> None:
    """Let ObjectIds in aggregate `$match` stages and `distinct`/`count` filters match.

    nx-27017 converts the BSON ObjectIds of find, update, delete and findAndModify filters to
    neosqlite's ObjectId type, but passes aggregate pipelines, `distinct` and `count` filters
    on as decoded, so an ObjectId there equals nothing stored: `count_documents` (an
    aggregate) counts 0 and `$match` finds nothing, even on `_id`. The fix converts those
    filters the same way before nx-27017 sees them; documents, update values and other stages
    are not touched.
    """
    from nx_27017.handler import NeoSQLiteHandler

    original: Callable[..., Any] = NeoSQLiteHandler.handle_command
    if getattr(original, "townhall_fix", False):
        return

    def handle_command(self: Any, msg: dict[str, Any]) -> Any:
        sections = msg.get("sections") or []
        converted = [
            (kind, _with_neosqlite_object_ids(doc) if kind == "body" and isinstance(doc, dict) else doc)
            for kind, doc in sections
        ]
        if any(new is not old for (_, new), (_, old) in zip(converted, sections, strict=True)):
            msg = {**msg, "sections": converted}
        return original(self, msg)

    handle_command.townhall_fix = True  # type: ignore[attr-defined]
    NeoSQLiteHandler.handle_command = handle_command


def _as_wire_value(value: Any) -> Any:
    from bson import ObjectId
    from neosqlite.objectid import ObjectId as NeoObjectId

    if isinstance(value, dict):
        return {key: _as_wire_value(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_as_wire_value(item) for item in value]
    if isinstance(value, NeoObjectId):
        return ObjectId(value.binary)
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        # Naive UTC, as nx-27017 decodes the dates of a `$match`, so the two compare.
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def install_change_event_document_fix() -> None:
    """Give change events a `fullDocument` with BSON ObjectIds and dates, as stored.

    nx-27017 reads the changed document with plain `json.loads`, so ObjectIds and dates come
    back in neosqlite's storage encoding (`{"__neosqlite_objectid__": true, ...}`,
    `{"$date": "..."}`) and a change stream `$match` on an ObjectId or date field never
    matches. The fix decodes the same stored text with neosqlite's own decoder, as a find
    does, and hands out BSON ObjectIds and UTC dates; the rest of the event is unchanged.
    """
    from neosqlite.collection.json_helpers import neosqlite_json_loads
    from nx_27017.changestream import ChangeStreamManager

    original: Callable[..., dict[str, Any] | None] = ChangeStreamManager._translate_row
    if getattr(original, "townhall_fix", False):
        return

    def translate_row(self: Any, stream: Any, rowid: int, row: Any) -> dict[str, Any] | None:
        event = original(self, stream, rowid, row)
        if event is None or not isinstance(event.get("fullDocument"), dict):
            return event
        stored = row[3]  # the document's JSON text, which nx-27017 parsed with json.loads
        document = neosqlite_json_loads(stored.decode() if isinstance(stored, bytes) else stored)
        document.setdefault("_id", event["fullDocument"]["_id"])
        event["fullDocument"] = _as_wire_value(document)
        event["documentKey"] = _as_wire_value(event["documentKey"])
        return event

    translate_row.townhall_fix = True  # type: ignore[attr-defined]
    ChangeStreamManager._translate_row = translate_row


def _operators_match(field: str, condition: dict[str, Any], event: dict[str, Any]) -> bool:
    from neosqlite import query_operators

    for operator, operand in condition.items():
        if operator == "$options":
            continue  # read with $regex
        test = getattr(query_operators, f"_{operator[1:]}", None)
        if test is None:
            return False  # an operator neither knows: no match, as before
        if operator == "$regex":
            matched = test(field, operand, event, options=condition.get("$options", ""))
        else:
            matched = test(field, bool(operand) if operator == "$exists" else operand, event)
        if not matched:
            return False
    return True


def _event_matches(event: dict[str, Any], spec: dict[str, Any]) -> bool:
    from neosqlite import query_operators

    for field, condition in spec.items():
        if field in ("$and", "$or", "$nor") and isinstance(condition, list):
            found = [_event_matches(event, clause) for clause in condition]
            matched = all(found) if field == "$and" else any(found) if field == "$or" else not any(found)
        elif isinstance(condition, dict) and condition and all(op.startswith("$") for op in condition):
            matched = _operators_match(field, condition, event)
        else:
            matched = query_operators._eq(field, condition, event)
        if not matched:
            return False
    return True


def _pipeline_matches(event: dict[str, Any], pipeline: list[dict[str, Any]]) -> bool:
    return all(
        _event_matches(event, stage["$match"])
        for stage in pipeline
        if isinstance(stage, dict) and set(stage) == {"$match"} and isinstance(stage["$match"], dict)
    )


def install_change_stream_match_fix() -> None:
    """Evaluate change stream `$match` stages with query operators, `$and`, `$or` and `$nor`.

    nx-27017 filters change events with its own small matcher, which knows equality, `$eq`,
    `$ne`, `$in`, `$nin` and `$exists` only: `$gte`, `$or` and the rest never match, so
    such a stream stays silent. The fix evaluates `$match` stages with neosqlite's Python
    query operators (the ones its own fallback matcher uses) against each event; other
    stages stay ignored, as before.
    """
    from nx_27017 import changestream

    if getattr(changestream._pipeline_matches, "townhall_fix", False):
        return
    _pipeline_matches.townhall_fix = True  # type: ignore[attr-defined]
    changestream._pipeline_matches = _pipeline_matches


def install_date_comparison_fix() -> None:
    """Compare dates in filters to the millisecond, as BSON dates hold them, not to the second.

    neosqlite compares a date field with a date through SQLite's `datetime()`, which drops
    fractional seconds: instants within one second compare equal, so `[T0, T0+1s)` misses
    T0+999ms but finds T0-1ms, and keyset paging on a date skips or repeats items. The fix
    has those comparisons (`$eq`, `$ne` and ranges whose operand is `datetime(?)`) use
    `julianday()` instead: the same parsing and UTC normalisation, kept in SQLite's
    millisecond clock, at the same cost. No index is lost: indexes made over the wire are
    on the raw field, never on `datetime()`. `$in`/`$nin` of dates are left as they are.
    """
    from neosqlite.collection.sql_translator_unified import SQLOperatorTranslator

    original: Callable[..., tuple[str | None, list[Any]]] = SQLOperatorTranslator.translate_operator
    if getattr(original, "townhall_fix", False):
        return

    def translate_operator(
        self: Any, field_access: str, operator: str, value: Any
    ) -> tuple[str | None, list[Any]]:
        sql, params = original(self, field_access, operator, value)
        if sql is not None and operator in _SCALAR_COMPARISONS and "datetime(?)" in sql:
            sql = sql.replace("datetime(", "julianday(")
        return sql, params

    translate_operator.townhall_fix = True  # type: ignore[attr-defined]
    SQLOperatorTranslator.translate_operator = translate_operator


TTL_PURGE_INTERVAL = 1.0  # seconds; MongoDB's own TTL monitor runs only once a minute


def install_ttl_purge_throttle() -> None:
    """Purge expired documents of a collection at most once a second, not before every read.

    neosqlite runs its TTL purge (two deletes over the whole collection) before every find,
    count, aggregate and distinct on a collection with a TTL index, so reads slow down as the
    collection grows (a find_one on 5,000 documents: 5.2 ms instead of 2.3 ms). Deleting expired
    documents up to a second late is still far sooner than MongoDB, whose TTL monitor runs every
    60 seconds; Townhall never relies on the moment of deletion.
    """
    from neosqlite.collection import Collection

    original: Callable[[Any], None] = Collection._auto_purge_ttl
    if getattr(original, "townhall_fix", False):
        return
    last_purge: dict[tuple[int, str], float] = {}

    def auto_purge_ttl(self: Any) -> None:
        key = (id(self.database), str(self.name))
        now = time.monotonic()
        if now - last_purge.get(key, float("-inf")) < TTL_PURGE_INTERVAL:
            return
        last_purge[key] = now
        original(self)

    auto_purge_ttl.townhall_fix = True  # type: ignore[attr-defined]
    Collection._auto_purge_ttl = auto_purge_ttl


def install_fixes() -> None:
    """Install every fix; each is idempotent."""
    install_datetime_set_fix()
    install_nested_update_fix()
    install_object_id_filter_fix()
    install_aggregate_object_id_fix()
    install_change_event_document_fix()
    install_change_stream_match_fix()
    install_date_comparison_fix()
    install_ttl_purge_throttle()


def main(argv: list[str] | None = None) -> None:
    """Run nx-27017 in the foreground with the fixes installed; arguments are nx-27017's."""
    fixes_enabled = "--without-fixes" not in (argv or sys.argv[1:])
    args = [arg for arg in (argv or sys.argv[1:]) if arg != "--without-fixes"]
    if fixes_enabled:
        install_fixes()
    # nx-27017 logs to stderr and to --log-file, and the launcher sends stderr to that file
    # (for errors it cannot log): a root handler here makes its stderr logging a no-op.
    logging.basicConfig(level=logging.INFO, handlers=[logging.NullHandler()])
    from nx_27017.nx_27017 import main as nx_main

    sys.argv = ["nx-27017", *args]
    nx_main()


if __name__ == "__main__":
    main()
