#!/usr/bin/env python3
"""Packs a directory tree into one compressed file small enough to carry to the
GPU machine, and unpacks it there (standard library only).

16-bit weights compress poorly as they are, but their high bytes (sign, exponent
and top mantissa bits) compress well once separated from the low bytes: each
.safetensors file's tensor data is stored as two byte planes.

  pack_files.py pack SOURCE_DIR ARCHIVE      ARCHIVE holds every file under SOURCE_DIR
  pack_files.py unpack ARCHIVE DEST_DIR      recreates them under DEST_DIR
"""
import json
import lzma
import os
import struct
import sys


def split_planes(data: bytes) -> bytes:
    header = struct.unpack("<Q", data[:8])[0] + 8
    body = data[header:]
    if len(body) % 2:
        return data  # not 16-bit data: keep as is
    return data[:header] + body[0::2] + body[1::2]


def join_planes(data: bytes, header: int) -> bytes:
    body = data[header:]
    half = len(body) // 2
    out = bytearray(len(body))
    out[0::2] = body[:half]
    out[1::2] = body[half:]
    return data[:header] + bytes(out)


def pack(source: str, archive: str) -> None:
    entries, blobs = [], []
    for root, _, files in os.walk(source):
        for name in sorted(files):
            path = os.path.join(root, name)
            data = open(path, "rb").read()
            planes = name.endswith(".safetensors")
            if planes:
                header = struct.unpack("<Q", data[:8])[0] + 8
                data = split_planes(data)
            entries.append({"path": os.path.relpath(path, source), "bytes": len(data),
                            "planes_after": header if planes else -1})
            blobs.append(data)
    index = json.dumps(entries).encode()
    with lzma.open(archive, "wb", preset=6) as out:
        out.write(struct.pack("<Q", len(index)))
        out.write(index)
        for blob in blobs:
            out.write(blob)


def unpack(archive: str, dest: str) -> None:
    with lzma.open(archive, "rb") as stream:
        size = struct.unpack("<Q", stream.read(8))[0]
        for entry in json.loads(stream.read(size)):
            data = stream.read(entry["bytes"])
            if entry["planes_after"] >= 0:
                data = join_planes(data, entry["planes_after"])
            path = os.path.join(dest, entry["path"])
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as out:
                out.write(data)


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] not in ("pack", "unpack"):
        sys.exit(__doc__)
    (pack if sys.argv[1] == "pack" else unpack)(sys.argv[2], sys.argv[3])
