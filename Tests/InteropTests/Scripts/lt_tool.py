#!/usr/bin/python3
"""libtorrent's view of torrents, for rill's interop tests.

  lt_tool.py info TORRENT                 JSON: info-hash, pieces, files as libtorrent reads them
  lt_tool.py create PATH OUT [--v1-only | --v2-only] [--tracker URL] [--piece-size N]
  lt_tool.py check TORRENT SAVE_PATH      JSON: which pieces libtorrent finds valid on disk
  lt_tool.py seed TORRENT SAVE_PATH --listen IP:PORT [--seconds N]
      seeds until killed (or N seconds); prints "ready" once listening and checked
  (seed, download, magnet) --utp-only: no TCP either way, uTP only (as a peer behind a NAT that passes only UDP)
  lt_tool.py download TORRENT SAVE_PATH --listen IP:PORT [--peer IP:PORT] [--seconds N] [--max-down BYTES]
      downloads from the given peer (or the torrent's trackers); prints "ready PORT" once listening;
      exits 0 when complete, 1 on timeout; --max-down limits loopback peers too (to stay partial a while)
  lt_tool.py magnet URI SAVE_PATH --listen IP:PORT --peer IP:PORT [--seconds N]
      fetches the metadata (BEP 9) from the given peer only, then downloads; exits 0 when complete

  lt_tool.py dht --listen IP:PORT [--node IP:PORT ...] [--seed TORRENT SAVE_PATH | --download TORRENT SAVE_PATH]
          [--seconds N]
      runs a loopback DHT node (no tracker, no LSD) that knows only the --node addresses; prints
      "ready PORT" once listening. With --seed it seeds and announces the torrent into the DHT;
      with --download it finds peers through the DHT only, prints JSON with the seconds to the
      first payload byte and exits 0 when complete (1 on timeout).

Everything stays on loopback: no LSD, UPnP or NAT-PMP, the DHT only in the `dht` mode and only
with the given loopback nodes, and the check session listens on loopback only.
"""
import json
import os
import sys
import time

import libtorrent as lt


def info(path):
    ti = lt.torrent_info(path)
    files = ti.files()
    out = {
        "info_hash": str(ti.info_hashes().v1),
        "info_hash_v2": str(ti.info_hashes().v2),
        "name": ti.name(),
        "num_pieces": ti.num_pieces(),
        "piece_length": ti.piece_length(),
        "total_size": ti.total_size(),
        "files": [
            {
                "path": files.file_path(i).replace(os.sep, "/"),
                "size": files.file_size(i),
                "pad": bool(files.file_flags(i) & lt.file_storage.flag_pad_file),
            }
            for i in range(files.num_files())
        ],
    }
    print(json.dumps(out))


def create(path, out, v1_only, trackers, piece_size, v2_only=False):
    fs = lt.file_storage()
    lt.add_files(fs, path)
    flags = lt.create_torrent.v1_only if v1_only else (lt.create_torrent.v2_only if v2_only else 0)
    ct = lt.create_torrent(fs, piece_size, flags=flags)
    for tier, url in enumerate(trackers):
        ct.add_tracker(url, tier)
    ct.set_creator("libtorrent " + lt.__version__)
    lt.set_piece_hashes(ct, os.path.dirname(os.path.abspath(path)))
    with open(out, "wb") as f:
        f.write(lt.bencode(ct.generate()))


def check(torrent, save_path):
    settings = {
        "listen_interfaces": "127.0.0.1:0",
        "enable_dht": False,
        "enable_lsd": False,
        "enable_upnp": False,
        "enable_natpmp": False,
        "alert_mask": lt.alert.category_t.status_notification | lt.alert.category_t.error_notification,
    }
    ses = lt.session(settings)
    params = lt.add_torrent_params()
    params.ti = lt.torrent_info(torrent)
    params.save_path = save_path
    handle = ses.add_torrent(params)
    deadline = time.time() + 120
    checked = False
    while not checked and time.time() < deadline:
        ses.wait_for_alert(500)
        for alert in ses.pop_alerts():
            if isinstance(alert, lt.torrent_checked_alert):
                checked = True
    if not checked:
        print(json.dumps({"error": "libtorrent did not finish checking in 120 s"}))
        sys.exit(1)
    pieces = [bool(p) for p in handle.status().pieces]
    print(json.dumps({"pieces": pieces, "num_have": sum(pieces)}))


# libtorrent's MSE/PE policies: 0 forced, 1 enabled (its default), 2 disabled; levels: 1 plaintext, 2 rc4, 3 both.
ENCRYPTION = {
    "default": {"out_enc_policy": 1, "in_enc_policy": 1, "allowed_enc_level": 3},
    "forced": {"out_enc_policy": 0, "in_enc_policy": 0, "allowed_enc_level": 2},
    "plaintext": {"out_enc_policy": 2, "in_enc_policy": 2, "allowed_enc_level": 1},
}


def loopback_session(listen, encryption="default", utp_only=False):
    settings = {
        "listen_interfaces": listen,
        "enable_dht": False,
        "enable_lsd": False,
        "enable_upnp": False,
        "enable_natpmp": False,
        "enable_ip_notifier": False,
        "allow_multiple_connections_per_ip": True,
        "dht_bootstrap_nodes": "",
        # TCP only unless asked (--utp-only): the TCP tests test TCP, and libtorrent would try uTP first.
        "enable_outgoing_utp": False,
        "enable_incoming_utp": False,
        "alert_mask": lt.alert.category_t.status_notification | lt.alert.category_t.error_notification
        | lt.alert.category_t.tracker_notification,
    }
    if utp_only:
        settings.update({"enable_outgoing_utp": True, "enable_incoming_utp": True,
                         "enable_outgoing_tcp": False, "enable_incoming_tcp": False})
    settings.update(ENCRYPTION[encryption])
    return lt.session(settings)


def option(rest, name, default=None):
    for i, a in enumerate(rest):
        if a == name and i + 1 < len(rest):
            return rest[i + 1]
    return default


def seed(torrent, save_path, rest):
    ses = loopback_session(option(rest, "--listen", "127.0.0.1:0"), option(rest, "--encryption", "default"),
                           "--utp-only" in rest)
    params = lt.add_torrent_params()
    params.ti = lt.torrent_info(torrent)
    params.save_path = save_path
    params.flags |= lt.torrent_flags.seed_mode if "--seed-mode" in rest else 0
    handle = ses.add_torrent(params)
    deadline = time.time() + float(option(rest, "--seconds", "600"))
    while time.time() < deadline:
        status = handle.status()
        if status.is_seeding:
            break
        time.sleep(0.05)
    if list(params.ti.trackers()):
        # Make sure the tracker knows us before anyone asks it for peers.
        handle.force_reannounce()
        announced = False
        tracker_deadline = time.time() + 15
        while not announced and time.time() < tracker_deadline:
            ses.wait_for_alert(250)
            for alert in ses.pop_alerts():
                if isinstance(alert, lt.tracker_reply_alert):
                    announced = True
        print("announced" if announced else "tracker did not answer", flush=True)
    print("ready %d" % ses.listen_port(), flush=True)
    while time.time() < deadline:
        time.sleep(0.5)


def limit_local_download(ses, rate):
    # libtorrent exempts loopback peers from rate limits unless set on the local peer class.
    peer_class = ses.get_peer_class(lt.session.local_peer_class_id)
    peer_class["download_limit"] = rate
    ses.set_peer_class(lt.session.local_peer_class_id, peer_class)


def download(torrent, save_path, rest):
    ses = loopback_session(option(rest, "--listen", "127.0.0.1:0"), option(rest, "--encryption", "default"),
                           "--utp-only" in rest)
    if option(rest, "--max-down"):
        limit_local_download(ses, int(option(rest, "--max-down")))
    params = lt.add_torrent_params()
    params.ti = lt.torrent_info(torrent)
    params.save_path = save_path
    handle = ses.add_torrent(params)
    print("ready %d" % ses.listen_port(), flush=True)
    peer = option(rest, "--peer")
    host, port = peer.rsplit(":", 1) if peer else (None, None)
    deadline = time.time() + float(option(rest, "--seconds", "120"))
    if peer:
        handle.connect_peer((host, int(port)))
    last_connect = time.time()
    while time.time() < deadline:
        status = handle.status()
        if status.is_seeding:
            print(json.dumps({"complete": True, "total_download": status.total_payload_download}), flush=True)
            return
        if peer and time.time() - last_connect > 5 and status.num_peers == 0:
            handle.connect_peer((host, int(port)))
            last_connect = time.time()
        time.sleep(0.1)
    print(json.dumps({"complete": False, "progress": handle.status().progress}), flush=True)
    sys.exit(1)


def options(rest, name):
    return [rest[i + 1] for i, a in enumerate(rest) if a == name and i + 1 < len(rest)]


def dht(rest):
    start = time.time()
    listen = option(rest, "--listen", "127.0.0.1:0")
    settings = {
        "listen_interfaces": listen,
        "enable_dht": True,
        "enable_lsd": False,
        "enable_upnp": False,
        "enable_natpmp": False,
        "enable_ip_notifier": False,
        "allow_multiple_connections_per_ip": True,
        "dht_bootstrap_nodes": "",
        "dht_restrict_routing_ips": False,
        "dht_restrict_search_ips": False,
        "dht_enforce_node_id": False,
        "dht_prefer_verified_node_ids": False,
        "dht_ignore_dark_internet": False,
        "enable_outgoing_utp": False,
        "enable_incoming_utp": False,
        "out_enc_policy": 2,
        "in_enc_policy": 1,
        "alert_mask": lt.alert.category_t.status_notification | lt.alert.category_t.error_notification,
    }
    ses = lt.session(settings)
    for node in options(rest, "--node"):
        host, port = node.rsplit(":", 1)
        ses.add_dht_node((host, int(port)))
    deadline = start + float(option(rest, "--seconds", "600"))
    handle = None
    seeding = "--seed" in rest
    by_magnet = "--download-magnet" in rest
    downloading = "--download" in rest or by_magnet
    if by_magnet:
        # Only the link: the metadata must come from a peer found through the DHT.
        i = rest.index("--download-magnet")
        params = lt.parse_magnet_uri(rest[i + 1])
        params.save_path = rest[i + 2]
        handle = ses.add_torrent(params)
    elif seeding or downloading:
        flag = "--seed" if seeding else "--download"
        i = rest.index(flag)
        params = lt.add_torrent_params()
        params.ti = lt.torrent_info(rest[i + 1])
        params.save_path = rest[i + 2]
        handle = ses.add_torrent(params)
    print("ready %d" % ses.listen_port(), flush=True)
    last_announce = 0
    first_byte = None
    while time.time() < deadline:
        if handle is not None:
            status = handle.status()
            if first_byte is None and status.total_payload_download > 0:
                first_byte = time.time() - start
            if downloading and status.is_seeding:
                print(json.dumps({"complete": True, "first_byte_seconds": first_byte,
                                  "total_download": status.total_payload_download}), flush=True)
                return
            # Announce (and look up peers) every few seconds: the loopback DHT is tiny and new.
            if time.time() - last_announce > 3 and (seeding or status.num_peers == 0):
                handle.force_dht_announce()
                last_announce = time.time()
        time.sleep(0.1)
    if downloading:
        print(json.dumps({"complete": False, "progress": handle.status().progress}), flush=True)
        sys.exit(1)


def magnet(uri, save_path, rest):
    ses = loopback_session(option(rest, "--listen", "127.0.0.1:0"))
    params = lt.parse_magnet_uri(uri)
    params.save_path = save_path
    # Without --peer, peers come from the link's trackers only.
    peer = option(rest, "--peer")
    host, port = peer.rsplit(":", 1) if peer else (None, None)
    if peer:
        params.peers = [(host, int(port))]
    started = time.time()
    handle = ses.add_torrent(params)
    if peer:
        handle.connect_peer((host, int(port)))
    deadline = started + float(option(rest, "--seconds", "120"))
    metadata_seconds = None
    while time.time() < deadline:
        status = handle.status()
        if metadata_seconds is None and status.has_metadata:
            metadata_seconds = time.time() - started
        if status.is_seeding:
            print(json.dumps({"complete": True, "metadata_seconds": metadata_seconds,
                              "total_download": status.total_payload_download}), flush=True)
            return
        if peer and status.num_peers == 0 and int(time.time() - started) % 5 == 4:
            handle.connect_peer((host, int(port)))
        time.sleep(0.1)
    status = handle.status()
    print(json.dumps({"complete": False, "has_metadata": status.has_metadata, "progress": status.progress}),
          flush=True)
    sys.exit(1)


def main(argv):
    if len(argv) >= 2 and argv[0] == "info":
        info(argv[1])
    elif len(argv) >= 3 and argv[0] == "create":
        rest = argv[3:]
        trackers = [rest[i + 1] for i, a in enumerate(rest) if a == "--tracker"]
        sizes = [int(rest[i + 1]) for i, a in enumerate(rest) if a == "--piece-size"]
        create(argv[1], argv[2], "--v1-only" in rest, trackers, sizes[0] if sizes else 0, "--v2-only" in rest)
    elif len(argv) >= 3 and argv[0] == "check":
        check(argv[1], argv[2])
    elif len(argv) >= 3 and argv[0] == "seed":
        seed(argv[1], argv[2], argv[3:])
    elif len(argv) >= 1 and argv[0] == "dht":
        dht(argv[1:])
    elif len(argv) >= 3 and argv[0] == "download":
        download(argv[1], argv[2], argv[3:])
    elif len(argv) >= 3 and argv[0] == "magnet":
        magnet(argv[1], argv[2], argv[3:])
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main(sys.argv[1:])
