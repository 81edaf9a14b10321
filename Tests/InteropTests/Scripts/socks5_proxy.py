#!/usr/bin/env python3
"""A SOCKS5 proxy for tests (RFC 1928 with RFC 1929 username/password): CONNECT and UDP ASSOCIATE.

It listens on 127.0.0.1 and makes every outgoing connection and datagram from --outgoing (a
loopback address of its own), so the far end can tell proxied traffic from traffic that went
around the proxy. Each event is one line on stdout:

    listening on PORT
    auth failed USER                 (or: auth missing)
    connect HOST:PORT                (a CONNECT it carried out)
    associate CLIENT-IP              (a UDP association it granted)
    udp HOST:PORT                    (a datagram it relayed from the client to HOST:PORT)
    refused command N                (UDP ASSOCIATE with --no-udp, BIND, unknown commands)
"""
import argparse
import asyncio
import socket
import struct


def log(line):
    print(line, flush=True)


def encode_address(host, port):
    for family, kind in ((socket.AF_INET, 1), (socket.AF_INET6, 4)):
        try:
            return bytes([kind]) + socket.inet_pton(family, host) + struct.pack("!H", port)
        except OSError:
            pass
    name = host.encode()
    return bytes([3, len(name)]) + name + struct.pack("!H", port)


def reply(code, host="0.0.0.0", port=0):
    return bytes([5, code, 0]) + encode_address(host, port)


def parse_udp_header(data):
    """(host, port, payload) of a client datagram, or None for fragments and bad headers."""
    if len(data) < 4 or data[0:3] != b"\x00\x00\x00":
        return None
    kind = data[3]
    if kind == 1 and len(data) >= 10:
        return socket.inet_ntop(socket.AF_INET, data[4:8]), struct.unpack("!H", data[8:10])[0], data[10:]
    if kind == 4 and len(data) >= 22:
        return socket.inet_ntop(socket.AF_INET6, data[4:20]), struct.unpack("!H", data[20:22])[0], data[22:]
    if kind == 3 and len(data) >= 5:
        end = 5 + data[4]
        if len(data) >= end + 2:
            return data[5:end].decode(errors="replace"), struct.unpack("!H", data[end:end + 2])[0], data[end + 2:]
    return None


async def read_address(reader, kind):
    if kind == 1:
        host = socket.inet_ntop(socket.AF_INET, await reader.readexactly(4))
    elif kind == 4:
        host = socket.inet_ntop(socket.AF_INET6, await reader.readexactly(16))
    elif kind == 3:
        length = (await reader.readexactly(1))[0]
        host = (await reader.readexactly(length)).decode(errors="replace")
    else:
        raise ValueError("address type")
    port = struct.unpack("!H", await reader.readexactly(2))[0]
    return host, port


class Relay(asyncio.DatagramProtocol):
    """The client-facing UDP socket of one association."""

    def __init__(self, client_ip, outgoing):
        self.client_ip = client_ip
        self.client = None
        self.outgoing = outgoing
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, address):
        if address[0] != self.client_ip:
            return
        self.client = address
        parsed = parse_udp_header(data)
        if parsed is None:
            return
        host, port, payload = parsed
        try:
            target = socket.getaddrinfo(host, port, socket.AF_INET, socket.SOCK_DGRAM)[0][4]
        except OSError:
            return
        log(f"udp {host}:{port}")
        self.outgoing.transport.sendto(payload, target)

    def back(self, data, address):
        if self.client is not None:
            self.transport.sendto(bytes([0, 0, 0]) + encode_address(address[0], address[1]) + data, self.client)


class Outgoing(asyncio.DatagramProtocol):
    """The far side of one association: datagrams from the world go back to the client."""

    def __init__(self):
        self.relay = None
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, address):
        if self.relay is not None:
            self.relay.back(data, address)


async def associate(reader, writer, options):
    loop = asyncio.get_running_loop()
    client_ip = writer.get_extra_info("peername")[0]
    outgoing = Outgoing()
    await loop.create_datagram_endpoint(lambda: outgoing, local_addr=(options.outgoing, 0))
    relay = Relay(client_ip, outgoing)
    await loop.create_datagram_endpoint(lambda: relay, local_addr=("127.0.0.1", 0))
    outgoing.relay = relay
    log(f"associate {client_ip}")
    writer.write(reply(0, "127.0.0.1", relay.transport.get_extra_info("sockname")[1]))
    await writer.drain()
    try:
        while await reader.read(4096):
            pass
    finally:
        relay.transport.close()
        outgoing.transport.close()


async def pipe(reader, writer):
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass


async def connect(reader, writer, host, port, options):
    try:
        far_reader, far_writer = await asyncio.wait_for(
            asyncio.open_connection(host, port, local_addr=(options.outgoing, 0)), 10)
    except (OSError, asyncio.TimeoutError):
        log(f"connect failed {host}:{port}")
        writer.write(reply(5))
        return
    log(f"connect {host}:{port}")
    bound = far_writer.get_extra_info("sockname")
    writer.write(reply(0, bound[0], bound[1]))
    await writer.drain()
    tasks = [asyncio.ensure_future(pipe(reader, far_writer)), asyncio.ensure_future(pipe(far_reader, writer))]
    await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    for task in tasks:
        task.cancel()
    far_writer.close()


async def authenticate(reader, writer, options):
    version, count = await reader.readexactly(2)
    methods = await reader.readexactly(count)
    if version != 5:
        return False
    if options.user is None:
        writer.write(b"\x05\x00" if 0 in methods else b"\x05\xff")
        return 0 in methods
    if 2 not in methods:
        log("auth missing")
        writer.write(b"\x05\xff")
        return False
    writer.write(b"\x05\x02")
    await writer.drain()
    _, length = await reader.readexactly(2)
    user = (await reader.readexactly(length)).decode(errors="replace")
    length = (await reader.readexactly(1))[0]
    password = (await reader.readexactly(length)).decode(errors="replace")
    if (user, password) != (options.user, options.password):
        log(f"auth failed {user}")
        writer.write(b"\x01\x01")
        return False
    writer.write(b"\x01\x00")
    return True


async def handle(reader, writer, options):
    try:
        if not await authenticate(reader, writer, options):
            return
        _, command, _, kind = await reader.readexactly(4)
        host, port = await read_address(reader, kind)
        if command == 1:
            await connect(reader, writer, host, port, options)
        elif command == 3 and not options.no_udp:
            await associate(reader, writer, options)
        else:
            log(f"refused command {command}")
            writer.write(reply(7))
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError, OSError, ValueError):
        pass
    finally:
        writer.close()


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--outgoing", default="127.0.0.9")
    parser.add_argument("--user")
    parser.add_argument("--password")
    parser.add_argument("--no-udp", action="store_true", help="refuse UDP ASSOCIATE")
    options = parser.parse_args()
    server = await asyncio.start_server(lambda r, w: handle(r, w, options), "127.0.0.1", options.port)
    log(f"listening on {server.sockets[0].getsockname()[1]}")
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
