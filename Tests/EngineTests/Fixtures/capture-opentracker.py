#!/usr/bin/env python3
"""Captures real opentracker replies as fixtures for rill's tracker tests.

Starts /usr/bin/opentracker on 127.0.0.1 with a whitelist, announces two fake peers
(127.0.0.2:6881 and 127.0.0.3:6882) over HTTP and UDP, and saves the raw reply bytes
(HTTP bodies, whole UDP datagrams) next to this script. Run as: python3 capture-opentracker.py
"""
import os, socket, struct, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
INFO_HASH = bytes(range(1, 21))             # whitelisted
OTHER_HASH = bytes([0xEE]) * 20             # not whitelisted
PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 36970
TXID = 0x0BADF00D


def save(name, data):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)
    print(f"{name}: {len(data)} bytes")


def pct(raw):
    return "".join("%%%02X" % b for b in raw)


def http_get(source_ip, path):
    s = socket.create_connection(("127.0.0.1", PORT), timeout=5, source_address=(source_ip, 0))
    s.sendall(f"GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".encode())
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.") and b" 200 " in head.split(b"\r\n")[0], head
    return body


def announce_path(info_hash, peer_id, port, left, event):
    return (f"/announce?info_hash={pct(info_hash)}&peer_id={pct(peer_id)}&port={port}"
            f"&uploaded=0&downloaded=0&left={left}&compact=1&event={event}&numwant=50")


def udp_exchange(source_ip, packet):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((source_ip, 0))
    s.settimeout(5)
    s.sendto(packet, ("127.0.0.1", PORT))
    data, _ = s.recvfrom(65536)
    s.close()
    return data


def udp_connect(source_ip):
    reply = udp_exchange(source_ip, struct.pack(">QII", 0x41727101980, 0, TXID))
    return reply, struct.unpack(">IIQ", reply)[2]


def udp_announce(source_ip, conn, info_hash, peer_id, port, left, event):
    packet = struct.pack(">QII20s20sQQQIIIiH", conn, 1, TXID, info_hash, peer_id, 0, left, 0,
                         event, 0, 0x1234, -1, port)
    return udp_exchange(source_ip, packet)


def main():
    with tempfile.TemporaryDirectory() as root:
        os.chmod(root, 0o755)
        with open(os.path.join(root, "whitelist"), "w") as f:
            f.write(INFO_HASH.hex() + "\n")
        os.chmod(os.path.join(root, "whitelist"), 0o644)
        tracker = subprocess.Popen(["opentracker", "-i", "127.0.0.1", "-p", str(PORT), "-P", str(PORT),
                                    "-d", root, "-w", "whitelist"])
        try:
            time.sleep(0.5)
            # HTTP: peer A then peer B; B's reply lists both.
            http_get("127.0.0.2", announce_path(INFO_HASH, b"-XX0001-aaaaaaaaaaaa", 6881, 1000, "started"))
            save("opentracker-http-announce.bin",
                 http_get("127.0.0.3", announce_path(INFO_HASH, b"-XX0001-bbbbbbbbbbbb", 6882, 0, "started")))
            save("opentracker-http-scrape.bin", http_get("127.0.0.2", f"/scrape?info_hash={pct(INFO_HASH)}"))
            save("opentracker-http-failure.bin",
                 http_get("127.0.0.2", announce_path(OTHER_HASH, b"-XX0001-aaaaaaaaaaaa", 6881, 1000, "started")))

            # UDP: the same two peers on a fresh tracker state would be simpler, but reusing is fine:
            # peers C (127.0.0.4:6883) and D (127.0.0.5:6884) join; D's reply lists A, B and C.
            reply, conn_c = udp_connect("127.0.0.4")
            save("opentracker-udp-connect.bin", reply)
            udp_announce("127.0.0.4", conn_c, INFO_HASH, b"-XX0001-cccccccccccc", 6883, 1000, 2)
            _, conn_d = udp_connect("127.0.0.5")
            save("opentracker-udp-announce.bin",
                 udp_announce("127.0.0.5", conn_d, INFO_HASH, b"-XX0001-dddddddddddd", 6884, 0, 2))
            scrape = struct.pack(">QII20s20s", conn_d, 2, TXID, INFO_HASH, OTHER_HASH)
            save("opentracker-udp-scrape.bin", udp_exchange("127.0.0.5", scrape))
            save("opentracker-udp-announce-unlisted.bin",  # opentracker answers with an 8-byte stub
                 udp_announce("127.0.0.5", conn_d, OTHER_HASH, b"-XX0001-dddddddddddd", 6884, 0, 2))
        finally:
            tracker.terminate()
            tracker.wait(timeout=5)


if __name__ == "__main__":
    main()
