#!/usr/bin/env python3
"""Many plain BitTorrent seeders in one process, for measuring a leecher with hundreds of peers
on a machine that cannot run hundreds of libtorrent processes.

    lite_seeders.py TORRENT DATA_DIR COUNT [FIRST_HOST]

With LITE_RATE_MIB set, the seeders together send about that many MiB/s, shared evenly between
them, so a download lasts long enough to sample the leecher at a steady state.

Listens on COUNT loopback addresses (127.0.1.1, 127.0.1.2, ... by default), each a seeder with
every piece of TORRENT's single file below DATA_DIR. It speaks the plain wire protocol (BEP 3,
no extensions, no encryption): handshake, full bitfield, unchoke, and a piece for every request.
Prints "ready HOST:PORT" per listener, then serves until killed. Loopback only.
"""
import asyncio
import hashlib
import ipaddress
import os
import struct
import sys


def bdecode(data, i=0):
    """Decodes one bencoded value at i; returns (value, end). Byte strings stay bytes."""
    c = data[i:i + 1]
    if c == b"i":
        end = data.index(b"e", i)
        return int(data[i + 1:end]), end + 1
    if c == b"l":
        i += 1
        out = []
        while data[i:i + 1] != b"e":
            value, i = bdecode(data, i)
            out.append(value)
        return out, i + 1
    if c == b"d":
        i += 1
        out = {}
        while data[i:i + 1] != b"e":
            key, i = bdecode(data, i)
            start = i
            value, i = bdecode(data, i)
            out[key] = value
            if key == b"info":
                out[b"__info_range"] = (start, i)
        return out, i + 1
    colon = data.index(b":", i)
    length = int(data[i:colon])
    return data[colon + 1:colon + 1 + length], colon + 1 + length


class Torrent:
    def __init__(self, path, data_dir):
        raw = open(path, "rb").read()
        meta, _ = bdecode(raw)
        start, end = meta[b"__info_range"]
        info = meta[b"info"]
        if b"files" in info:
            sys.exit("lite_seeders.py serves single-file torrents only")
        self.info_hash = hashlib.sha1(raw[start:end]).digest()
        self.piece_length = info[b"piece length"]
        self.length = info[b"length"]
        self.pieces = (self.length + self.piece_length - 1) // self.piece_length
        self.fd = os.open(os.path.join(data_dir, info[b"name"].decode()), os.O_RDONLY)
        bits = bytearray(b"\xff" * ((self.pieces + 7) // 8))
        spare = len(bits) * 8 - self.pieces
        if spare:
            bits[-1] = (0xFF << spare) & 0xFF
        self.bitfield = bytes(bits)


async def serve(torrent, reader, writer, pause_per_byte):
    peer_id = b"-LS0001-" + os.urandom(12)
    try:
        handshake = await reader.readexactly(68)
        if handshake[:20] != b"\x13BitTorrent protocol" or handshake[28:48] != torrent.info_hash:
            return
        writer.write(b"\x13BitTorrent protocol" + bytes(8) + torrent.info_hash + peer_id)
        writer.write(struct.pack(">IB", 1 + len(torrent.bitfield), 5) + torrent.bitfield)
        writer.write(struct.pack(">IB", 1, 1))  # unchoke at once
        await writer.drain()
        while True:
            (length,) = struct.unpack(">I", await reader.readexactly(4))
            if length == 0:
                continue
            if length > 1 << 20:
                return
            body = await reader.readexactly(length)
            if body[0] == 6 and length == 13:
                index, begin, size = struct.unpack(">III", body[1:])
                offset = index * torrent.piece_length + begin
                if index >= torrent.pieces or size > 1 << 17 or offset + size > torrent.length:
                    return
                block = os.pread(torrent.fd, size, offset)
                writer.write(struct.pack(">IBII", 9 + size, 7, index, begin) + block)
                if writer.transport.get_write_buffer_size() > 1 << 20:
                    await writer.drain()
                if pause_per_byte:
                    await writer.drain()
                    await asyncio.sleep(size * pause_per_byte)
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    torrent = Torrent(sys.argv[1], sys.argv[2])
    count = int(sys.argv[3])
    first = ipaddress.IPv4Address(sys.argv[4] if len(sys.argv) > 4 else "127.0.1.1")
    rate = float(os.environ.get("LITE_RATE_MIB", "0")) * (1 << 20)
    pause_per_byte = count / rate if rate > 0 else 0.0  # each seeder's share is rate / count
    servers = []
    for n in range(count):
        host = str(first + n)
        if not ipaddress.IPv4Address(host).is_loopback:
            sys.exit(f"{host} is not a loopback address")
        server = await asyncio.start_server(lambda r, w: serve(torrent, r, w, pause_per_byte), host, 0)
        servers.append(server)
        print(f"ready {host}:{server.sockets[0].getsockname()[1]}", flush=True)
    await asyncio.gather(*(server.serve_forever() for server in servers))


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
