#!/usr/bin/python3
"""Makes the v2 and hybrid fixture torrents with libtorrent (python3-libtorrent 2.0.8).

The files' bytes follow a formula that the Swift tests recompute (see V2FixtureTests.swift):
byte j of file number k is (j * 7 + k * 13 + j // 251) % 256. Run from this folder.
"""
import os, shutil, tempfile
import libtorrent as lt

SIZES = [("a/one-byte", 1), ("a/just-under", 16383), ("b/exact-block", 16384), ("b/just-over", 16385),
         ("c/empty", 0), ("c/three-pieces", 100000), ("d/big", 300001)]

def content(k, n):
    return bytes((j * 7 + k * 13 + j // 251) % 256 for j in range(n))

def main():
    work = tempfile.mkdtemp()
    root = os.path.join(work, "oddsizes")
    for k, (path, size) in enumerate(SIZES):
        full = os.path.join(root, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "wb") as f:
            f.write(content(k, size))
    fs = lt.file_storage()
    lt.add_files(fs, root)
    for flags, out in ((lt.create_torrent.v2_only, "oddsizes-v2.torrent"), (0, "oddsizes-hybrid.torrent")):
        ct = lt.create_torrent(fs, 32768, flags=flags)
        ct.set_creator("libtorrent 2.0.8")
        lt.set_piece_hashes(ct, work)
        with open(out, "wb") as f:
            f.write(lt.bencode(ct.generate()))
    shutil.rmtree(work)

if __name__ == "__main__":
    main()
