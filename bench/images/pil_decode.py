"""The peer of bench/images/ImageTiming: PIL decodes every file of a Caffe image list in colour, resizes it
bilinearly to H x W and lays it out as a datum holds it (C x H x W, B G R), ROUNDS times; prints the best round.
Usage: /usr/bin/python3 pil_decode.py ROOT LIST H W [ROUNDS]   (Debian's python3-pil, python3-numpy)"""
import sys
import time

import numpy as np
from PIL import Image


def main(root, list_file, height, width, rounds):
    paths = [root + line.rsplit(" ", 1)[0] for line in open(list_file) if line.strip()]
    best = float("inf")
    checksum = 0
    for _ in range(rounds):
        start = time.perf_counter()
        for path in paths:
            image = Image.open(path).convert("RGB").resize((width, height), Image.BILINEAR)
            chw = np.ascontiguousarray(np.asarray(image)[:, :, ::-1].transpose(2, 0, 1))
            checksum += int(chw.reshape(-1)[chw.size // 2])
        best = min(best, time.perf_counter() - start)
    print(f"{best:.3f} s, {len(paths) / best:.0f} images/s ({len(paths)} images, best of {rounds}, checksum {checksum})")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]) if len(sys.argv) > 5 else 1)
