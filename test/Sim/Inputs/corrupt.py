#!/usr/bin/env python3
"""Writes damaged copies of a .spadebin for the loader tests.

  corrupt.py IN OUT truncate N      keep the first N bytes
  corrupt.py IN OUT magic           break the magic
  corrupt.py IN OUT version V       set the format version
  corrupt.py IN OUT flip SECTION    flip one payload byte (CRC now wrong)
  corrupt.py IN OUT field PC OFFSET BYTES_HEX
        overwrite bytes of instruction PC of accelerator 0's code and fix the
        section's CRC, so only the loader's range checks can catch it
  corrupt.py IN OUT host OFFSET BYTES_HEX
        overwrite bytes of the host section's payload (CRCs fixed)
  corrupt.py IN OUT hostlib OFFSET BYTES_HEX
        overwrite bytes of the host library inside the host section
"""
import struct
import sys
import zlib


def sections(data):
    count = struct.unpack_from("<I", data, 12)[0]
    out = []
    for i in range(count):
        kind, accel, off, size, crc, _ = struct.unpack_from("<IIQQII", data, 24 + 32 * i)
        out.append((kind, accel, off, size, 24 + 32 * i))
    return out


def fix_crcs(data, section):
    _, _, off, size, entry = section
    struct.pack_into("<I", data, entry + 24, zlib.crc32(bytes(data[off:off + size])))
    table = bytes(data[24:24 + 32 * struct.unpack_from("<I", data, 12)[0]])
    struct.pack_into("<I", data, 16, zlib.crc32(table))


def library_offset(data, off):
    """Offset of the host library in the host section at `off`."""
    count = struct.unpack_from("<I", data, off)[0]
    at = off + 8
    for _ in range(count):
        name_len = struct.unpack_from("<I", data, at)[0]
        at += 4 + name_len
        n_args, n_results = struct.unpack_from("<II", data, at)
        at += 16 + 16 * (n_args + n_results)
    return at + 8 - off


def main():
    src, dst, mode, *args = sys.argv[1:]
    data = bytearray(open(src, "rb").read())
    if mode == "truncate":
        data = data[:int(args[0])]
    elif mode == "magic":
        data[0:8] = b"NOTSPADE"
    elif mode == "version":
        struct.pack_into("<I", data, 8, int(args[0]))
    elif mode == "flip":
        _, _, off, size, _ = sections(data)[int(args[0])]
        data[off + size // 2] ^= 0x5A
    elif mode == "field":
        pc, offset, patch = int(args[0]), int(args[1]), bytes.fromhex(args[2])
        code = [s for s in sections(data) if s[0] == 3 and s[1] == 0][0]
        _, _, off, size, entry = code
        at = off + 32 * pc + offset
        data[at:at + len(patch)] = patch
        struct.pack_into("<I", data, entry + 24, zlib.crc32(bytes(data[off:off + size])))
        table = bytes(data[24:24 + 32 * struct.unpack_from("<I", data, 12)[0]])
        struct.pack_into("<I", data, 16, zlib.crc32(table))
    elif mode in ("host", "hostlib"):
        host = [s for s in sections(data) if s[0] == 5][0]
        off = host[2]
        at = off + int(args[0])
        if mode == "hostlib":
            at += library_offset(data, off)
        patch = bytes.fromhex(args[1])
        data[at:at + len(patch)] = patch
        fix_crcs(data, host)
    open(dst, "wb").write(bytes(data))


main()
