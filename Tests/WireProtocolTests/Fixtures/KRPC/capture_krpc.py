#!/usr/bin/python3
"""Captures real KRPC datagrams from a libtorrent DHT node on loopback (127.0.0.2) talking to a
raw UDP socket on 127.0.0.3, and writes each as a .bin file next to this script.

  /usr/bin/python3 capture_krpc.py
"""
import hashlib
import os
import socket
import time

import libtorrent as lt

OUT = os.path.dirname(os.path.abspath(__file__))
OUR_ID = hashlib.sha1(b"rill capture node").digest()


def bencode(v):
    if isinstance(v, int):
        return b"i%de" % v
    if isinstance(v, bytes):
        return b"%d:%s" % (len(v), v)
    if isinstance(v, list):
        return b"l" + b"".join(bencode(x) for x in v) + b"e"
    if isinstance(v, dict):
        return b"d" + b"".join(bencode(k) + bencode(v[k]) for k in sorted(v)) + b"e"
    raise TypeError(v)


def save(name, data):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)
    print("saved", name, len(data))


def main():
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.3", 0))
    sock.settimeout(0.5)
    settings = {
        "listen_interfaces": "127.0.0.2:0",
        "enable_dht": True, "enable_lsd": False, "enable_upnp": False, "enable_natpmp": False,
        "enable_ip_notifier": False, "dht_bootstrap_nodes": "",
        "dht_restrict_routing_ips": False, "dht_restrict_search_ips": False,
        "dht_enforce_node_id": False, "dht_prefer_verified_node_ids": False,
        "dht_ignore_dark_internet": False, "allow_multiple_connections_per_ip": True,
    }
    ses = lt.session(settings)
    time.sleep(1)
    port = ses.listen_port()
    lt_addr = ("127.0.0.2", port)
    ses.add_dht_node(("127.0.0.3", sock.getsockname()[1]))
    seen = set()
    token = None
    info_hash = hashlib.sha1(b"rill capture torrent").digest()

    def ask(tid, q, a):
        sock.sendto(bencode({b"t": tid, b"y": b"q", b"q": q, b"a": a}), lt_addr)

    ask(b"pi", b"ping", {b"id": OUR_ID})
    ask(b"fn", b"find_node", {b"id": OUR_ID, b"target": info_hash, b"want": [b"n4", b"n6"]})
    ask(b"gp", b"get_peers", {b"id": OUR_ID, b"info_hash": info_hash})
    ask(b"xx", b"frobnicate", {b"id": OUR_ID})
    deadline = time.time() + 20
    asked_lt = False
    while time.time() < deadline:
        try:
            data, addr = sock.recvfrom(2048)
        except socket.timeout:
            data = None
        if data:
            msg = lt.bdecode(data)
            y = msg.get(b"y")
            if y == b"q":
                q = msg[b"q"].decode()
                name = "lt_query_%s.bin" % q
                if name not in seen:
                    seen.add(name)
                    save(name, data)
                reply = {b"id": OUR_ID}
                if q in ("find_node", "get_peers"):
                    reply[b"nodes"] = b""
                if q == "get_peers":
                    reply[b"token"] = b"tok12345"
                    reply[b"values"] = [socket.inet_aton("127.0.0.9") + (6881).to_bytes(2, "big")]
                sock.sendto(bencode({b"t": msg[b"t"], b"y": b"r", b"r": reply}), addr)
            else:
                tid = msg[b"t"]
                name = {b"pi": "lt_response_ping.bin", b"fn": "lt_response_find_node.bin",
                        b"gp": "lt_response_get_peers.bin", b"xx": "lt_error_unknown_method.bin",
                        b"ap": "lt_response_announce_peer.bin", b"g2": "lt_response_get_peers_values.bin"}.get(tid)
                if name and name not in seen:
                    seen.add(name)
                    save(name, data)
                if tid == b"gp" and y == b"r":
                    token = msg[b"r"][b"token"]
                    ask(b"ap", b"announce_peer", {b"id": OUR_ID, b"info_hash": info_hash, b"port": 6881,
                                                  b"implied_port": 1, b"token": token})
                if tid == b"ap":
                    ask(b"g2", b"get_peers", {b"id": hashlib.sha1(b"other").digest(), b"info_hash": info_hash})
        if not asked_lt and time.time() > deadline - 17:
            asked_lt = True
            # A torrent makes libtorrent look up peers (get_peers) and announce to us (announce_peer).
            params = lt.add_torrent_params()
            params.info_hashes = lt.info_hash_t(lt.sha1_hash(hashlib.sha1(b"rill capture announce").digest()))
            params.save_path = "/tmp"
            ses.add_torrent(params)
        if len(seen) >= 9 and "lt_query_announce_peer.bin" in seen:
            break
    print(sorted(seen))


main()
