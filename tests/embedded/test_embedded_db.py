"""The embedded database launcher: crashes, stale servers and pid files, the lock, the fixes, errors, stop."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from bson import ObjectId
from pymongo import MongoClient
from pymongo.database import Database

from api import embedded_db_process
from api.embedded_db import EmbeddedDatabase, EmbeddedDatabaseError

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("TEST_MONGODB_URI")),
    reason="starts embedded nx-27017 servers of its own; only meaningful without TEST_MONGODB_URI",
)

T0 = dt.datetime(2024, 5, 17, 8, 30, 15, 123_000, tzinfo=dt.UTC)
DEPT = ObjectId("65f0000000000000000000a1")


@contextlib.contextmanager
def client(server: EmbeddedDatabase) -> Iterator[MongoClient[dict[str, Any]]]:
    mongo: MongoClient[dict[str, Any]] = MongoClient(
        server.uri, tz_aware=True, serverSelectionTimeoutMS=5_000
    )
    try:
        yield mongo
    finally:
        mongo.close()


def dead_pid() -> int:
    """The pid of a process that has exited and been reaped."""
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait(timeout=10)
    return gone.pid


def test_data_survives_a_crash_of_the_server(tmp_path: Path) -> None:
    data_dir = tmp_path / "db"
    first = EmbeddedDatabase(data_dir)
    first.start()
    try:
        with client(first) as mongo:
            requests = mongo.townhall.requests
            requests.insert_many([{"_id": f"r{n:03d}", "n": n} for n in range(100)])
            requests.update_one({"_id": "r007"}, {"$set": {"state": "REPLIED", "at": T0}})
        assert first.process is not None
        first.process.kill()
        assert first.process.wait(timeout=10) == -signal.SIGKILL
    finally:
        first.stop()  # releases the data directory; the server is already dead

    with EmbeddedDatabase(data_dir) as second, client(second) as mongo:
        docs = {doc["_id"]: doc for doc in mongo.townhall.requests.find()}

    assert len(docs) == 100
    assert docs["r007"] == {"_id": "r007", "n": 7, "state": "REPLIED", "at": T0}
    assert docs["r099"] == {"_id": "r099", "n": 99}


def test_a_stale_server_left_by_a_crashed_townhall_is_stopped_and_replaced(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "db"
    crashed = EmbeddedDatabase(data_dir)
    crashed.start()
    stale = crashed.process
    assert stale is not None
    try:
        with client(crashed) as mongo:
            mongo.townhall.notes.insert_one({"_id": "kept"})
        # Townhall "crashes": its lock goes with it, its server keeps running.
        assert crashed._lock_file is not None
        crashed._lock_file.close()
        crashed._lock_file = None
        # We are the stale server's parent, so reap it as init would once Townhall is gone;
        # otherwise the launcher would wait on a zombie.
        threading.Thread(target=stale.wait, daemon=True).start()

        with EmbeddedDatabase(data_dir) as replacement, client(replacement) as mongo:
            assert stale.wait(timeout=10) == 0  # stopped with SIGTERM, exited cleanly
            assert replacement.process is not None
            assert replacement.process.pid != stale.pid
            assert replacement.pid_file.read_text().strip() == str(replacement.process.pid)
            assert mongo.townhall.notes.find_one({"_id": "kept"}) == {"_id": "kept"}
    finally:
        crashed.stop()


def test_a_pid_file_naming_a_dead_process_is_ignored(tmp_path: Path) -> None:
    server = EmbeddedDatabase(tmp_path / "db")
    server.data_dir.mkdir()
    server.pid_file.write_text(str(dead_pid()))

    with server, client(server) as mongo:
        assert mongo.admin.command("ping")["ok"] == 1.0
        assert server.process is not None
        assert server.pid_file.read_text().strip() == str(server.process.pid)


def test_a_pid_file_naming_an_unrelated_live_process_leaves_it_alone(tmp_path: Path) -> None:
    # After a reboot the old pid may belong to anything: it must never be signalled.
    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        server = EmbeddedDatabase(tmp_path / "db")
        server.data_dir.mkdir()
        server.pid_file.write_text(str(bystander.pid))

        with server, client(server) as mongo:
            assert mongo.admin.command("ping")["ok"] == 1.0
            assert server.process is not None
            assert server.pid_file.read_text().strip() == str(server.process.pid)

        assert bystander.poll() is None
    finally:
        bystander.kill()
        bystander.wait(timeout=10)


def test_a_second_server_on_a_data_dir_in_use_is_refused_naming_the_holder(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "db"
    with EmbeddedDatabase(data_dir) as first:
        second = EmbeddedDatabase(data_dir)

        with pytest.raises(EmbeddedDatabaseError) as caught:
            second.start()

        message = str(caught.value)
        assert f"is in use by Townhall process {os.getpid()}" in message
        assert "TOWNHALL_DATA_DIR" in message
        assert second.process is None
        with client(first) as mongo:
            assert mongo.admin.command("ping")["ok"] == 1.0


def test_without_the_fix_a_top_level_set_datetime_comes_back_a_string(tmp_path: Path) -> None:
    """Documents the upstream bug the launcher's fix works around.

    When this fails, nx-27017 keeps the type by itself: the fix in api/embedded_db_process.py
    (install_datetime_set_fix) can be removed.
    """
    with (
        EmbeddedDatabase(tmp_path / "db", with_fixes=False) as server,
        client(server) as mongo,
    ):
        requests = mongo.townhall.requests
        requests.insert_one({"_id": "r1"})
        requests.update_one({"_id": "r1"}, {"$set": {"replied_at": T0}})
        stored = requests.find_one({"_id": "r1"})

    assert stored is not None
    assert type(stored["replied_at"]) is str
    assert stored["replied_at"] == "2024-05-17 08:30:15.123000"


@pytest.fixture(scope="module")
def unfixed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database[dict[str, Any]]]:
    """A database on an nx-27017 server running without any of the launcher's fixes."""
    with (
        EmbeddedDatabase(tmp_path_factory.mktemp("unfixed"), with_fixes=False) as server,
        client(server) as mongo,
    ):
        yield mongo.townhall


def test_without_the_fixes_dotted_fields_of_an_upsert_become_literal_top_level_fields(
    unfixed: Database[dict[str, Any]],
) -> None:
    """Documents the upstream bug install_nested_update_fix works around: neosqlite's Python
    update path (upserts; with install_datetime_set_fix, every update carrying a datetime)
    applies `$inc`, `$setOnInsert`, `$pullAll` and the like to top-level names only.

    When this fails, nx-27017 follows dotted paths by itself: the fix can be removed.
    """
    tallies = unfixed.tallies_dotted
    tallies.update_one(
        {"_id": "t1"}, {"$setOnInsert": {"meta.kind": "tally"}, "$inc": {"counts.votes": 1}}, upsert=True
    )
    tallies.insert_one({"_id": "t2", "login": {"codes": [1, 2]}})
    tallies.update_one({"_id": "t2"}, {"$pullAll": {"login.codes": [2]}})

    assert tallies.find_one({"_id": "t1"}) == {"_id": "t1", "meta.kind": "tally", "counts.votes": 1}
    assert tallies.find_one({"_id": "t2"}) == {"_id": "t2", "login": {"codes": [1, 2]}}


def test_without_the_fixes_equality_on_an_object_id_field_matches_nothing(
    unfixed: Database[dict[str, Any]],
) -> None:
    """Documents the upstream bug install_object_id_filter_fix works around: the filter's
    ObjectId becomes its hex string, which matches a string field instead.

    When this fails, nx-27017 matches ObjectIds by itself: the fix can be removed.
    """
    complaints = unfixed.complaints_by_field
    complaints.insert_many([{"_id": "c1", "department_id": DEPT}, {"_id": "c2", "department_id": str(DEPT)}])

    assert complaints.find_one({"department_id": DEPT}) == {"_id": "c2", "department_id": str(DEPT)}
    assert (
        complaints.update_one({"department_id": {"$eq": DEPT}}, {"$set": {"seen": True}}).modified_count == 1
    )
    assert complaints.find_one({"_id": "c1"}) == {"_id": "c1", "department_id": DEPT}


def test_without_the_fixes_count_documents_with_an_object_id_counts_zero(
    unfixed: Database[dict[str, Any]],
) -> None:
    """Documents the upstream bug install_aggregate_object_id_fix works around: aggregate
    pipelines (count_documents is one) keep BSON ObjectIds, which equal nothing stored.

    When this fails, nx-27017 converts them by itself: the fix can be removed.
    """
    complaints = unfixed.complaints_counted
    complaints.insert_one({"_id": DEPT, "n": 1})

    assert complaints.count_documents({"_id": DEPT}) == 0
    assert list(complaints.aggregate([{"$match": {"_id": DEPT}}])) == []


def test_without_the_fixes_a_change_event_holds_stored_encodings(unfixed: Database[dict[str, Any]]) -> None:
    """Documents the upstream bug install_change_event_document_fix works around.

    When this fails, nx-27017 decodes fullDocument by itself: the fix can be removed.
    """
    questions = unfixed.questions_watched
    with questions.watch(full_document="updateLookup", max_await_time_ms=100) as stream:
        questions.insert_one({"_id": "q1", "session_id": DEPT, "at": T0})
        change = stream.try_next()

    assert change is not None
    assert change["fullDocument"] == {
        "_id": "q1",
        "session_id": {"__neosqlite_objectid__": True, "id": str(DEPT)},
        "at": {"$date": "2024-05-17T08:30:15.123000"},
    }


def test_without_the_fixes_a_change_stream_match_with_gte_delivers_nothing(
    unfixed: Database[dict[str, Any]],
) -> None:
    """Documents the upstream bug install_change_stream_match_fix works around.

    When this fails, nx-27017 evaluates these operators by itself: the fix can be removed.
    """
    questions = unfixed.questions_filtered
    pipeline = [{"$match": {"fullDocument.votes": {"$gte": 1}}}]
    with questions.watch(pipeline, full_document="updateLookup", max_await_time_ms=100) as stream:
        questions.insert_one({"_id": "q1", "votes": 3})
        # Each getMore answers at once, so a few polls see everything written.
        delivered = [stream.try_next() for _ in range(3)]

    assert delivered == [None, None, None]


def test_without_the_fixes_date_filters_compare_whole_seconds(unfixed: Database[dict[str, Any]]) -> None:
    """Documents the upstream bug install_date_comparison_fix works around.

    When this fails, nx-27017 compares milliseconds by itself: the fix can be removed.
    """
    events = unfixed.events_by_date
    offsets = {"-1ms": -1, "at": 0, "+999ms": 999}
    events.insert_many(
        [{"_id": name, "at": T0 + dt.timedelta(milliseconds=n)} for name, n in offsets.items()]
    )

    found = events.find({"at": {"$gte": T0, "$lt": T0 + dt.timedelta(seconds=1)}})

    assert sorted(doc["_id"] for doc in found) == ["-1ms", "at"]


def test_installing_the_fixes_twice_wraps_each_function_once() -> None:
    from neosqlite.collection import Collection, type_correction
    from neosqlite.collection.query_helper._sql_updates import SqlUpdatesMixin
    from neosqlite.collection.query_helper.update_operations import UpdateOperationsMixin
    from neosqlite.collection.sql_translator_unified import SQLOperatorTranslator
    from nx_27017 import changestream
    from nx_27017.handler import NeoSQLiteHandler

    def installed() -> list[object]:
        return [
            SqlUpdatesMixin._can_use_sql_updates,
            UpdateOperationsMixin._perform_python_update,
            type_correction.normalize_id_query_for_db,
            NeoSQLiteHandler.handle_command,
            changestream.ChangeStreamManager._translate_row,
            changestream._pipeline_matches,
            SQLOperatorTranslator.translate_operator,
            Collection._auto_purge_ttl,
        ]

    embedded_db_process.install_fixes()
    once = installed()
    embedded_db_process.install_fixes()

    assert installed() == once
    assert all(getattr(function, "townhall_fix", False) for function in once)


def test_with_the_fix_a_top_level_set_datetime_comes_back_a_datetime(tmp_path: Path) -> None:
    with EmbeddedDatabase(tmp_path / "db") as server, client(server) as mongo:
        requests = mongo.townhall.requests
        requests.insert_one({"_id": "r1"})
        requests.update_one({"_id": "r1"}, {"$set": {"replied_at": T0}})
        stored = requests.find_one({"_id": "r1"})

    assert stored is not None
    assert type(stored["replied_at"]) is dt.datetime
    assert stored["replied_at"] == T0


def test_a_data_dir_that_is_a_file_fails_with_what_to_do(tmp_path: Path) -> None:
    not_a_dir = tmp_path / "db"
    not_a_dir.write_text("not a directory")
    server = EmbeddedDatabase(not_a_dir)

    with pytest.raises(EmbeddedDatabaseError) as caught:
        server.start()

    message = str(caught.value)
    assert message.startswith(f"cannot create the data directory {not_a_dir}:")
    assert "Set TOWNHALL_DATA_DIR to a writable place." in message
    assert server.process is None


def test_a_port_already_taken_fails_with_what_to_do(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = EmbeddedDatabase(tmp_path / "db", port=port)
        try:
            with pytest.raises(EmbeddedDatabaseError) as caught:
                server.start()
        finally:
            server.stop()

    message = str(caught.value)
    assert message.startswith(f"the embedded database exited with code 1 while starting on port {port}.")
    assert str(server.log_file) in message
    # The server's own error, written to stderr, reaches the log tail.
    assert (
        f"error while attempting to bind on address ('127.0.0.1', {port}): address already in use" in message
    )
    assert "set MONGODB_URI to use another MongoDB server" in message


def test_a_failed_start_releases_the_data_directory_for_a_retry(tmp_path: Path) -> None:
    server = EmbeddedDatabase(tmp_path / "db")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        server.port = taken.getsockname()[1]
        with pytest.raises(EmbeddedDatabaseError):
            server.start()

    assert server.process is None
    assert server._lock_file is None
    # The port is free now: a retry in this process is not refused as "in use by" itself.
    with server, client(server) as mongo:
        assert mongo.admin.command("ping")["ok"] == 1.0


def test_the_log_holds_each_server_line_once(tmp_path: Path) -> None:
    with EmbeddedDatabase(tmp_path / "db") as server:
        port = server.port

    listening = [line for line in server.log_file.read_text().splitlines() if "Listening on" in line]
    assert len(listening) == 1
    assert listening[0].endswith(f"Listening on 127.0.0.1:{port}")


def test_stop_ends_the_server_on_sigterm_and_removes_its_pid_file(tmp_path: Path) -> None:
    data_dir = tmp_path / "db"
    server = EmbeddedDatabase(data_dir)
    server.start()
    child = server.process
    assert child is not None
    assert server.pid_file.read_text().strip() == str(child.pid)

    server.stop()

    assert child.returncode == 0  # its SIGTERM handler exited cleanly; it was not killed
    assert not server.pid_file.exists()
    assert server.process is None
    # The data directory is free for the next start.
    with EmbeddedDatabase(data_dir) as next_server, client(next_server) as mongo:
        assert mongo.admin.command("ping")["ok"] == 1.0


def test_with_the_ttl_throttle_expired_documents_are_still_deleted(tmp_path: Path) -> None:
    """The purge runs at most once a second per collection, so expiry is at most that late."""
    with EmbeddedDatabase(tmp_path / "db") as server, client(server) as mongo:
        sessions = mongo.townhall.sessions
        sessions.create_index("expires_at", expireAfterSeconds=0)
        past = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
        sessions.insert_many(
            [{"_id": "old", "expires_at": past}, {"_id": "live", "expires_at": past + dt.timedelta(days=1)}]
        )

        time.sleep(1.1)
        remaining = [document["_id"] for document in sessions.find({}, sort=[("_id", 1)])]

    assert remaining == ["live"]
