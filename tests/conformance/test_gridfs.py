"""Media files through `AsyncGridFSBucket`: upload with metadata, download identical, delete, NoFile."""

from __future__ import annotations

import pytest
from bson import ObjectId
from gridfs import AsyncGridFSBucket, NoFile

from models.common.db import Database

# Larger than one 255 KiB chunk, so reassembly across chunks is exercised.
IMAGE = bytes(range(256)) * 1200
METADATA = {"content_type": "image/png", "owner_id": "u1", "variant": "original"}


@pytest.fixture
def bucket(db: Database) -> AsyncGridFSBucket:
    return AsyncGridFSBucket(db, bucket_name="media")


async def test_uploaded_bytes_download_identical(bucket: AsyncGridFSBucket) -> None:
    file_id = await bucket.upload_from_stream("panel-1.png", IMAGE, metadata=METADATA)

    download = await bucket.open_download_stream(file_id)
    content = await download.read()

    assert isinstance(file_id, ObjectId)
    assert content == IMAGE


async def test_a_download_carries_the_file_name_length_and_metadata(
    bucket: AsyncGridFSBucket,
) -> None:
    file_id = await bucket.upload_from_stream("panel-1.png", IMAGE, metadata=METADATA)

    download = await bucket.open_download_stream(file_id)

    assert download._id == file_id
    assert download.filename == "panel-1.png"
    assert download.length == len(IMAGE)
    assert download.metadata == METADATA


async def test_upload_with_an_own_id_downloads_by_that_id(bucket: AsyncGridFSBucket) -> None:
    # Variants get ids derived from their source, so a retried render never stores twice.
    file_id = ObjectId()
    await bucket.upload_from_stream_with_id(file_id, "panel-1.webp", b"webp bytes")

    download = await bucket.open_download_stream(file_id)

    assert await download.read() == b"webp bytes"


async def test_an_empty_file_downloads_empty(bucket: AsyncGridFSBucket) -> None:
    file_id = await bucket.upload_from_stream("empty.txt", b"")

    download = await bucket.open_download_stream(file_id)

    assert download.length == 0
    assert await download.read() == b""


async def test_a_deleted_file_can_no_longer_be_downloaded(bucket: AsyncGridFSBucket) -> None:
    file_id = await bucket.upload_from_stream("panel-1.png", IMAGE)
    kept_id = await bucket.upload_from_stream("panel-2.png", b"kept")

    await bucket.delete(file_id)

    with pytest.raises(NoFile):
        await bucket.open_download_stream(file_id)
    assert await (await bucket.open_download_stream(kept_id)).read() == b"kept"


async def test_downloading_an_unknown_id_raises_no_file(bucket: AsyncGridFSBucket) -> None:
    with pytest.raises(NoFile):
        await bucket.open_download_stream(ObjectId())


async def test_buckets_do_not_see_each_other_files(db: Database) -> None:
    media = AsyncGridFSBucket(db, bucket_name="media")
    exports = AsyncGridFSBucket(db, bucket_name="exports")
    file_id = await media.upload_from_stream("panel-1.png", b"png")

    with pytest.raises(NoFile):
        await exports.open_download_stream(file_id)
