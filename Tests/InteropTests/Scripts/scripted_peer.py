#!/usr/bin/env python3
"""A seeding BitTorrent peer for tests, with the limits a test needs to build a slow swarm: it
advertises a small request queue (`reqq`, BEP 10) and can wait before each block it sends.

It serves the concatenated --data files as the torrent's payload (v1, plaintext), has every
piece (or only the --only ones), unchokes at once and answers requests in order, skipping
cancelled ones. With --first-only, the first connection is offered only those pieces and never
hears of the others (as Transmission 3.00 treats a peer that connects while it verifies); later
connections get the whole bitfield. Prints `listening on PORT`, then one line
per peer that connects, per block sent (`block INDEX BEGIN`) and per change of the peer's
interest (`interested`, `not interested`).
"""
import argparse
import socket
import struct
import sys
import threading
import time


_log_lock = threading.Lock()


def log(line):
    # One write per line under a lock: print() writes the text and the newline separately,
    # so two threads logging at once could run their lines together.
    with _log_lock:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def read_exactly(sock, count):
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return data


def message(kind, payload=b""):
    return struct.pack("!IB", len(payload) + 1, kind) + payload


def send_blocks(sock, options, payload, queue, wakeup):
    """Sends the queued blocks in order, waiting --delay before each; cancelled ones are skipped."""
    try:
        while True:
            with wakeup:
                while not queue:
                    wakeup.wait()
                index, begin, size = queue[0]
            if options.delay > 0:
                time.sleep(options.delay)
            with wakeup:
                if not queue or queue[0] != (index, begin, size):
                    continue  # cancelled while we waited
                queue.pop(0)
            start = index * options.piece_length + begin
            sock.sendall(message(7, struct.pack("!II", index, begin) + payload[start:start + size]))
            log(f"block {index} {begin}")
    except (ConnectionError, OSError):
        pass


def serve(sock, options, payload, first):
    try:
        handshake = read_exactly(sock, 68)
        if handshake[:20] != b"\x13BitTorrent protocol" or handshake[28:48] != options.info_hash:
            return
        reserved = bytearray(8)
        reserved[5] |= 0x10  # extension protocol
        sock.sendall(b"\x13BitTorrent protocol" + bytes(reserved) + options.info_hash + b"-SP0001-scriptedpeer")
        log(f"peer {sock.getpeername()[0]}")
        if handshake[25] & 0x10:
            extended = f"d1:mde4:reqqi{options.reqq}e1:v13:scripted peere".encode()
            sock.sendall(message(20, b"\x00" + extended))
        pieces = (len(payload) + options.piece_length - 1) // options.piece_length
        has = set(options.only) if options.only else set(range(pieces))
        if first and options.first_only:
            has &= set(options.first_only)
        bitfield = bytearray((pieces + 7) // 8)
        for index in has:
            bitfield[index // 8] |= 0x80 >> (index % 8)
        sock.sendall(message(5, bytes(bitfield)) + message(1))
        queue = []
        wakeup = threading.Condition()
        threading.Thread(target=send_blocks, args=(sock, options, payload, queue, wakeup), daemon=True).start()
        while True:
            length = struct.unpack("!I", read_exactly(sock, 4))[0]
            if length == 0:
                continue
            if length > 1 << 20:
                return
            body = read_exactly(sock, length)
            if body[0] in (2, 3) and length == 1:
                log("interested" if body[0] == 2 else "not interested")
            if body[0] not in (6, 8) or length != 13:
                continue
            block = struct.unpack("!III", body[1:13])
            index, begin, size = block
            with wakeup:
                if body[0] == 8:
                    if block in queue:
                        queue.remove(block)
                    continue
                if index not in has or size > 128 * 1024 or index * options.piece_length + begin + size > len(payload):
                    return
                queue.append(block)
                wakeup.notify()
    except (ConnectionError, OSError):
        pass
    finally:
        sock.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--info-hash", required=True, help="40 hex digits")
    parser.add_argument("--piece-length", type=int, required=True)
    parser.add_argument("--data", action="append", required=True, help="a file of the payload, in order")
    parser.add_argument("--reqq", type=int, default=250)
    parser.add_argument("--delay", type=float, default=0, help="seconds to wait before each block")
    parser.add_argument("--only", type=int, action="append", help="have only these pieces (repeatable)")
    parser.add_argument("--first-only", type=int, action="append",
                        help="offer the first connection only these pieces (repeatable)")
    options = parser.parse_args()
    options.info_hash = bytes.fromhex(options.info_hash)
    payload = b""
    for path in options.data:
        with open(path, "rb") as file:
            payload += file.read()
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind((options.host, 0))
    server.listen(8)
    log(f"listening on {server.getsockname()[1]}")
    first = True
    while True:
        connection, _ = server.accept()
        threading.Thread(target=serve, args=(connection, options, payload, first), daemon=True).start()
        first = False


if __name__ == "__main__":
    main()
