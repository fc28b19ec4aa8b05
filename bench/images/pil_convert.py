"""The peer of `layernet convert-imageset --resize-height H --resize-width W ROOT/ LIST DB`: PIL decodes each
file, resizes it bilinearly, and the bytes go into an LMDB as Caffe Datum records (channels, height, width, data
in C x H x W BGR, label), keys %08d_path, commits every 1,000, as Caffe's convert_imageset writes them.
Usage: /usr/bin/python3 pil_convert.py ROOT LIST DB H W   (needs Debian's python3-pil, python3-numpy, python3-lmdb)"""
import sys

import lmdb
import numpy as np
from PIL import Image


def varint(value):
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def datum(chw, label):
    c, h, w = chw.shape
    data = chw.tobytes()
    return (b"\x08" + varint(c) + b"\x10" + varint(h) + b"\x18" + varint(w)
            + b"\x22" + varint(len(data)) + data + b"\x28" + varint(label))


def main(root, list_file, db, height, width):
    lines = [line.rsplit(" ", 1) for line in open(list_file) if line.strip()]
    env = lmdb.open(db, map_size=1 << 40)
    txn = env.begin(write=True)
    for i, (path, label) in enumerate(lines):
        image = Image.open(root + path).convert("RGB").resize((width, height), Image.BILINEAR)
        chw = np.asarray(image)[:, :, ::-1].transpose(2, 0, 1).copy()
        txn.put(b"%08d_%s" % (i, path.encode()), datum(chw, int(label)))
        if (i + 1) % 1000 == 0:
            txn.commit()
            txn = env.begin(write=True)
    txn.commit()
    env.close()
    print(f"Processed {len(lines)} files.")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
