"""The device-resident classification pipeline (cache "gpu").

Every image is decoded once into a uint8 (N, 3, S, S) tensor on the training device (the
whole image squashed to S x S, S a bit above image_size; its original width and height are
kept). A batch is then one index_select plus one `roi_align`: the random resized crop is a
box drawn in the original image's coordinates (so aspect ratios are right) and mapped to the
squashed ones; roi_align samples it bilinearly at image_size x image_size with 2x2 samples
per output pixel. Flips and normalisation are batched tensor ops. No JPEG is decoded after
the first epoch and no CPU work runs per image, so a 2-core host cannot starve the GPU.

Small images (none larger than image_size: CIFAR-sized sets) are cached at image_size and
augmented as such sets are: a random crop of the image reflect-padded by `pad` pixels, and
a flip (pad_crop), which is both what those networks are trained with and cheaper than
roi_align.

The crop parameters of a whole epoch are drawn up front on the CPU from a generator seeded
by (seed, epoch) and copied to the device once: batches never synchronise with the host and
a resumed epoch gets the same crops.
"""

import math
from collections.abc import Iterator
from pathlib import Path

import torch
import torch.nn.functional as F
from torchvision.ops import roi_align

from .data import IMAGENET_MEAN, IMAGENET_STD, decode_square, parallel_map
from .manifest import Manifest, Sample
from .sampler import EpochSampler

_CROP_SALT = 0x2545F491


def decode_squares_torch(paths: list[Path], side: int,
                         device: torch.device) -> list[tuple[torch.Tensor, int, int] | None]:  # fmt: skip
    """JPEG files decoded in one batch by torchvision on `device` (nvJPEG on CUDA), each
    squashed to uint8 (3, side, side) with an antialiased bilinear resize there, with its
    original width and height: what decode_square gives, without a CPU decode per image.
    None for a file that is not a JPEG or does not decode (decode_square takes those)."""
    from torchvision.io import ImageReadMode, decode_jpeg

    out: list[tuple[torch.Tensor, int, int] | None] = [None] * len(paths)
    datas = [torch.frombuffer(bytearray(p.read_bytes()), dtype=torch.uint8) for p in paths]
    jpeg = [i for i, d in enumerate(datas) if len(d) > 3 and d[:3].tolist() == [255, 216, 255]]
    try:
        decoded = decode_jpeg([datas[i] for i in jpeg], mode=ImageReadMode.RGB, device=device)
    except RuntimeError:  # one bad file fails the batch: decode_square takes them all
        return out
    for i, image in zip(jpeg, decoded, strict=True):
        height, width = image.shape[1:]
        square = F.interpolate(image[None].float(), size=(side, side), mode="bilinear",
                               align_corners=False, antialias=True)  # fmt: skip
        out[i] = square[0].round_().clamp_(0, 255).to(torch.uint8), int(width), int(height)
    return out


class SquareCache:
    """Decoded images of one split on `device`. On CUDA the JPEGs are decoded on the GPU
    (`torch_decode`, decode_squares_torch); other files, and every file on a CPU device, by
    Pillow in threads (decode_square)."""

    def __init__(self, manifest: Manifest, samples: list[Sample], side: int,
                 device: torch.device, chunk: int = 1024,
                 torch_decode: bool | None = None) -> None:  # fmt: skip
        self.side = side
        n = len(samples)
        self.images = torch.empty((n, 3, side, side), dtype=torch.uint8, device=device)
        sizes = torch.empty((n, 2), dtype=torch.float32)
        paths = [manifest.resolve(s) for s in samples]
        if torch_decode is None:
            torch_decode = device.type == "cuda"
        for lo in range(0, n, chunk):
            part = paths[lo : lo + chunk]
            decoded = (
                decode_squares_torch(part, side, device) if torch_decode else [None] * len(part)
            )
            rest = [i for i, d in enumerate(decoded) if d is None]
            by_pillow = parallel_map(
                lambda path: decode_square(path, side), [part[i] for i in rest]
            )
            for i, d in zip(rest, by_pillow, strict=True):
                decoded[i] = d
            done = [d for d in decoded if d is not None]
            block = torch.stack([d[0].to(device) for d in done])
            self.images[lo : lo + len(done)].copy_(block, non_blocking=True)
            sizes[lo : lo + len(done)] = torch.tensor([[d[1], d[2]] for d in done])
        self.sizes = sizes  # original (width, height), on the CPU
        labels = torch.tensor([s.labels[0] for s in samples], dtype=torch.int64)
        self.labels = labels.to(device)

    def __len__(self) -> int:
        return self.images.shape[0]

    @property
    def nbytes(self) -> int:
        return self.images.numel()


def random_crop_boxes(
    sizes: torch.Tensor, augment: float, generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """RandomResizedCrop boxes (x1, y1, x2, y2) in original pixels, and flip flags.
    Area fraction ~ U(1 - 0.92*augment, 1), log aspect ratio ~ U(+-augment*log(4/3)); a box
    too wide or tall is clipped to the image (instead of torchvision's 10 retries)."""
    n = sizes.shape[0]
    u = torch.rand((n, 5), generator=generator, dtype=torch.float64)
    w0, h0 = sizes[:, 0].double(), sizes[:, 1].double()
    frac = 1 - 0.92 * augment * u[:, 0]
    log_r = (2 * u[:, 1] - 1) * augment * math.log(4 / 3)
    area = frac * w0 * h0
    cw = torch.minimum(torch.sqrt(area * torch.exp(log_r)), w0)
    ch = torch.minimum(torch.sqrt(area / torch.exp(log_r)), h0)
    x1 = u[:, 2] * (w0 - cw)
    y1 = u[:, 3] * (h0 - ch)
    boxes = torch.stack([x1, y1, x1 + cw, y1 + ch], 1).float()
    flips = u[:, 4] < 0.5 if augment > 0 else torch.zeros(n, dtype=torch.bool)
    return boxes, flips


def center_boxes(sizes: torch.Tensor) -> torch.Tensor:
    """Resize(shorter side) + CenterCrop, as a box: the centred square of the shorter side."""
    w0, h0 = sizes[:, 0], sizes[:, 1]
    s = torch.minimum(w0, h0)
    x1, y1 = (w0 - s) / 2, (h0 - s) / 2
    return torch.stack([x1, y1, x1 + s, y1 + s], 1)


def pad_crop(x: torch.Tensor, offsets: torch.Tensor, pad: int) -> torch.Tensor:
    """Each image of `x` (N, C, S, S) reflect-padded by `pad`, then the S x S window at its
    (dx, dy) offset in 0..2*pad."""
    n, c, s = x.shape[0], x.shape[1], x.shape[-1]
    x = F.pad(x, (pad,) * 4, mode="reflect")
    span = torch.arange(s, device=x.device)
    rows = (offsets[:, 1, None] + span)[:, None, :, None]
    cols = (offsets[:, 0, None] + span)[:, None, None, :]
    batch = torch.arange(n, device=x.device)[:, None, None, None]
    return x[batch, torch.arange(c, device=x.device)[None, :, None, None], rows, cols]


def pad_for(image_size: int, augment: float) -> int:
    """Pad-crop translation: 4 px at 32 px with the default augment (0.5), as CIFAR recipes."""
    return round(image_size * augment / 4)


class BatchedPipeline:
    def __init__(self, train: SquareCache, val: SquareCache | None, sampler: EpochSampler,
                 batch_size: int, image_size: int, augment: float, device: torch.device,
                 channels_last: bool) -> None:  # fmt: skip
        self.train, self.val, self.sampler = train, val, sampler
        self.batch_size, self.image_size, self.augment = batch_size, image_size, augment
        self.device, self.channels_last = device, channels_last
        # cached at image_size (build_pipeline does so for small images only): pad-crops
        self.pad = pad_for(image_size, augment) if train.side == image_size else 0
        self.steps_per_epoch = sampler.num_batches(batch_size)
        # evaluation needs no activations kept: larger batches, up to ~4M pixels each
        self.val_batch_size = max(batch_size, min(4 * batch_size, 2**22 // image_size**2))
        mean = torch.tensor(IMAGENET_MEAN, device=device).view(1, 3, 1, 1) * 255
        std = torch.tensor(IMAGENET_STD, device=device).view(1, 3, 1, 1) * 255
        self.scale, self.shift = 1 / std, -mean / std
        crops = f"pad-{self.pad} crops" if self.pad else "roi_align crops"
        self.description = f"batched on {device.type} ({train.side}px squares, {crops})"
        self.workers = 0  # decoded up front: no DataLoader

    def _squashed(self, cache: SquareCache, boxes: torch.Tensor) -> torch.Tensor:
        """Boxes in original pixels -> boxes in the cached square's pixels."""
        k = cache.side / cache.sizes
        return boxes * torch.cat([k, k], 1)

    def _crop(self, cache: SquareCache, idx: torch.Tensor, boxes: torch.Tensor | None,
              flips: torch.Tensor | None, offsets: torch.Tensor | None = None) -> torch.Tensor:  # fmt: skip
        x = cache.images.index_select(0, idx).float()
        if offsets is not None:
            out = pad_crop(x, offsets, self.pad)
        elif boxes is None:  # cached at image_size: the whole image is the centre crop
            out = x
        else:
            ids = torch.arange(idx.shape[0], device=x.device, dtype=x.dtype).unsqueeze(1)
            out = roi_align(x, torch.cat([ids, boxes], 1), (self.image_size, self.image_size),
                            spatial_scale=1.0, sampling_ratio=2, aligned=True)  # fmt: skip
        if flips is not None:
            out = torch.where(flips.view(-1, 1, 1, 1), out.flip(3), out)
        out = out * self.scale + self.shift
        if self.channels_last:
            out = out.contiguous(memory_format=torch.channels_last)
        return out

    def train_batches(
        self, epoch: int, start_batch: int = 0
    ) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        order = self.sampler.indices(epoch)
        g = torch.Generator().manual_seed((self.sampler.seed * 100003 + epoch) ^ _CROP_SALT)
        if self.pad:
            yield from self._pad_crop_batches(order, g, start_batch)
            return
        sizes = self.train.sizes.index_select(0, order)
        if self.augment > 0:
            boxes, flips = random_crop_boxes(sizes, self.augment, g)
        else:
            boxes, flips = center_boxes(sizes), torch.zeros(len(order), dtype=torch.bool)
        k = self.train.side / sizes
        boxes = boxes * torch.cat([k, k], 1)
        order_d = order.to(self.device, non_blocking=True)
        boxes_d = boxes.to(self.device, non_blocking=True)
        flips_d = flips.to(self.device, non_blocking=True) if self.augment > 0 else None
        bs = self.batch_size
        for b in range(start_batch, self.steps_per_epoch):
            part = self.sampler.part  # this rank's share of the global batch
            sl = slice(b * bs, (b + 1) * bs)
            idx = part(order_d[sl])
            fl = part(flips_d[sl]) if flips_d is not None else None
            yield self._crop(self.train, idx, part(boxes_d[sl]), fl), self.train.labels[idx]

    def _pad_crop_batches(
        self, order: torch.Tensor, g: torch.Generator, start_batch: int
    ) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        n = len(order)
        offsets = torch.randint(0, 2 * self.pad + 1, (n, 2), generator=g)
        flips = torch.rand(n, generator=g) < 0.5
        order_d, offsets_d, flips_d = (t.to(self.device, non_blocking=True)
                                       for t in (order, offsets, flips))  # fmt: skip
        bs = self.batch_size
        for b in range(start_batch, self.steps_per_epoch):
            part = self.sampler.part  # this rank's share of the global batch
            sl = slice(b * bs, (b + 1) * bs)
            idx = part(order_d[sl])
            crops = self._crop(self.train, idx, None, part(flips_d[sl]), part(offsets_d[sl]))
            yield crops, self.train.labels[idx]

    def val_batches(self) -> Iterator[tuple[torch.Tensor, torch.Tensor, None]]:
        if self.val is None or not len(self.val):
            return
        sizes = self.val.sizes  # square images cached at image_size: each is its own crop
        whole = self.val.side == self.image_size and bool((sizes[:, 0] == sizes[:, 1]).all())
        boxes = None if whole else self._squashed(self.val, center_boxes(sizes)).to(self.device)
        n, bs = len(self.val), self.val_batch_size
        for lo in range(0, n, bs):
            idx = torch.arange(lo, min(lo + bs, n), device=self.device)
            crop = None if boxes is None else boxes[lo : lo + bs]
            yield self._crop(self.val, idx, crop, None), self.val.labels[idx], None
