"""Segment-Anything for the labeller's assist, when its weights are on this host: a box (and
clicks, positive on the object, negative off it) -> the object's mask and polygon, as
ml.assist's GrabCut gives, but from Meta's `segment-anything` model. Plain inputs and outputs.

    sam_weights(folder)                  -> Path | None  (the weight file to use, if any)
    sam_load(path)                       -> SamModel     (once per process and file; SamError)
    sam_segment(model, rgb, box, clicks) -> Segment

Weights are never downloaded: put Meta's checkpoint in the weights folder (the one that
holds torchvision's pretrained weights), named as Meta names them: sam_vit_b_01ec64.pth,
sam_vit_l_0b3195.pth or sam_vit_h_4b8939.pth; the name picks the package's builder
(ViT-B, -L, -H). Any other `sam_*.pth` is a state dict of a SAM of another size (a smaller
or fine-tuned image encoder): its encoder's width, depth, heads, global-attention blocks and
input size are read from the tensors' shapes and it is built from the package's modules,
with SAM's own prompt encoder and mask decoder. With several files, ViT-H is taken before
ViT-L before ViT-B before the rest (by name).

A file that cannot be read, or whose tensors do not fit its model, raises SamError with
what is wrong; the failure is remembered for that file (its size and time), so a replaced
file is tried afresh. The image embedding (the heavy part) is kept for the last few images
(`key`), so refining with clicks costs only the prompt encoder and mask decoder.
"""

import re
import threading
import time
from collections import OrderedDict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from ml.assist import Click, Segment, largest_region, mask_rings

PATTERN = "sam_*.pth"
STANDARD = {"vit_h": 0, "vit_l": 1, "vit_b": 2}  # preference order
EMBEDDINGS_KEPT = 8
PROMPT_DIM = 256  # SAM's prompt encoder and mask decoder width


class SamError(RuntimeError):
    """A SAM weight file that cannot be used (the message says why)."""


def _standard(path: Path) -> str | None:
    found = re.search(r"vit_([hlb])(?![a-z])", path.name)
    return f"vit_{found.group(1)}" if found else None


def sam_weights(folder: Path | str | None) -> Path | None:
    """The SAM weight file in `folder` to use, or None when there is none."""
    if folder is None or not Path(folder).is_dir():
        return None
    files = sorted(p for p in Path(folder).glob(PATTERN) if p.is_file())
    if not files:
        return None
    return min(files, key=lambda p: (STANDARD.get(_standard(p) or "", len(STANDARD)), p.name))


@dataclass
class SamModel:
    predictor: Any  # segment_anything.SamPredictor
    name: str
    device: str
    lock: threading.Lock = field(default_factory=threading.Lock)
    embeddings: OrderedDict = field(default_factory=OrderedDict)


_loaded: dict[tuple[str, int, int, str], SamModel | SamError] = {}
_loading = threading.Lock()


def sam_load(path: Path | str, *, device: str | None = None) -> SamModel:
    """The model of this weight file, built once per process (and again when the file
    changes); SamError when the file cannot be used (remembered, like the model)."""
    import torch

    path = Path(path)
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    try:
        stat = path.stat()
    except OSError as exc:
        raise SamError(f"{path.name}: cannot be read ({exc.strerror or exc})") from exc
    key = (str(path), stat.st_size, stat.st_mtime_ns, device)
    with _loading:
        if key not in _loaded:
            for old in [k for k in _loaded if k[0] == key[0]]:
                del _loaded[old]  # the file was replaced
            try:
                _loaded[key] = _build(path, device)
            except SamError as exc:
                _loaded[key] = exc
        found = _loaded[key]
    if isinstance(found, SamError):
        raise found
    return found


def _build(path: Path, device: str) -> SamModel:
    import torch
    from segment_anything import SamPredictor, sam_model_registry

    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # a truncated or foreign file: pickle, zip or torch errors
        raise SamError(f"{path.name}: not a readable PyTorch weight file ({exc})") from exc
    if isinstance(state, dict) and "model" in state and isinstance(state["model"], dict):
        state = state["model"]
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise SamError(f"{path.name}: holds no state dict of tensors")
    kind = _standard(path)
    try:
        model = sam_model_registry[kind]() if kind else _custom(state)
        model.load_state_dict(state)
    except SamError:
        raise
    except (RuntimeError, KeyError, ValueError, IndexError) as exc:
        what = f"SAM ViT-{kind[-1].upper()}" if kind else "a SAM model"
        raise SamError(f"{path.name}: its tensors do not fit {what} ({str(exc)[:300]})") from exc
    model.to(device).eval()
    return SamModel(SamPredictor(model), path.name, device)


def _custom(state: dict[str, Any]) -> Any:
    """A SAM whose image encoder's sizes are read from its tensors (see the docstring)."""
    import torch
    from segment_anything.modeling import (
        ImageEncoderViT,
        MaskDecoder,
        PromptEncoder,
        Sam,
        TwoWayTransformer,
    )

    try:
        embed, _, patch, _ = state["image_encoder.patch_embed.proj.weight"].shape
        grid = state["image_encoder.pos_embed"].shape[1]
        depth = 1 + max(
            int(k.split(".")[2]) for k in state if k.startswith("image_encoder.blocks.")
        )
        rel = [state[f"image_encoder.blocks.{i}.attn.rel_pos_h"].shape for i in range(depth)]
        hidden = state["image_encoder.blocks.0.mlp.lin1.weight"].shape[0]
        out_chans = state["image_encoder.neck.0.weight"].shape[0]
    except (KeyError, ValueError, IndexError) as exc:
        raise SamError(f"not a SAM image encoder: {exc!r} is missing") from exc
    heads = embed // rel[0][1]
    global_blocks = [i for i, shape in enumerate(rel) if shape[0] == 2 * grid - 1]
    windowed = [shape[0] for shape in rel if shape[0] != 2 * grid - 1]
    window = (windowed[0] + 1) // 2 if windowed else 0
    if out_chans != PROMPT_DIM:
        raise SamError(f"the image encoder gives {out_chans} channels; SAM's decoder takes 256")
    size = grid * patch
    return Sam(
        image_encoder=ImageEncoderViT(
            img_size=size, patch_size=patch, embed_dim=embed, depth=depth, num_heads=heads,
            mlp_ratio=hidden / embed, out_chans=out_chans, qkv_bias=True,
            norm_layer=partial(torch.nn.LayerNorm, eps=1e-6), use_rel_pos=True,
            window_size=window, global_attn_indexes=global_blocks,
        ),
        prompt_encoder=PromptEncoder(
            embed_dim=PROMPT_DIM, image_embedding_size=(grid, grid),
            input_image_size=(size, size), mask_in_chans=16,
        ),
        mask_decoder=MaskDecoder(
            num_multimask_outputs=3,
            transformer=TwoWayTransformer(depth=2, embedding_dim=PROMPT_DIM, mlp_dim=2048,
                                          num_heads=8),
            transformer_dim=PROMPT_DIM, iou_head_depth=3, iou_head_hidden_dim=256,
        ),
        pixel_mean=[123.675, 116.28, 103.53],
        pixel_std=[58.395, 57.12, 57.375],
    )  # fmt: skip


def _set_image(model: SamModel, rgb: np.ndarray, key: Hashable | None) -> None:
    predictor = model.predictor
    kept = model.embeddings.get(key) if key is not None else None
    if kept is not None:
        model.embeddings.move_to_end(key)
        predictor.features, predictor.original_size, predictor.input_size = kept
        predictor.is_image_set = True
        return
    predictor.set_image(np.ascontiguousarray(rgb), image_format="RGB")
    if key is not None:
        model.embeddings[key] = (predictor.features, predictor.original_size, predictor.input_size)
        while len(model.embeddings) > EMBEDDINGS_KEPT:
            model.embeddings.popitem(last=False)


def sam_segment(model: SamModel, rgb: np.ndarray, box: tuple[float, float, float, float],
                clicks: Sequence[Click] = (), *, key: Hashable | None = None) -> Segment:  # fmt: skip
    """The object in `box` (x, y, w, h in image pixels) of an (h, w, 3) uint8 RGB image; `key`
    names the image (its id and content hash) so its embedding is computed once."""
    import torch

    started = time.perf_counter()
    x, y, w, h = box
    points = np.array([[c.x, c.y] for c in clicks], dtype=np.float32) if clicks else None
    labels = np.array([1 if c.positive else 0 for c in clicks], dtype=np.int32) if clicks else None
    with model.lock, torch.inference_mode():
        _set_image(model, rgb, key)
        masks, _, _ = model.predictor.predict(
            point_coords=points, point_labels=labels,
            box=np.array([x, y, x + w, y + h], dtype=np.float32), multimask_output=False,
        )  # fmt: skip
    mask = largest_region(np.asarray(masks[0]).astype(np.uint8))
    return Segment(mask, mask_rings(mask), (time.perf_counter() - started) * 1000)
