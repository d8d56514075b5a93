#!/usr/bin/env python3
"""Writes the malformed files of the CLI bad-input table (tests/cli/bad_inputs.cmake) into
tests/cli/fixtures/bad/. Standard library only; the files are committed, so this runs only when
they need to change:
    python3 tests/cli/gen_bad_fixtures.py
"""
import gzip
import os
import struct
import zlib

here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "bad")
os.makedirs(here, exist_ok=True)


def write(name, data):
    with open(os.path.join(here, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def gz(b):
    return gzip.compress(b, mtime=0)


def idx(type_code, dims, payload):
    return bytes([0, 0, type_code, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims) + payload


def npy(dict_text, payload):
    header = dict_text
    while (10 + len(header) + 1) % 64:
        header += " "
    header += "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + payload


def model(version=1, first_weight=0.5, flip_crc=False):
    """A 2 -> 3 float model (the blobs' shape) in the model-file layout of docs/file-formats.md."""
    def s(t):
        return struct.pack("<I", len(t)) + t.encode()
    body = s("cross-entropy") + struct.pack("<I", 1)
    body += struct.pack("<QQ", 2, 3) + s("identity") + struct.pack("<dd", 0.0, 0.0) + bytes([1, 1])
    body += s("none") + struct.pack("<Q", 0) + struct.pack("<I", 3) + s("east") + s("north") + s("west")
    body += struct.pack("<Q", 1) + s("{}")
    body += struct.pack("<9f", first_weight, *[0.25] * 8)
    head = b"BPMODEL\0" + struct.pack("<IIQ", version, 4, len(body))
    crc = zlib.crc32(head + body) ^ (1 if flip_crc else 0)
    return head + body + struct.pack("<I", crc)


# CSV: empty; a NUL at line 2 character 2 (byte 11); 0xE9 (Latin-1 'é') at line 2 character 8
# (byte 17); a gzip stream whose trailer is cut (all 22 bytes inflate first); ragged input rows.
write("empty.csv", b"")
write("nul.csv", b"x,y,label\n1\x00,2,a\n")
write("latin1.csv", b"x,y,label\n1,2,caf\xe9\n")
write("cut.csv.gz", gz(b"x,y,label\n1,2,a\n3,4,b\n")[:-6])
write("ragged-input.csv", b"1,2\n3\n")

# IDX
write("labels-idx1-ubyte", idx(0x08, [3], bytes([0, 1, 2])))
write("wrong-magic-idx3-ubyte", bytes([0, 1, 8, 3]) + struct.pack(">III", 3, 2, 2) + bytes(12))
write("truncated-idx3-ubyte", idx(0x08, [3, 2, 2], bytes(10)))
write("overflow-idx3-ubyte", idx(0x08, [0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF], b""))
write("corrupt-idx3-ubyte.gz", b"\x1f\x8b\x09\x00\x00\x00\x00\x00\x00\x03xxxx")

# NPY: every dict below pads to a 128-byte header, so data starts at byte 128.
f4 = struct.pack("<6f", 1, 2, 3, 4, 5, 6)
write("gzipped.npy", gz(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }", f4)))
write("big-endian.npy", npy("{'descr': '>f4', 'fortran_order': False, 'shape': (3, 2), }", f4))
write("fortran.npy", npy("{'descr': '<f4', 'fortran_order': True, 'shape': (3, 2), }", f4))
write("truncated.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }", f4[:-4]))
write("y.npy", npy("{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }", struct.pack("<3q", 0, 1, 2)))

# FANN
write("short.data", b"2 2 1\n0 0\n0\n1 1\n")
write("huge.data", b"1000000000 1000000 1\n1 2\n")

# Training configs: a syntax error at byte 14 (the second ','), a wrong type, a number beyond
# double, a gzip-compressed config, a JSON array.
write("malformed.json", b'{"epochs": 3,,}')
write("wrong-type.json", b'{"epochs": "ten"}')
write("bignum.json", b'{"lr": 1e400}')
write("gzipped-config.json", gz(b'{"epochs": 3}'))
write("array.json", b"[1, 2]")

# Models
write("truncated.bpm", model()[:-1])
write("newer.bpm", model(version=4))
# A damaged version byte (254) and a damaged scalar-size byte in a checkpoint (the golden
# version-1 checkpoint of tests/golden/ with byte 12 changed from 8 to 4): the CRC-32 no longer
# matches, so both are reported as corrupt, not as "upgrade" or "--precision".
damaged = bytearray(model())
damaged[8] = 254
write("damaged-version.bpm", bytes(damaged))
with open(os.path.join(os.path.dirname(here), "..", "..", "golden", "v1-blobs.bpc"), "rb") as f:
    damaged = bytearray(f.read())
damaged[12] = 4
write("damaged-scalar.bpc", bytes(damaged))
write("bad-crc.bpm", model(flip_crc=True))
write("gzipped.bpm", gz(model()))
write("nan-weight.bpm", model(first_weight=float("nan")))

# Network descriptions for explain
write("net-gzipped.json", gz(b'{"layers": []}'))
write("net-huge.json", b'{"layers": [{"in": 4294967296, "out": 4294967296, "activation": "relu", "weights": []}], '
                      b'"input": [1], "target": [1]}')
write("net-wrong-type.json", b'{"layers": [{"in": 2, "out": 1, "activation": 7, "weights": [[1, 2]]}], '
                             b'"input": [1, 2], "target": [1]}')

write("data.bin", b"1,2\n")

# A CSV with ';' between fields and decimal commas, read with the default ','; a 3-D .npy.
write("decimal-comma.csv", b"a;b;species\n1,5;2,3;setosa\n4,7;3,2;versicolor\n")
write("images-3d.npy", npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2, 2), }",
                           struct.pack("<8f", *range(8))))
