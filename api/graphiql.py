"""GraphiQL from the app itself: Strawberry's page with its CDN scripts and styles replaced by the
copies vendored in api/static/graphiql, so the development IDE works without internet.

`python -m api.graphiql` (`make graphiql-assets`) refreshes the copies after a Strawberry upgrade:
it takes every asset Strawberry's page names, packed from npm at the version the page pins, and
keeps it only if it matches the page's integrity hash."""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import logging
import re
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from strawberry.http.ides import get_graphql_ide_html

log = logging.getLogger("townhall.graphiql")

ASSETS_PATH = "/graphiql-assets"
ASSETS_DIR = Path(__file__).resolve().parent / "static" / "graphiql"
MANIFEST = ASSETS_DIR / "assets.json"  # CDN URL → the vendored file and where it came from

# <script src=…> and <link href=…> on a CDN, with the package, its version and the file in it.
_CDN_ASSET = re.compile(
    r'<(?:script|link)\b[^>]*?(?:src|href)="(?P<url>https://unpkg\.com/'
    r'(?P<package>(?:@[^/@"]+/)?[^/@"]+)@(?P<version>[^/"]+)/(?P<path>[^"]+))"'
    r'[^>]*?integrity="(?P<integrity>[^"]+)"',
    re.DOTALL,
)


def assets_route() -> Mount:
    return Mount(ASSETS_PATH, app=StaticFiles(directory=ASSETS_DIR), name="graphiql-assets")


@functools.cache
def page() -> str:
    """Strawberry's GraphiQL page loading every asset from ASSETS_PATH (integrity checks kept)."""
    html = get_graphql_ide_html("graphiql")
    vendored: dict[str, dict[str, str]] = json.loads(MANIFEST.read_text())
    for url, asset in vendored.items():
        html = html.replace(f'"{url}"', f'"{ASSETS_PATH}/{asset["file"]}"')
    missing = [match["url"] for match in _CDN_ASSET.finditer(html)]
    if missing:
        log.warning(
            "GraphiQL loads assets from a CDN (it stays blank offline): run `make graphiql-assets`",
            extra={"urls": missing},
        )
    return html


def _sri(data: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()


def _npm_pack(spec: str, into: Path) -> dict[str, bytes]:
    """The files of an npm package (`name@version`), by their path in it, through npm's own client."""
    packed = subprocess.run(
        ["npm", "pack", spec, "--json", "--pack-destination", str(into)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    with tarfile.open(into / json.loads(packed.stdout)[0]["filename"]) as tar:
        return {
            member.name.removeprefix("package/"): extracted.read()
            for member in tar.getmembers()
            if (extracted := tar.extractfile(member)) is not None
        }


def refresh() -> dict[str, dict[str, str]]:
    """Vendor every CDN asset of Strawberry's page into ASSETS_DIR; returns the new manifest."""
    manifest: dict[str, dict[str, str]] = {}
    written = {MANIFEST.name, "README.md"}
    with tempfile.TemporaryDirectory() as work:
        for match in _CDN_ASSET.finditer(get_graphql_ide_html("graphiql")):
            package, version = match["package"], match["version"]
            prefix = f"{package.lstrip('@').replace('/', '-')}-{version}"
            files = _npm_pack(f"{package}@{version}", Path(work))
            data = files[match["path"]]
            if _sri(data) != match["integrity"]:
                raise SystemExit(f"{match['url']}: npm's file differs from the page's integrity hash")
            file = f"{prefix}-{Path(match['path']).name}"
            (ASSETS_DIR / file).write_bytes(data)
            written.add(file)
            if "LICENSE" in files:
                (ASSETS_DIR / f"{prefix}-LICENSE").write_bytes(files["LICENSE"])
                written.add(f"{prefix}-LICENSE")
            license_name = json.loads(files["package.json"]).get("license", "")
            manifest[match["url"]] = {
                "file": file,
                "package": package,
                "version": version,
                "license": license_name,
            }
    for stale in ASSETS_DIR.iterdir():
        if stale.name not in written:
            stale.unlink()
    MANIFEST.write_text(json.dumps(manifest, indent=2) + "\n")
    (ASSETS_DIR / "README.md").write_text(_readme(manifest))
    return manifest


def _readme(manifest: dict[str, dict[str, str]]) -> str:
    rows = "\n".join(
        f"| `{asset['file']}` | {asset['package']} | {asset['version']} | {asset['license']} |"
        for asset in manifest.values()
    )
    return f"""# GraphiQL's assets

The scripts and styles Strawberry's GraphiQL page loads, vendored so that the development IDE
(`GET /graphql` in a browser) works without internet: `api/graphiql.py` serves them under
`{ASSETS_PATH}/` and points the page at them, keeping the page's integrity hashes. Written by
`make graphiql-assets` (`python -m api.graphiql`), which packs each from npm at the version the
page pins and keeps it only if it matches the page's hash; do not edit by hand.

| file | npm package | version | license |
|---|---|---|---|
{rows}

Each package's LICENSE file is beside its files (`<package>-<version>-LICENSE`);
`@graphiql/plugin-explorer` ships none: it is MIT like `graphiql`, from the same repository.
"""


if __name__ == "__main__":
    ASSETS_DIR.mkdir(parents=True, exist_ok=True)
    for url, asset in refresh().items():
        print(f"{asset['file']}  ({asset['package']} {asset['version']}, {asset['license']}) from {url}")
    sys.exit(0)
