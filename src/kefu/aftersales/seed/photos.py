"""Evidence photos for seeded cases: small, valid PNG images made in code (no file is downloaded).

Pillow is not a dependency, so the PNG is written by hand: the 8-byte signature, an IHDR chunk, one zlib
IDAT chunk of filtered scanlines and IEND, each chunk with its CRC-32. evidence.sniff() recognises it by its
first bytes like any phone's PNG. Eight variants (a parcel seen from above in four colours, with or without
a dent), made once per process.
"""

from __future__ import annotations

import struct
import zlib
from functools import lru_cache

WIDTH, HEIGHT = 96, 72
MARGIN_X, MARGIN_Y = 14, 10
PALETTE = (  # (box, table, tape) in RGB
    ((196, 154, 108), (236, 236, 232), (214, 190, 140)),
    ((178, 140, 96), (220, 226, 232), (200, 60, 50)),
    ((210, 170, 120), (240, 232, 220), (60, 110, 180)),
    ((160, 128, 92), (228, 228, 228), (230, 200, 60)),
)
VARIANTS = 2 * len(PALETTE)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png(variant: int = 0) -> bytes:
    """One of the VARIANTS images (any int picks one)."""
    return _png(variant % VARIANTS)


@lru_cache(maxsize=VARIANTS)
def _png(variant: int) -> bytes:
    box, table, tape = PALETTE[variant % len(PALETTE)]
    dent = variant >= len(PALETTE)
    inner = WIDTH - 2 * MARGIN_X
    rows = bytearray()
    for y in range(HEIGHT):
        shade = y % 5  # a little grain on the table
        side = bytes(max(0, c - shade) for c in table) * MARGIN_X
        if not MARGIN_Y <= y < HEIGHT - MARGIN_Y:
            line = bytes(max(0, c - shade) for c in table) * WIDTH
        elif abs(y - HEIGHT // 2) <= 3:
            line = side + bytes(tape) * inner + side
        else:
            edge = bytes(max(0, c - 14) for c in box)
            body = bytearray(edge + bytes(box) * (inner - 2) + edge)
            if y in (MARGIN_Y, HEIGHT - MARGIN_Y - 1):
                body = bytearray(edge * inner)
            if dent and abs(y - 22) <= 5:  # a dark dent near the top right corner
                half = int((25 - (y - 22) ** 2) ** 0.5)
                start = (60 - MARGIN_X - half) * 3
                body[start : start + (2 * half + 1) * 3] = bytes((70, 52, 40)) * (2 * half + 1)
            line = side + bytes(body) + side
        rows += b"\x00" + line  # filter type 0 (none) for every scanline
    header = struct.pack(">IIBBBBB", WIDTH, HEIGHT, 8, 2, 0, 0, 0)  # 8-bit RGB, no interlace
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(bytes(rows), 9)) + \
        _chunk(b"IEND", b"")
