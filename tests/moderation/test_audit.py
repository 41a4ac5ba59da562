"""The audit log: entries chain by hash, verify finds the first tampered link, appends never fork."""

from __future__ import annotations

import asyncio
import datetime as dt

from bson import ObjectId
from pymongo import AsyncMongoClient

from models.catalog import ensure_indexes
from models.common.db import Database, Document
from models.moderation import audit
from tests.support.cli import townhall

MODERATOR = ObjectId()
COMMENT = {"kind": "comment", "id": ObjectId()}


async def append_three(db: Database) -> list[Document]:
    at = dt.datetime(2025, 10, 9, 2, 30, 0, 123456, tzinfo=dt.UTC)
    return [
        await audit.append(db, actor_id=MODERATOR, action="decision", subject=COMMENT,
                           details={"outcome": "hidden", "reason": "personal_data"}, at=at),
        await audit.append(db, actor_id=MODERATOR, action="redaction", subject=COMMENT,
                           details={"spans": [[4, 15]], "note": "手机号"}),
        await audit.append(db, actor_id=MODERATOR, action="restore", subject=COMMENT, details={}),
    ]  # fmt: skip


class TestAppend:
    async def test_entries_chain_by_hash_from_the_genesis_hash(self, db: Database) -> None:
        first, second, third = await append_three(db)

        assert [e["seq"] for e in (first, second, third)] == [1, 2, 3]
        assert first["prev_hash"] == "0" * 64
        assert second["prev_hash"] == first["hash"]
        assert third["prev_hash"] == second["hash"]
        assert first["at"].microsecond == 123000

    async def test_twenty_concurrent_appends_make_one_unbroken_chain(self, db: Database) -> None:
        await asyncio.gather(
            *(
                audit.append(db, actor_id=MODERATOR, action="decision", subject=COMMENT, details={"n": n})
                for n in range(20)
            )
        )

        stored = await db.audit_log.find({}, sort=[("seq", 1)]).to_list()
        assert [e["seq"] for e in stored] == list(range(1, 21))
        assert sorted(e["details"]["n"] for e in stored) == list(range(20))
        assert await audit.verify(db) == audit.VerifyResult(ok=True, entries=20)


class TestVerify:
    async def test_an_untouched_log_is_intact(self, db: Database) -> None:
        await append_three(db)

        assert await audit.verify(db) == audit.VerifyResult(ok=True, entries=3)

    async def test_an_empty_log_is_intact(self, db: Database) -> None:
        assert await audit.verify(db) == audit.VerifyResult(ok=True, entries=0)

    async def test_a_changed_entry_is_reported(self, db: Database) -> None:
        await append_three(db)
        await db.audit_log.update_one({"seq": 2}, {"$set": {"details": {"spans": [], "note": "手机号"}}})

        result = await audit.verify(db)

        assert (result.ok, result.first_broken_seq) == (False, 2)
        assert result.problem == "entry 2 was changed after it was written"

    async def test_a_removed_middle_entry_is_reported(self, db: Database) -> None:
        await append_three(db)
        await db.audit_log.delete_one({"seq": 2})

        result = await audit.verify(db)

        assert (result.ok, result.first_broken_seq, result.problem) == (False, 2, "entry 2 is missing")

    async def test_a_rehashed_entry_is_reported_at_the_next_link(self, db: Database) -> None:
        await append_three(db)
        forged = await db.audit_log.find_one({"seq": 2})
        assert forged is not None
        forged["details"] = {"spans": [], "note": "nothing"}
        await db.audit_log.update_one(
            {"seq": 2},
            {"$set": {"details": forged["details"], "hash": audit.entry_hash(forged["prev_hash"], forged)}},
        )

        result = await audit.verify(db)

        assert (result.ok, result.first_broken_seq) == (False, 3)
        assert result.problem == "entry 3 does not link to the hash of entry 2"


class TestAuditVerifyCommand:
    async def test_an_intact_log_is_reported_with_its_size(
        self, cli_database, mongo_client: AsyncMongoClient[Document]
    ) -> None:
        env, _ = cli_database
        db = mongo_client[env["TOWNHALL_DB_NAME"]]
        await ensure_indexes(db)
        await append_three(db)

        result = townhall(env, "audit", "verify")

        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == "audit log intact: 3 entries"

    async def test_a_modified_entry_is_reported_and_fails(
        self, cli_database, mongo_client: AsyncMongoClient[Document]
    ) -> None:
        env, sync_db = cli_database
        db = mongo_client[env["TOWNHALL_DB_NAME"]]
        await ensure_indexes(db)
        await append_three(db)
        sync_db.audit_log.update_one({"seq": 1}, {"$set": {"action": "restore"}})

        result = townhall(env, "audit", "verify")

        assert result.returncode == 1
        assert (
            result.stdout.strip() == "audit log broken at entry 1: entry 1 was changed after it was written"
        )
