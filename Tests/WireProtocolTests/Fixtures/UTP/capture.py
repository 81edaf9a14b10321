#!/usr/bin/python3
"""Captures uTP datagrams between two libtorrent sessions on loopback (TCP off), through a relay
on 127.0.0.4 that logs them. Writes the first datagrams of each kind as fixture files.
Run: /usr/bin/python3 capture.py  (loopback only; about 10 seconds)."""
import os, socket, tempfile, threading, time
import libtorrent as lt

HERE = os.path.dirname(os.path.abspath(__file__))
TYPES = {0: "data", 1: "fin", 2: "state", 3: "reset", 4: "syn"}

def session(ip, port):
    return lt.session({
        "listen_interfaces": f"{ip}:{port}", "enable_incoming_tcp": False, "enable_outgoing_tcp": False,
        "enable_dht": False, "enable_lsd": False, "enable_upnp": False, "enable_natpmp": False,
        "allow_multiple_connections_per_ip": True, "dht_bootstrap_nodes": "",
        "alert_mask": 0})

work = tempfile.mkdtemp()
os.makedirs(f"{work}/seed")
with open(f"{work}/seed/f.bin", "wb") as f:
    f.write(os.urandom(256 << 10))
fs = lt.file_storage()
lt.add_files(fs, f"{work}/seed/f.bin")
ct = lt.create_torrent(fs, 16384, flags=lt.create_torrent.v1_only)
lt.set_piece_hashes(ct, f"{work}/seed")
info = lt.torrent_info(ct.generate())

seeder, leecher = session("127.0.0.2", 46881), session("127.0.0.3", 46882)
relay = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
relay.bind(("127.0.0.4", 46883))
relay.settimeout(0.5)
saved, counts = {}, {}

def run():
    client = None
    end = time.time() + 15
    while time.time() < end:
        try:
            data, addr = relay.recvfrom(65536)
        except socket.timeout:
            continue
        if addr[0] == "127.0.0.3":
            client, target, way = addr, ("127.0.0.2", 46881), "leecher"
        else:
            target, way = client, "seeder"
        kind = TYPES.get(data[0] >> 4, "other")
        has_sack = data[1] == 1
        key = f"{way}-{kind}" + ("-sack" if has_sack else "")
        counts[key] = counts.get(key, 0) + 1
        if key not in saved:
            saved[key] = data
        if key == "seeder-data" and counts[key] == 20:
            continue  # drop one, so that the leecher answers with selective acks
        if target:
            relay.sendto(data, target)

thread = threading.Thread(target=run)
thread.start()
seeder.add_torrent({"ti": info, "save_path": f"{work}/seed"})
handle = leecher.add_torrent({"ti": info, "save_path": f"{work}/leech"})
time.sleep(0.5)
handle.connect_peer(("127.0.0.4", 46883))
for _ in range(100):
    if handle.status().is_seeding:
        break
    time.sleep(0.1)
print("leecher done:", handle.status().is_seeding)
leecher.remove_torrent(handle)
thread.join()
for key, data in sorted(saved.items()):
    with open(f"{HERE}/libtorrent-{key}.bin", "wb") as f:
        f.write(data)
print(counts)
