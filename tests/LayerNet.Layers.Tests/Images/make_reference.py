"""Writes opencv_reference.txt: what OpenCV gives for the cases ImageReferenceTests checks.

Run from this folder with Debian's python3-opencv and python3-pil (apt-get install python3-opencv python3-pil):
    /usr/bin/python3 make_reference.py
Inputs are pseudo-random bytes from a linear congruential generator the test reproduces (seeded per case), so
only checksums are stored. tiny.jpg (a 4:2:0 JPEG) is written once by PIL and kept; its decoded bytes are checked.
"""
import hashlib
import os

import cv2
import numpy as np


def noise(seed, count):
    """x = (1103515245 x + 12345) mod 2^31; each byte is bits 16..23 of the next x."""
    out = np.empty(count, np.uint8)
    x = seed
    for i in range(count):
        x = (1103515245 * x + 12345) % (1 << 31)
        out[i] = (x >> 16) & 0xFF
    return out


def digest(array):
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()


RESIZES = [
    # source width, height, channels -> target width, height
    (13, 9, 3, 29, 20), (29, 20, 3, 13, 9), (40, 30, 3, 20, 15), (40, 30, 1, 20, 15),
    (17, 11, 1, 5, 7), (1, 6, 3, 4, 3), (33, 1, 3, 7, 2), (9, 9, 3, 1, 1), (37, 23, 3, 227, 100),
    (300, 200, 3, 227, 227), (8, 8, 3, 8, 8), (50, 40, 1, 49, 41),
]

lines = []
for (w, h, c, dw, dh) in RESIZES:
    seed = w * 100000 + h * 100 + c
    image = noise(seed, w * h * c).reshape((h, w, c) if c > 1 else (h, w))
    resized = cv2.resize(image, (dw, dh), interpolation=cv2.INTER_LINEAR)
    lines.append(f"resize {w} {h} {c} {dw} {dh} {digest(resized)}")

colour = noise(7, 31 * 17 * 3).reshape(17, 31, 3)
lines.append(f"gray 31 17 {digest(cv2.cvtColor(colour, cv2.COLOR_BGR2GRAY))}")

if not os.path.exists("tiny.jpg"):
    from PIL import Image
    y, x = np.mgrid[0:24, 0:20]
    rgb = np.stack([(x * 12) % 256, (y * 10) % 256, ((x + y) * 7) % 256], axis=2).astype(np.uint8)
    Image.fromarray(rgb).save("tiny.jpg", quality=85)
decoded = cv2.imread("tiny.jpg", cv2.IMREAD_COLOR)
lines.append(f"jpeg tiny.jpg {decoded.shape[1]} {decoded.shape[0]} {digest(decoded)}")

with open("opencv_reference.txt", "w") as out:
    out.write(f"# OpenCV {cv2.__version__}; written by make_reference.py\n")
    out.write("\n".join(lines) + "\n")
