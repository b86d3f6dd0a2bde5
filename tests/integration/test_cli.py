"""The ``portico`` command line against the emulated AWS account."""

from __future__ import annotations

import struct
import zlib
from typing import TYPE_CHECKING, Any

from chalicelib import cli
from tests.integration.conftest import TENANT

if TYPE_CHECKING:
    from pathlib import Path


def tiny_png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" + b"\x0b\x53\x94" * 2 + b"\x00" + b"\xff\xff\xff" * 2)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def test_logo_file_is_stored_for_pdfs(world: Any, tmp_path: Path, capsys: Any) -> None:
    from chalicelib.store import files, tenants

    logo = tmp_path / "logo.png"
    logo.write_bytes(tiny_png())
    assert cli.main(["tenant", "branding", TENANT, "--logo-file", str(logo)]) == 0
    key = tenants.get(TENANT).branding["logo_key"]
    assert key == f"{TENANT}/_branding/logo.png"
    assert files.read_bytes(key) == tiny_png()
    capsys.readouterr()

    not_an_image = tmp_path / "logo.gif"
    not_an_image.write_bytes(b"GIF89a....")
    assert cli.main(["tenant", "branding", TENANT, "--logo-file", str(not_an_image)]) != 0
    assert "PNG or JPEG" in capsys.readouterr().err
    assert tenants.get(TENANT).branding["logo_key"] == key  # unchanged


def test_statement_pdf_carries_the_logo(world: Any, tmp_path: Path) -> None:
    import io

    import pypdf
    import requests

    from tests.support import call, grant

    logo = tmp_path / "logo.png"
    logo.write_bytes(tiny_png())
    assert cli.main(["tenant", "branding", TENANT, "--logo-file", str(logo)]) == 0
    world.account("acc-1")
    token = world.portal_user("c-1", "acc-1", grant("billing", actions={"billing": ["download"]}))
    reply = call(world.client, "GET", "/v1/portal/statement/pdf", token=token)
    assert reply.status == 200, reply.body
    document = pypdf.PdfReader(io.BytesIO(requests.get(reply.body["url"], timeout=5).content))
    assert any(page.images for page in document.pages)
