#!/usr/bin/env python3
"""Writes the seed corpora in Fuzz/Corpus/<target>/: captures and fixtures already in the repo,
torrents made by mktorrent and transmission-create, and small hand-made inputs laid out the way
each structured target reads its bytes (see the target's main.swift).

  python3 Fuzz/make-seeds.py        (needs mktorrent and transmission-create for the torrents)

The seeds are committed; rerun this only to change them. Reproducers of fixed findings live in
the same folders (named finding-*) and are left alone.
"""
import hashlib
import os
import shutil
import struct
import subprocess
import tempfile

FUZZ = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(FUZZ)
CORPUS = os.path.join(FUZZ, "Corpus")


def bencode(v):
    if isinstance(v, int):
        return b"i%de" % v
    if isinstance(v, str):
        v = v.encode()
    if isinstance(v, bytes):
        return b"%d:%s" % (len(v), v)
    if isinstance(v, list):
        return b"l" + b"".join(bencode(x) for x in v) + b"e"
    if isinstance(v, dict):
        items = sorted((k.encode() if isinstance(k, str) else k, x) for k, x in v.items())
        return b"d" + b"".join(bencode(k) + bencode(x) for k, x in items) + b"e"
    raise TypeError(v)


def u16(n):
    return struct.pack(">H", n)


def u32(n):
    return struct.pack(">I", n)


def chunk(data):
    assert len(data) < 256
    return bytes([len(data)]) + data


written = {}


def seed(target, name, data):
    folder = os.path.join(CORPUS, target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)
    written.setdefault(target, []).append(name)


def copy(target, path, name=None):
    with open(path, "rb") as f:
        seed(target, name or os.path.basename(path), f.read())


def clear():
    for target in os.listdir(CORPUS) if os.path.isdir(CORPUS) else []:
        folder = os.path.join(CORPUS, target)
        for name in os.listdir(folder):
            if not name.startswith("finding-"):
                os.remove(os.path.join(folder, name))


INFO_HASH = bytes.fromhex("0123456789abcdef0123456789abcdef01234567")
PEER_ID = b"-LT2080-abcdefghijkl"
KRPC = os.path.join(ROOT, "Tests/WireProtocolTests/Fixtures/KRPC")
TRACKER = os.path.join(ROOT, "Tests/EngineTests/Fixtures")

# MARK: - Peer wire frames


def frame(message_id, payload=b""):
    return u32(1 + len(payload)) + bytes([message_id]) + payload


def handshake(reserved=bytes([0, 0, 0, 0, 0, 0x10, 0, 0x05])):
    return bytes([19]) + b"BitTorrent protocol" + reserved + INFO_HASH + PEER_ID


EXT_HANDSHAKE = bencode({"m": {"ut_metadata": 2, "ut_pex": 1}, "v": "libtorrent 2.0.8", "p": 6881,
                         "reqq": 500, "yourip": bytes([127, 0, 0, 1]), "metadata_size": 20001})


def torrents(folder):
    """Small real .torrent files from mktorrent and transmission-create."""
    work = tempfile.mkdtemp()
    out = []
    try:
        single = os.path.join(work, "single.bin")
        with open(single, "wb") as f:
            f.write(bytes(range(256)) * 300)
        multi = os.path.join(work, "album")
        os.makedirs(os.path.join(multi, "disc 1"))
        for name, size in [("disc 1/01.flac", 40000), ("disc 1/02.flac", 1), ("cover.jpg", 0), ("notes.txt", 700)]:
            with open(os.path.join(multi, name), "wb") as f:
                f.write(b"x" * size)
        jobs = [
            ("mktorrent-single.torrent", ["mktorrent", "-l", "15", "-d", "-a", "http://127.0.0.1:6969/announce"], single),
            ("mktorrent-multi-private.torrent", ["mktorrent", "-l", "15", "-d", "-p", "-c", "a comment",
                                                 "-a", "http://a.example/announce,http://b.example/announce",
                                                 "-a", "udp://c.example:6969", "-w", "http://seed.example/"], multi),
            ("transmission-multi.torrent", ["transmission-create", "-s", "32", "-t", "http://127.0.0.1:6969/announce"],
             multi),
        ]
        for name, command, source in jobs:
            target = os.path.join(work, name)
            if not shutil.which(command[0]):
                print("skipped", name, "(no", command[0] + ")")
                continue
            subprocess.run(command + ["-o", target, source], check=True, capture_output=True)
            with open(target, "rb") as f:
                out.append((name, f.read()))
    finally:
        shutil.rmtree(work)
    return out


def utp_connection_seeds():
    """Scripts for the uTP state machine: packet size, ceiling, window, reorder limit, side, then steps."""
    limits = u16(1300) + u16(7000) + bytes([10]) + u16(1000)
    def data(delta, sack=False):   # a data packet `delta` after the next one expected, acking our latest
        return bytes([0, 0, 4 + delta, 0]) + u32(1000) + (bytes([1, 4, 0x0F, 0, 0, 0]) if sack else bytes([0]))
    def state(ack_back=0):         # a bare ack of our latest packet (or `ack_back` before it)
        return bytes([0, 2, 4, 1 if ack_back else 0]) + (bytes([ack_back]) if ack_back else b"") + u32(2000) + bytes([0])
    write = bytes([2, 200]) + bytes(range(200)) + bytes([63])
    flush, close = bytes([3]), bytes([6])
    def tick(ms):
        return bytes([5]) + u16(ms)
    accept = bytes([0]) + u16(77) + u32(5) + u16(4096) + u16(900) + u16(3)
    connect = bytes([1]) + u16(40) + u16(65530)
    yield "accept-reordered", limits + accept + data(0) + data(1) + data(3) + data(2) + flush + write + flush + tick(300) + flush
    yield "connect-and-send", (limits + connect + flush + state() + write + flush + state() + write + flush
                               + state(2) + state(2) + state(2) + state(2) + flush + tick(2000) + flush + state() + close
                               + flush + state())
    yield "probe-too-big", limits + connect + flush + state() + write + write + flush + bytes([7, 1]) + flush + state()
    yield "selective-acks", limits + accept + write + flush + data(2, sack=True) + data(5, sack=True) + flush + tick(1500) + flush


def main():
    clear()
    made = torrents(CORPUS)

    # MARK: bencode
    for i, data in enumerate([b"i42e", b"i-7e", b"0:", b"4:spam", b"le", b"de", b"l4:spami42ee",
                              b"d3:bar4:spam3:fooi42ee", b"d4:infod6:lengthi1eee", b"lld1:ai1eeee",
                              b"d1:bd1:cl1:deee1:ai9223372036854775807ee"]):
        seed("bencode", "hand-%02d" % i, data)
    for name in ["lt_response_get_peers_values.bin", "lt_query_announce_peer.bin"]:
        copy("bencode", os.path.join(KRPC, name))
    if made:
        seed("bencode", made[0][0], made[0][1])

    # MARK: metainfo
    for name, data in made:
        seed("metainfo", name, data)
    pieces = hashlib.sha1(b"x").digest()
    seed("metainfo", "hand-utf8-names", bencode({
        "announce-list": [["http://t.example/a"], []], "comment.utf-8": "ünïcode", "creation date": 1700000000,
        "info": {"name": "n", "name.utf-8": "ñame", "piece length": 16384, "pieces": pieces * 2,
                 "files": [{"path": ["a"], "length": 20000}, {"path": [".pad", "1"], "length": 100, "attr": "p"},
                           {"path.utf-8": ["dïr", "b"], "path": ["dir", "b"], "length": 1, "attr": "xh"}]},
        "url-list": "http://ws.example/"}))
    seed("metainfo", "hand-hybrid", bencode({"info": {"name": "h", "piece length": 16384, "pieces": pieces,
                                                      "length": 5, "meta version": 2, "file tree": {}}}))

    # MARK: magnet
    for i, link in enumerate([
        "magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567",
        "magnet:?xt=urn:btih:AERUKZ4JVPG66AJDIVTYTK6N54ASGRLH&dn=a+name%20here&tr=udp%3A%2F%2Ft.example%3A6969",
        "magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567&x.pe=127.0.0.2:6881&x.pe=[::1]:6882"
        "&ws=http%3A%2F%2Fseed.example%2F&so=0,2,4-6",
        "magnet:?xt=urn:btmh:1220abcdef&dn=v2",
        "  MAGNET:?dn=x&xt=urn:btih:0123456789abcdef0123456789abcdef01234567&xt=urn:btih:"
        "0123456789ABCDEF0123456789ABCDEF01234567&kt=a+b  ",
    ]):
        seed("magnet", "hand-%02d" % i, link.encode())

    # MARK: peer-frames: flags, piece count, chunk sizes, then the stream
    everything = (frame(20, b"\x00" + EXT_HANDSHAKE) + frame(5, b"\xf8") + frame(4, u32(3)) + frame(2) + frame(1)
                  + frame(6, u32(1) + u32(0) + u32(16384)) + frame(7, u32(1) + u32(0) + b"block data") + u32(0)
                  + frame(8, u32(1) + u32(0) + u32(16384)) + frame(9, u16(6881)) + frame(0) + frame(3))
    fast = frame(14) + frame(15) + frame(13, u32(2)) + frame(16, u32(1) + u32(16384) + u32(16384)) + frame(17, u32(4))
    seed("peer-frames", "handshake-then-messages", bytes([1]) + u16(5) + bytes([0]) + handshake() + everything)
    seed("peer-frames", "fast-dripped", bytes([0]) + u16(5) + bytes([3, 1, 7, 64]) + fast + frame(20, b"\x02" + bencode(
        {"msg_type": 1, "piece": 0, "total_size": 3}) + b"abc"))
    seed("peer-frames", "magnet-no-piece-count", bytes([1]) + u16(0) + bytes([0]) + handshake() + frame(5, b"\xff" * 9))
    seed("peer-frames", "small-limits", bytes([2]) + u16(5) + u16(16) + u16(32) + u16(1) + bytes([0]) + everything)
    seed("peer-frames", "encrypted-opening", bytes([1]) + u16(5) + bytes([0]) + bytes(range(96)))

    # MARK: peer-session: piece length, total length, flags [limits], then a script
    def message(*parts):
        return bytes([0]) + b"".join(parts)

    script = (message(bytes([16, 0]), chunk(EXT_HANDSHAKE)) + message(bytes([6, 1, 0xF8, 0])) + message(bytes([2]))
              + message(bytes([3])) + bytes([5, 0, 0]) + message(bytes([7, 0, 0])) + message(bytes([7, 1, 0]))
              + bytes([7, 1]) + message(bytes([9, 1, 0])) + bytes([10]) + u16(500) + message(bytes([8, 1, 0]))
              + message(bytes([15, 2])) + message(bytes([12])) + message(bytes([17]), chunk(frame(4, u32(2))))
              + bytes([8, 2, 0, 0, 1, 0]) + bytes([9, 0, 3]) + message(bytes([4])) + bytes([5, 1, 0])
              + message(bytes([14, 0, 0])) + message(bytes([10]) + u16(6881)) + bytes([10]) + u16(20000)
              + bytes([6, 1, 11]))
    header = u16(0x7FFF) + bytes([1]) + u32(32768 * 4 + 1000)
    seed("peer-session", "typical-exchange", header + bytes([0x0B]) + script)
    seed("peer-session", "small-limits", header + bytes([0x1F, 2, 1, 2]) + u16(16383) + script
         + message(bytes([7, 2, 0])) * 6)
    seed("peer-session", "no-fast-extension", header + bytes([0x08]) + script)
    seed("peer-session", "empty-torrent", u16(0) + bytes([0]) + u32(0) + bytes([0x03]) + script)

    # MARK: mse: mode, chunk sizes, then the side's fields (see Sources/mse/main.swift)
    prime = int("FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404"
                "DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A63A36210000000000090563",
                16)
    peer_key = pow(2, int.from_bytes(bytes(range(100, 120)), "big"), prime).to_bytes(96, "big")
    plain_handshake = handshake()
    responder = bytes([0, 2]) + u16(3) + b"pad" + bytes([1]) + u16(0) + u16(68) + plain_handshake + b"\0\0\0\1\2"
    seed("mse", "responder-rc4", bytes([0x02, 0]) + responder)
    seed("mse", "responder-both-dripped", bytes([0x2A, 3, 1, 50, 7]) + responder)
    seed("mse", "responder-plaintext", bytes([0x16, 0]) + responder)
    seed("mse", "responder-other-torrent", bytes([0x02, 0]) + bytes([0, 1]) + responder[2:])
    initiator = bytes([0]) + u16(5) + b"abcde" + bytes([1]) + u16(2) + b"pd" + b"\0\0\0\1\2"
    seed("mse", "initiator-rc4", bytes([0x03, 0]) + initiator)
    seed("mse", "initiator-plaintext-dripped", bytes([0x17, 2, 5, 90]) + initiator)
    seed("mse", "initiator-selects-any", bytes([0x3B, 0]) + bytes([0]) + u16(0) + bytes([1]) + u32(2) + u16(0) + b"tail")
    seed("mse", "raw-key-and-padding", bytes([0x00, 0]) + bytes([0]) + peer_key + b"padding" * 10)
    seed("mse", "raw-initiator", bytes([0x01, 0]) + bytes([0]) + peer_key + b"padding")

    # MARK: extensions: 0 handshake, 1 ut_metadata, 2 ut_pex, 3 metadata assembly
    seed("extensions", "handshake-libtorrent", bytes([0]) + EXT_HANDSHAKE)
    seed("extensions", "handshake-odd", bytes([0]) + bencode({"m": {"ut_metadata": 300, "x": -1, b"\xff": 1},
                                                              "reqq": 99999, "p": 0, "yourip": b"\0" * 16,
                                                              "metadata_size": -1, "v": b"\xc3"}))
    seed("extensions", "metadata-request", bytes([1]) + bencode({"msg_type": 0, "piece": 0}))
    seed("extensions", "metadata-data", bytes([1]) + bencode({"msg_type": 1, "piece": 1, "total_size": 16389}) + b"12345")
    seed("extensions", "metadata-reject", bytes([1]) + bencode({"msg_type": 2, "piece": 3}))
    pex = {"added": bytes([127, 0, 0, 2, 0x1A, 0xE1, 10, 0, 0, 1, 0, 0]), "added.f": bytes([0x12]),
           "added6": bytes(15) + bytes([1, 0x1A, 0xE1]) + bytes(10) + bytes([0xFF, 0xFF, 1, 2, 3, 4, 0, 80]),
           "dropped": bytes([192, 168, 1, 1, 0, 80]), "dropped6": b""}
    seed("extensions", "pex", bytes([2]) + bencode(pex))
    data_message = bencode({"msg_type": 1, "piece": 1, "total_size": 20001}) + b"z" * (20001 - 16384)
    assembly = (bytes([3]) + u16(20000) + bytes([1])
                + bytes([0, 0, 0]) + bytes([1, 0, 1]) + bytes([0, 2]) + bytes([1, 2]) + bytes([0, 4, 0, 1])
                + bytes([1, 4, 1, 0]) + bytes([1, 5, 1, 1]) + bytes([0, 3, 11]) + bytes([0, 2]) + bytes([0, 4, 1, 1])
                + bytes([2, 0, 3]) + bytes([2, 6]) + chunk(bencode({"msg_type": 2, "piece": 0})))
    seed("extensions", "assembly", assembly)
    seed("extensions", "assembly-fuzzed-data", bytes([3]) + u16(99) + bytes([3]) + bytes([0, 0, 0, 0, 2])
         + bytes([0, 6]) + chunk(bencode({"msg_type": 1, "piece": 0, "total_size": 100}) + b"d" * 100))

    # MARK: krpc
    for name in sorted(os.listdir(KRPC)):
        if name.endswith(".bin"):
            copy("krpc", os.path.join(KRPC, name))
    node_id = hashlib.sha1(b"node").digest()
    seed("krpc", "hand-find-node-want", bencode({"t": "aa", "y": "q", "q": "find_node",
                                                 "a": {"id": node_id, "target": node_id, "want": ["n4", "n6"]}}))
    seed("krpc", "hand-nodes6", bencode({"t": "bb", "y": "r", "r": {"id": node_id, "nodes6": node_id + bytes(15) + b"\1\0\1"},
                                         "ip": bytes(16) + b"\0\1"}))
    seed("krpc", "hand-announce-implied", bencode({"t": "cc", "y": "q", "q": "announce_peer", "a": {
        "id": node_id, "info_hash": INFO_HASH, "implied_port": 1, "token": "tok"}}))

    # MARK: udp-tracker: flags (action, family, limits, mismatch), scrape count, then the reply
    seed("udp-tracker", "opentracker-udp-connect.bin", bytes([0, 0]) + open(os.path.join(TRACKER, "opentracker-udp-connect.bin"), "rb").read())
    seed("udp-tracker", "opentracker-udp-announce.bin", bytes([1, 0]) + open(os.path.join(TRACKER, "opentracker-udp-announce.bin"), "rb").read())
    seed("udp-tracker", "opentracker-udp-scrape.bin", bytes([2, 1]) + open(os.path.join(TRACKER, "opentracker-udp-scrape.bin"), "rb").read())
    seed("udp-tracker", "opentracker-udp-announce-unlisted.bin",
         bytes([1, 0]) + open(os.path.join(TRACKER, "opentracker-udp-announce-unlisted.bin"), "rb").read())
    seed("udp-tracker", "hand-error", bytes([1, 0]) + u32(3) + u32(0xBADF00D) + b"torrent not registered")
    seed("udp-tracker", "hand-announce6-limited", bytes([1 | 4 | 8, 0, 1]) + u32(1) + u32(7) + u32(1800) + u32(0) + u32(2)
         + bytes(15) + b"\1\x1a\xe1" + bytes(15) + b"\2\x1a\xe1")

    # MARK: utp: datagrams libtorrent sent over uTP on loopback
    utp = os.path.join(ROOT, "Tests/WireProtocolTests/Fixtures/UTP")
    for name in sorted(os.listdir(utp)):
        if name.endswith(".bin"):
            copy("utp", os.path.join(utp, name))

    # MARK: utp-connection: limits, side, then a script of steps (see Sources/utp-connection/main.swift)
    for name, data in utp_connection_seeds():
        seed("utp-connection", name, data)

    # MARK: http-announce: flags (limit, scrape, address text), [limit], then the body
    for name in ["opentracker-http-announce.bin", "opentracker-http-failure.bin"]:
        seed("http-announce", name, bytes([0]) + open(os.path.join(TRACKER, name), "rb").read())
    seed("http-announce", "opentracker-http-scrape.bin", bytes([2]) + open(os.path.join(TRACKER, "opentracker-http-scrape.bin"), "rb").read())
    seed("http-announce", "hand-dictionary-peers", bytes([1, 3]) + bencode({
        "interval": 1800, "tracker id": "xyz", "warning message": "be nice",
        "peers": [{"ip": "127.0.0.2", "port": 6881, "peer id": PEER_ID}, {"ip": "[::1]", "port": 6882},
                  {"ip": "Tracker.Example", "port": 1}, {"ip": "127.0.0.2", "port": 6881}],
        "peers6": bytes(15) + b"\1\x1a\xe1"}))
    for i, text in enumerate(["127.0.0.1", "::ffff:1.2.3.4", "2001:db8::1:0:0:1", "[fe80::1]", "Host-Name.example"]):
        seed("http-announce", "hand-address-%d" % i, bytes([4]) + text.encode())

    # MARK: lsd
    seed("lsd", "bt-search", b"BT-SEARCH * HTTP/1.1\r\nHost: 239.192.152.143:6771\r\nPort: 6881\r\nInfohash: "
         + INFO_HASH.hex().encode() + b"\r\ncookie: rill-1\r\n\r\n\r\n")
    seed("lsd", "bt-search-two-hashes", b"BT-SEARCH * HTTP/1.1\nHost: [ff15::efc0:988f]:6771\nPort:  51413 \n"
         b"Infohash: " + INFO_HASH.hex().upper().encode() + b"\nInfohash: " + hashlib.sha1(b"2").hexdigest().encode()
         + b"\n\n")

    # MARK: resume-data
    seed("resume-data", "two-files", bencode({"version": 1, "info-hash": INFO_HASH, "piece count": 10,
                                              "verified": bytes([0xFF, 0xC0]),
                                              "files": [{"index": 0, "size": 20000, "mtime": 1700000000,
                                                         "mtime ns": 5}, {"index": 2}]}))
    seed("resume-data", "empty", bencode({"version": 1, "info-hash": INFO_HASH, "piece count": 0, "verified": b"",
                                          "files": []}))

    for target in sorted(written):
        print("%-14s %d seeds" % (target, len(written[target])))


if __name__ == "__main__":
    main()
