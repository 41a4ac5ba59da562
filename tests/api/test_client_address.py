"""The client address the rate limits count: X-Forwarded-For is believed only from configured proxies."""

from __future__ import annotations

import pytest

from api.client_address import TrustedProxies, parse_trusted_proxies
from api.settings import Settings, SettingsError
from tests.support.graphql_client import GraphQLClient, client_for, running_app, settings_for_tests

LOG_IN = """
mutation ($email: String!) {
  logInStaff(email: $email, password: "not the password at all") { __typename }
}
"""
PROXY = TrustedProxies(parse_trusted_proxies(["10.0.0.0/8", "2001:db8::/32"]))


async def sign_in_answers(gql: GraphQLClient, forwarded_for: list[str]) -> list[str]:
    """One sign-in per header value, each at an e-mail of its own (so only the address limit counts)."""
    answers = []
    for n, value in enumerate(forwarded_for):
        response = await gql.execute(
            LOG_IN, {"email": f"nobody{n}@example.gov.cn"}, headers={"x-forwarded-for": value}
        )
        answers.append(response.data["logInStaff"]["__typename"])
    return answers


class TestTheRateLimitBucket:
    async def test_from_an_untrusted_peer_the_header_is_ignored(self, db) -> None:
        settings = settings_for_tests(rate_limits="signIn.address=2/60s")
        async with running_app(db, settings) as app, client_for(app) as gql:
            answers = await sign_in_answers(gql, ["203.0.113.1", "203.0.113.2", "203.0.113.3"])

        assert answers == ["InvalidCredentialsError", "InvalidCredentialsError", "RateLimitedError"]

    async def test_from_a_configured_proxy_the_header_names_the_client(self, db) -> None:
        settings = settings_for_tests(rate_limits="signIn.address=2/60s", trusted_proxies=("127.0.0.1",))
        async with running_app(db, settings) as app, client_for(app) as gql:
            others = await sign_in_answers(gql, ["203.0.113.1", "203.0.113.2", "203.0.113.3"])
            same = await sign_in_answers(gql, ["198.51.100.9"] * 3)

        assert others == ["InvalidCredentialsError"] * 3
        assert same == ["InvalidCredentialsError", "InvalidCredentialsError", "RateLimitedError"]

    async def test_a_client_cannot_prepend_its_way_to_a_fresh_bucket(self, db) -> None:
        settings = settings_for_tests(rate_limits="signIn.address=2/60s", trusted_proxies=("127.0.0.1",))
        async with running_app(db, settings) as app, client_for(app) as gql:
            answers = await sign_in_answers(gql, [f"192.0.2.{n}, 198.51.100.9" for n in range(3)])

        assert answers == ["InvalidCredentialsError", "InvalidCredentialsError", "RateLimitedError"]


class TestClientOf:
    def test_an_untrusted_peer_is_the_client_whatever_the_header_says(self) -> None:
        assert PROXY.client_of("203.0.113.7", ["198.51.100.1"]) == "203.0.113.7"

    def test_a_trusted_peer_passes_on_the_last_untrusted_hop(self) -> None:
        forwarded = ["192.0.2.1, 203.0.113.7", "10.1.2.3"]

        assert PROXY.client_of("10.0.0.5", forwarded) == "203.0.113.7"

    def test_a_chain_of_trusted_proxies_only_names_the_first_address(self) -> None:
        assert PROXY.client_of("10.0.0.5", ["10.9.9.9, 10.8.8.8"]) == "10.9.9.9"

    def test_a_trusted_peer_without_the_header_is_the_client(self) -> None:
        assert PROXY.client_of("10.0.0.5", []) == "10.0.0.5"

    def test_garbage_in_the_header_stops_the_walk(self) -> None:
        assert PROXY.client_of("10.0.0.5", ["203.0.113.7, not-an-address"]) == "10.0.0.5"

    def test_ipv6_and_ports(self) -> None:
        assert PROXY.client_of("2001:db8::1", ["[2001:db8:1::9]:443, 203.0.113.7:5000"]) == "203.0.113.7"

    def test_without_trusted_proxies_nothing_is_believed(self) -> None:
        assert TrustedProxies().client_of("127.0.0.1", ["203.0.113.7"]) == "127.0.0.1"


class TestTheSetting:
    def test_defaults_to_no_proxy(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.delenv("TOWNHALL_TRUSTED_PROXIES", raising=False)

        assert Settings.from_env().client_proxies() == TrustedProxies()

    def test_reads_addresses_and_cidr_blocks(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("TOWNHALL_TRUSTED_PROXIES", "10.0.0.5, 172.16.0.0/12,2001:db8::/32")

        proxies = Settings.from_env().client_proxies()

        assert [str(network) for network in proxies.networks] == [
            "10.0.0.5/32",
            "172.16.0.0/12",
            "2001:db8::/32",
        ]

    def test_refuses_what_is_not_an_address(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("TOWNHALL_TRUSTED_PROXIES", "10.0.0.5,proxy.internal")

        with pytest.raises(SettingsError, match=r"TOWNHALL_TRUSTED_PROXIES: 'proxy\.internal'"):
            Settings.from_env().client_proxies()
