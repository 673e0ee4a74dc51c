"""Perceptual hashes of images, in plain Python + numpy (no torch, no Django): the 64-bit
difference hash that video imports use to skip repeated frames, and its bits as a vector
(ml/embed.py's "dhash" space, compared with the Hamming metric in ml/neighbours.py).

    dhash(image)             -> int in [0, 2**64)
    hash_distance(a, b)      -> differing bits, 0..64
    hash_bits(value)         -> float32 (64,) of 0/1, most significant bit first
    hash_from_bits(bits)     -> int (hash_bits' inverse)
"""

import numpy as np
from PIL import Image

HASH_BITS = 64


def dhash(image: Image.Image) -> int:
    """A 64-bit difference hash: is each pixel of a 9x8 grey thumbnail brighter than its
    right neighbour. The very algorithm of apps/datasets/video.py (same bits, same order:
    row by row, the first pixel's comparison in the most significant bit)."""
    small = image.convert("L").resize((9, 8), Image.Resampling.BILINEAR)
    px = small.tobytes()
    bits = 0
    for row in range(8):
        for col in range(8):
            bits = (bits << 1) | (px[row * 9 + col] > px[row * 9 + col + 1])
    return bits


def hash_distance(a: int, b: int) -> int:
    """The number of bits in which two hashes differ (popcount of the xor)."""
    return (a ^ b).bit_count()


def hash_bits(value: int) -> np.ndarray:
    """float32 (64,) of 0/1, the most significant bit first: a hash as a vector whose
    Hamming distance to another's is hash_distance of the two."""
    if not 0 <= value < 1 << HASH_BITS:
        raise ValueError(f"Not a {HASH_BITS}-bit hash: {value}.")
    raw = np.frombuffer(value.to_bytes(HASH_BITS // 8, "big"), dtype=np.uint8)
    return np.unpackbits(raw).astype(np.float32)


def hash_from_bits(bits: np.ndarray) -> int:
    """hash_bits' inverse: 64 components of 0/1 (a component > 0.5 is a 1) -> the hash."""
    flat = np.asarray(bits).reshape(-1)
    if flat.shape != (HASH_BITS,):
        raise ValueError(f"Expected {HASH_BITS} bits, got {flat.size}.")
    return int.from_bytes(np.packbits(flat > 0.5).tobytes(), "big")
