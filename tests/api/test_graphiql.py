"""GraphiQL in development: the page loads its scripts and styles from the server itself (vendored
in api/static/graphiql), so it works without internet — checked in a real headless browser."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path
from urllib.parse import quote

import httpx
from starlette.applications import Starlette

from api.settings import Settings
from models.common.db import Database
from models.identity.keys import DEVELOPMENT_KEY_FILE, development_key_ring
from tests.support.browser import browser_page
from tests.support.graphql_client import running_app

SERVER_TIME = "{ serverTime }"
QUERY_EDITOR = "document.querySelector('.graphiql-query-editor .CodeMirror')"
RESPONSE_EDITOR = "document.querySelector('.graphiql-response .CodeMirror')"
# <script src="…" integrity="…"> and <link href="…" integrity="…">
ASSET = re.compile(r'(?:src|href)="(?P<url>[^"]+)"\s+integrity="(?P<integrity>[^"]+)"')


def _sri(data: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()


class TestPage:
    async def test_every_asset_comes_from_the_server_and_matches_its_integrity_hash(
        self, app: Starlette
    ) -> None:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as http:
            page = await http.get("/graphql", headers={"accept": "text/html"})
            assets = [match.groupdict() for match in ASSET.finditer(page.text)]
            served = {asset["url"]: await http.get(asset["url"]) for asset in assets}

        assert page.status_code == 200
        assert len(assets) == 7  # React, ReactDOM, js-cookie, GraphiQL's script and style, the explorer's two
        assert [asset["url"] for asset in assets if not asset["url"].startswith("/graphiql-assets/")] == []
        for asset in assets:
            response = served[asset["url"]]
            assert response.status_code == 200, asset["url"]
            assert _sri(response.content) == asset["integrity"], asset["url"]

    async def test_production_serves_neither_the_page_nor_its_assets(
        self, db: Database, tmp_path: Path
    ) -> None:
        development_key_ring(tmp_path)  # a key file, as production is given one
        (tmp_path / "phone.key").write_bytes(b"k" * 32)
        settings = Settings(
            environment="production",
            data_dir=tmp_path,
            signing_key_files=(tmp_path / DEVELOPMENT_KEY_FILE,),
            phone_hash_key_file=tmp_path / "phone.key",
        )
        async with (
            running_app(db, settings) as app,
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as http,
        ):
            page = await http.get("/graphql", headers={"accept": "text/html"})
            asset = await http.get("/graphiql-assets/assets.json")

        assert page.status_code != 200
        assert "graphiql" not in page.text.lower()
        assert asset.status_code == 404


class TestInABrowser:
    async def test_graphiql_renders_and_runs_a_query_with_no_internet(self, live_server: str) -> None:
        async with browser_page() as page:
            await page.navigate(f"{live_server}/graphql?q={quote(SERVER_TIME)}")
            await page.wait_for(f"{QUERY_EDITOR} !== null")
            typed = await page.evaluate(f"{QUERY_EDITOR}.CodeMirror.getValue()")
            await page.evaluate("document.querySelector('.graphiql-execute-button').click()")
            shown = await page.wait_for(f"{RESPONSE_EDITOR}?.CodeMirror.getValue()")
            loading = await page.evaluate("document.body.innerText.includes('Loading...')")

        assert typed == SERVER_TIME
        assert json.loads(shown)["data"]["serverTime"].endswith("+00:00")
        assert not loading
        assert [url for url in page.requested if not url.startswith((live_server, "data:"))] == []
        assert page.exceptions == []
