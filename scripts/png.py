"""An 8-bit greyscale PNG writer with the standard library alone (zlib + CRCs),
for the examples' pictures."""

import struct
import zlib

import numpy as np


def write_png(path, grey):
    """Writes grey (h, w) values 0..255 as an 8-bit greyscale PNG."""
    h, w = grey.shape
    raw = b"".join(b"\x00" + bytes(row) for row in grey.astype(np.uint8))

    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data +
                struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)))
        f.write(chunk(b"IDAT", zlib.compress(raw, 9)))
        f.write(chunk(b"IEND", b""))
