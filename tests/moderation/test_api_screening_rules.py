"""Screening rules through the API: staff read them, admins change them, new comments are screened by them."""

from __future__ import annotations

from typing import Any

from strawberry.relay import from_base64

from models.common.actors import Role
from models.common.db import Database, Document
from models.consultations.documents import COMMENTS
from models.moderation.documents import AUDIT_LOG, LEXICON_TERMS, SCREENING_RULES
from tests.consultations.comment_support import citizen, mutate, run, staff, submit
from tests.consultations.drafts import make_city, make_open
from tests.support.graphql_client import GraphQLClient

RESULT = "__typename ... on UserError { code message field }"
RULES_FIELDS = """
    version allowedLinkDomains lexicon { category terms }
    floodLimits { repeatedText repeatedTextWindowHours rateLimit rateWindowMinutes }
"""
SCREENING_RULES_QUERY = f"{{ screeningRules {{ {RULES_FIELDS} }} }}"
ADD_TERMS = f"""
mutation ($input: AddLexiconTermsInput!) {{
  addLexiconTerms(input: $input) {{
    {RESULT} ... on LexiconTermsAdded {{ screeningRules {{ {RULES_FIELDS} }} }}
  }}
}}
"""
REMOVE_TERMS = f"""
mutation ($input: RemoveLexiconTermsInput!) {{
  removeLexiconTerms(input: $input) {{
    {RESULT} ... on LexiconTermsRemoved {{ screeningRules {{ {RULES_FIELDS} }} }}
  }}
}}
"""
SET_DOMAINS = f"""
mutation ($input: SetAllowedLinkDomainsInput!) {{
  setAllowedLinkDomains(input: $input) {{
    {RESULT} ... on AllowedLinkDomainsSet {{ screeningRules {{ {RULES_FIELDS} }} }}
  }}
}}
"""


async def admin(db: Database) -> dict[str, str]:
    return (await staff(db, "root@admin.example.cn", Role.ADMIN))[1]


async def moderator(db: Database) -> dict[str, str]:
    return (await staff(db, "zhang@moderation.example.cn", Role.MODERATOR))[1]


async def consultation(db: Database) -> Document:
    city = await make_city(db)
    return await make_open(db, city["housing"])


async def stored(db: Database, comment: dict[str, Any]) -> Document:
    document = await COMMENTS.of(db).find_one({"_id": from_base64(comment["id"])[1]})
    assert document is not None
    return document


def terms_of(rules: dict[str, Any], category: str) -> list[str]:
    return next(entry["terms"] for entry in rules["lexicon"] if entry["category"] == category)


class TestReadingRules:
    async def test_moderators_read_the_built_in_rules(self, gql: GraphQLClient, db: Database) -> None:
        rules = (await run(gql, SCREENING_RULES_QUERY, {}, await moderator(db)))["screeningRules"]

        assert rules["version"] == 0
        assert [entry["category"] for entry in rules["lexicon"]] == [
            "ABUSE",
            "THREATS",
            "SPAM",
            "ADVERTISING",
        ]
        assert "加微信" in terms_of(rules, "ADVERTISING")
        assert "gov.cn" in rules["allowedLinkDomains"]
        assert rules["floodLimits"] == {
            "repeatedText": 3,
            "repeatedTextWindowHours": 24,
            "rateLimit": 10,
            "rateWindowMinutes": 10,
        }

    async def test_citizens_may_not_read_them(self, gql: GraphQLClient, db: Database) -> None:
        _, headers = await citizen(db)

        response = await gql.execute(SCREENING_RULES_QUERY, headers=headers)

        assert response.error_codes() == ["FORBIDDEN"]


class TestLexicon:
    async def test_a_term_an_admin_adds_holds_the_next_comment_containing_it(
        self, gql: GraphQLClient, db: Database
    ) -> None:
        open_ = await consultation(db)
        _, headers = await citizen(db)

        result = await mutate(
            gql, ADD_TERMS, {"category": "ADVERTISING", "terms": [" 团购群 "]}, await admin(db)
        )
        comment = await submit(gql, open_, headers, text="大家进团 购 群，买菜便宜。")

        assert result["__typename"] == "LexiconTermsAdded"
        assert "团购群" in terms_of(result["screeningRules"], "ADVERTISING")
        assert result["screeningRules"]["version"] == 1
        assert comment["status"] == "PENDING"
        assert (await stored(db, comment))["screening_reasons"] == ["lexicon:advertising"]

    async def test_the_change_is_in_the_audit_log(self, gql: GraphQLClient, db: Database) -> None:
        await mutate(gql, ADD_TERMS, {"category": "SPAM", "terms": ["团购群", "秒杀"]}, await admin(db))

        entry = await AUDIT_LOG.of(db).find_one({"action": "screening.lexicon_terms_added"})

        assert entry is not None
        assert entry["details"] == {"category": "spam", "terms": ["团购群", "秒杀"]}

    async def test_a_removed_term_no_longer_holds_comments(self, gql: GraphQLClient, db: Database) -> None:
        open_ = await consultation(db)
        _, headers = await citizen(db)

        result = await mutate(gql, REMOVE_TERMS, {"category": "ABUSE", "terms": ["滚蛋"]}, await admin(db))
        comment = await submit(gql, open_, headers, text="让违章建筑滚蛋！")

        assert "滚蛋" not in terms_of(result["screeningRules"], "ABUSE")
        assert comment["status"] == "PUBLISHED"
        assert await AUDIT_LOG.of(db).count_documents({"action": "screening.lexicon_terms_removed"}) == 1

    async def test_a_moderator_may_not_change_the_lexicon_and_nothing_changes(
        self, gql: GraphQLClient, db: Database
    ) -> None:
        headers = await moderator(db)

        added = await mutate(gql, ADD_TERMS, {"category": "SPAM", "terms": ["团购群"]}, headers)
        removed = await mutate(gql, REMOVE_TERMS, {"category": "ABUSE", "terms": ["滚蛋"]}, headers)

        assert (added["code"], removed["code"]) == ("FORBIDDEN", "FORBIDDEN")
        assert await LEXICON_TERMS.of(db).count_documents({}) == 0
        assert await SCREENING_RULES.of(db).count_documents({}) == 0
        assert await AUDIT_LOG.of(db).count_documents({}) == 0

    async def test_terms_too_short_or_too_long_are_refused(self, gql: GraphQLClient, db: Database) -> None:
        headers = await admin(db)

        short = await mutate(gql, ADD_TERMS, {"category": "SPAM", "terms": ["团购群", "x"]}, headers)
        long = await mutate(gql, ADD_TERMS, {"category": "SPAM", "terms": ["长" * 41]}, headers)
        symbols = await mutate(gql, ADD_TERMS, {"category": "SPAM", "terms": ["！！！"]}, headers)
        none = await mutate(gql, ADD_TERMS, {"category": "SPAM", "terms": []}, headers)

        assert [result["field"] for result in (short, long, symbols, none)] == ["terms"] * 4
        assert long["message"].startswith("a term is 2–40 characters")
        assert await LEXICON_TERMS.of(db).count_documents({}) == 0

    async def test_an_unknown_category_is_refused_by_the_schema(
        self, gql: GraphQLClient, db: Database
    ) -> None:
        response = await gql.execute(
            ADD_TERMS, {"input": {"category": "GOSSIP", "terms": ["团购群"]}}, headers=await admin(db)
        )

        assert response.errors


class TestLinks:
    async def test_links_to_allowed_domains_publish_and_others_are_held(
        self, gql: GraphQLClient, db: Database
    ) -> None:
        open_ = await consultation(db)
        _, headers = await citizen(db)

        result = await mutate(
            gql, SET_DOMAINS, {"domains": ["linchuan.gov.cn", "https://www.Example.org"]}, await admin(db)
        )
        allowed = await submit(gql, open_, headers, text="原文见 https://zfcxjsj.linchuan.gov.cn/tz/1.html")
        also_allowed = await submit(gql, open_, headers, text="参考 www.example.org/a 的做法")
        held = await submit(gql, open_, headers, text="更便宜的充电桩看 www.chongdian88.com")
        no_longer_allowed = await submit(gql, open_, headers, text="北京的做法见 www.beijing.gov.cn")

        assert result["screeningRules"]["allowedLinkDomains"] == ["example.org", "linchuan.gov.cn"]
        assert [c["status"] for c in (allowed, also_allowed)] == ["PUBLISHED", "PUBLISHED"]
        assert [c["status"] for c in (held, no_longer_allowed)] == ["PENDING", "PENDING"]
        assert (await stored(db, held))["screening_reasons"] == ["spam:link"]

    async def test_a_malformed_domain_is_refused_and_the_list_stays(
        self, gql: GraphQLClient, db: Database
    ) -> None:
        headers = await admin(db)

        result = await mutate(gql, SET_DOMAINS, {"domains": ["gov.cn", "not a domain"]}, headers)
        rules = (await run(gql, SCREENING_RULES_QUERY, {}, headers))["screeningRules"]

        assert (result["code"], result["field"]) == ("INVALID_INPUT", "domains")
        assert "'not a domain' is not a domain name" in result["message"]
        assert rules["version"] == 0 and "gov.cn" in rules["allowedLinkDomains"]

    async def test_a_moderator_may_not_set_the_domains(self, gql: GraphQLClient, db: Database) -> None:
        result = await mutate(gql, SET_DOMAINS, {"domains": ["example.org"]}, await moderator(db))

        assert result["code"] == "FORBIDDEN"
        assert await SCREENING_RULES.of(db).count_documents({}) == 0


class TestFloods:
    async def test_the_third_identical_comment_by_one_citizen_is_held(
        self, gql: GraphQLClient, db: Database
    ) -> None:
        open_ = await consultation(db)
        _, headers = await citizen(db)
        _, neighbour = await citizen(db, "+8613900139000")
        text = "强烈建议东门增设充电桩！"

        first = await submit(gql, open_, headers, text=text)
        second = await submit(
            gql, open_, headers, text="强烈建议东门增设充电桩"
        )  # the same, told apart by "！"
        third = await submit(gql, open_, headers, text=text)
        by_neighbour = await submit(gql, open_, neighbour, text=text)

        assert [c["status"] for c in (first, second, third, by_neighbour)] == [
            "PUBLISHED",
            "PUBLISHED",
            "PENDING",
            "PUBLISHED",
        ]
        assert (await stored(db, third))["screening_reasons"] == ["spam:repeated_text"]
