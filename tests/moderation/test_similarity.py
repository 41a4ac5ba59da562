"""Stored band keys and the "similar to this?" lookup: one bounded indexed query, confirmed by MinHash."""

from __future__ import annotations

from bson import ObjectId
from pymongo import ASCENDING, IndexModel

from models.common.db import Collection, Database
from models.moderation.similarity import KEYS_FIELD, Probe, similar, similarity_keys
from moderation.detectors.near_duplicates import BANDS
from tests.support.command_log import CommandLog

PARK = "我们坚决反对在滨江公园内建设高层住宅项目，滨江公园是周边几个小区居民唯一的休闲绿地"
TEXT = PARK + "，恳请市政府重新评估。"
CLOSE = "本人是东湖区居民，" + PARK + "，恳请市政府重新评估！"
CLOSER = PARK.replace("，", " ") + " 恳请市政府重新评估"
UNRELATED = "建议在小区东门增设充电桩，并在楼道张贴消防安全提示。"
SCOPE, OTHER_SCOPE = ObjectId(), ObjectId()


class TestSimilarityKeys:
    def test_a_text_has_one_key_per_band(self) -> None:
        keys = similarity_keys(TEXT)

        assert len(keys) == BANDS and len(set(keys)) == BANDS
        assert all(isinstance(key, str) for key in keys)

    def test_keys_ignore_spacing_punctuation_and_width(self) -> None:
        assert similarity_keys("支持保留滨江公园绿地！") == similarity_keys("支持 保留 滨江公园 绿地!!")

    def test_no_text_has_no_keys(self) -> None:
        assert similarity_keys(None) == similarity_keys("") == similarity_keys("！？…") == []


async def items(db: Database) -> Collection:
    collection = db["similarity_items"]
    await collection.create_indexes([IndexModel([("scope_id", ASCENDING), (KEYS_FIELD, ASCENDING)])])
    await collection.insert_many(
        [
            {"_id": name, "scope_id": scope, "text": text, KEYS_FIELD: similarity_keys(text)}
            for name, scope, text in [
                ("close", SCOPE, CLOSE),
                ("closer", SCOPE, CLOSER),
                ("unrelated", SCOPE, UNRELATED),
                ("elsewhere", OTHER_SCOPE, TEXT),
                ("no text", SCOPE, None),
            ]
        ]
    )
    return collection


class TestSimilar:
    async def test_finds_near_duplicates_in_scope_most_similar_first(self, db: Database) -> None:
        found = await similar(await items(db), TEXT, scope={"scope_id": SCOPE})

        assert [match.document["_id"] for match in found] == ["closer", "close"]
        assert 0.6 <= found[1].score <= found[0].score <= 1

    async def test_leaves_out_the_item_itself(self, db: Database) -> None:
        found = await similar(await items(db), CLOSE, scope={"scope_id": SCOPE}, exclude_id="close")

        assert [match.document["_id"] for match in found] == ["closer"]

    async def test_an_unrelated_text_finds_nothing(self, db: Database) -> None:
        assert (
            await similar(await items(db), "周末公交班次太少，末班车太早。", scope={"scope_id": SCOPE}) == []
        )

    async def test_reads_at_most_the_candidate_limit(self, db: Database) -> None:
        found = await similar(await items(db), TEXT, scope={"scope_id": SCOPE}, candidates=1)

        assert len(found) == 1

    async def test_is_one_query_projecting_only_what_it_needs(
        self, db: Database, command_log: CommandLog
    ) -> None:
        collection = await items(db)
        probe = Probe.of(TEXT)

        with command_log.count() as used:
            found = await similar(collection, probe, scope={"scope_id": SCOPE}, fields=("scope_id",))

        assert used.commands == [("find", collection.name)]
        assert set(found[0].document) == {"_id", "text", "scope_id"}

    async def test_a_probe_without_keys_sends_nothing(self, db: Database, command_log: CommandLog) -> None:
        collection = await items(db)

        with command_log.count() as used:
            found = await similar(collection, "！！！", scope={"scope_id": SCOPE})

        assert found == [] and used.total == 0
