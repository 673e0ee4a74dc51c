"""Pascal VOC's PNG side: SegmentationClass/<name>.png (a pixel is its class's index in the
labelmap order, 0 background) and SegmentationObject/<name>.png (a pixel is its object's
number, the n-th <object> of the XML), 255 void (the border VOC draws around objects)
in both.

Read as the tools write them: a palette PNG (VOC's own) is read by colour where the colour
is a class's (so a palette in labelmap.txt's colours works), else by index; an RGB PNG
(what datumaro and CVAT write) by colour only: the labelmap's colours, or VOC's colour
map by index where it gives none. Written as palette PNGs in VOC's colour map, which every
reader takes either way."""

import io
import warnings

import numpy as np
from PIL import Image as PILImage

from .detection import Color

VOID = 255
UNKNOWN = -1
MAX_PIXELS = 100_000_000
MAX_INSTANCES = 254  # 1..254: 0 is the background, 255 void
VOC_CLASSES = ("background", "aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car",
               "cat", "chair", "cow", "diningtable", "dog", "horse", "motorbike", "person",
               "pottedplant", "sheep", "sofa", "train", "tvmonitor")  # fmt: skip


def voc_colormap(n: int = 256) -> list[Color]:
    """VOC's colour map: index i's bits, three at a time, spread over the high bits of r, g
    and b (1 -> (128, 0, 0), 2 -> (0, 128, 0), 255 -> (224, 224, 192))."""
    colors = []
    for i in range(n):
        r = g = b = 0
        c = i
        for bit in range(7, -1, -1):
            r |= (c & 1) << bit
            g |= ((c >> 1) & 1) << bit
            b |= ((c >> 2) & 1) << bit
            c >>= 3
        colors.append((r, g, b))
    return colors


COLORMAP = voc_colormap()
INSTANCE_COLORS = {color: i for i, color in enumerate(COLORMAP)}
PALETTE = [v for color in COLORMAP for v in color]


class PngError(ValueError):
    pass


def _open(data: bytes) -> PILImage.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", PILImage.DecompressionBombWarning)
            image = PILImage.open(io.BytesIO(data))
            if image.width * image.height > MAX_PIXELS:
                raise PngError(f"{image.width}x{image.height} is too many pixels")
            image.load()
    except PngError:
        raise
    except (OSError, SyntaxError, ValueError, EOFError, PILImage.DecompressionBombError,
            PILImage.DecompressionBombWarning) as exc:  # fmt: skip
        raise PngError(f"not a readable PNG ({exc})") from exc
    return image


def decode(data: bytes, colors: dict[Color, int]) -> np.ndarray:
    """The PNG as an int16 index array: a colour in `colors` is its index, VOID stays VOID,
    black is 0; a palette PNG's other colours are their palette index; an RGB PNG's are
    UNKNOWN."""
    image = _open(data)
    if image.mode == "P":
        indices = np.asarray(image, dtype=np.uint8)
        palette = image.getpalette() or []
        lut = np.arange(256, dtype=np.int16)
        for i in range(min(256, len(palette) // 3)):
            color = (palette[3 * i], palette[3 * i + 1], palette[3 * i + 2])
            if color in colors:
                lut[i] = colors[color]
        return lut[indices]
    if image.mode in ("L", "I", "I;16"):  # grey levels that are indices
        values = np.asarray(image).astype(np.int64)
        return np.where(values > VOID, UNKNOWN, values).astype(np.int16)
    rgb = np.asarray(image.convert("RGB"), dtype=np.uint8).astype(np.int32)
    packed = (rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2]
    values, inverse = np.unique(packed, return_inverse=True)
    lookup = {**{(0, 0, 0): 0, COLORMAP[VOID]: VOID}, **colors}
    mapped = np.array([lookup.get(((v >> 16) & 255, (v >> 8) & 255, v & 255), UNKNOWN)
                       for v in values.tolist()], dtype=np.int16)  # fmt: skip
    return mapped[inverse].reshape(packed.shape)


def encode(indices: np.ndarray) -> bytes:
    """A palette PNG in VOC's colour map."""
    image = PILImage.fromarray(indices.astype(np.uint8), mode="P")
    image.putpalette(PALETTE)
    buf = io.BytesIO()
    image.save(buf, "PNG", optimize=False)
    return buf.getvalue()


def class_colors(classes: list[tuple[str, Color | None]]) -> dict[Color, int]:
    """Colour -> class index: the labelmap's colours, VOC's colour map where it gives none."""
    return {color or COLORMAP[i % 256]: i for i, (_, color) in enumerate(classes)}


def background(classes: list[tuple[str, Color | None]]) -> set[int]:
    """The labelmap's entries that are not classes: the one named background, or black."""
    return {i for i, (name, color) in enumerate(classes)
            if name.casefold() == "background" or color == (0, 0, 0)}  # fmt: skip


def instances(
    objects: np.ndarray, classes: np.ndarray | None
) -> list[tuple[int, int | None, np.ndarray]]:
    """(object number, its class index or None, its pixels) for each object in a
    SegmentationObject array; the class is the most common one under its pixels in the
    SegmentationClass array, when there is one (background and void not counted)."""
    out = []
    for number in np.unique(objects).tolist():
        if number in (0, VOID, UNKNOWN):
            continue
        pixels = objects == number
        cls = None
        if classes is not None:
            under = classes[pixels]
            under = under[(under > 0) & (under != VOID)]
            if under.size:
                cls = int(np.bincount(under).argmax())
        out.append((int(number), cls, pixels))
    return out


def render(
    shapes: list[tuple[int, np.ndarray]], height: int, width: int
) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """The class and object arrays for shapes (class index, pixels) in the XML's order: the
    larger drawn first, so a smaller one on top stays seen. Objects are numbered 1.. in the
    given order among those left with a pixel (a shape hidden behind others, or past the
    254th, is left out); the positions of the shapes kept."""
    order = sorted(range(len(shapes)), key=lambda i: -int(shapes[i][1].sum()))
    drawn = np.zeros((height, width), np.int32)
    for i in order:
        drawn[shapes[i][1]] = i + 1
    seen = sorted(int(v) - 1 for v in np.unique(drawn) if v)[:MAX_INSTANCES]
    number = np.zeros(len(shapes) + 1, np.uint8)
    cls = np.zeros(len(shapes) + 1, np.uint8)
    for n, i in enumerate(seen, start=1):
        number[i + 1], cls[i + 1] = n, shapes[i][0]
    return cls[drawn], number[drawn], seen
