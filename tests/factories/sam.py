"""A tiny Segment-Anything built from the `segment-anything` package's own modules with
random weights (a 2-block ViT of width 32 on 256-pixel inputs, SAM's own prompt encoder and
mask decoder), saved as a state dict, for tests of the assist without Meta's checkpoints."""

import functools
import tempfile
from functools import partial
from pathlib import Path


@functools.cache
def tiny_sam_state_file() -> Path:
    """The state dict's file (built once per test process), named as a non-standard SAM."""
    import torch
    from segment_anything.modeling import (
        ImageEncoderViT,
        MaskDecoder,
        PromptEncoder,
        Sam,
        TwoWayTransformer,
    )

    torch.manual_seed(0)
    size, patch, grid = 256, 16, 16
    model = Sam(
        image_encoder=ImageEncoderViT(
            img_size=size, patch_size=patch, embed_dim=32, depth=2, num_heads=2, mlp_ratio=2,
            out_chans=256, qkv_bias=True, norm_layer=partial(torch.nn.LayerNorm, eps=1e-6),
            use_rel_pos=True, window_size=4, global_attn_indexes=[1],
        ),
        prompt_encoder=PromptEncoder(embed_dim=256, image_embedding_size=(grid, grid),
                                     input_image_size=(size, size), mask_in_chans=16),
        mask_decoder=MaskDecoder(
            num_multimask_outputs=3,
            transformer=TwoWayTransformer(depth=2, embedding_dim=256, mlp_dim=2048, num_heads=8),
            transformer_dim=256, iou_head_depth=3, iou_head_hidden_dim=256,
        ),
    )  # fmt: skip
    path = Path(tempfile.mkdtemp(prefix="labelforge-sam-")) / "sam_tiny_test.pth"
    torch.save(model.state_dict(), path)
    return path


def put_tiny_sam(folder: Path, name: str = "sam_tiny_test.pth") -> Path:
    """The tiny SAM's weights in `folder` under `name`."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    target.write_bytes(tiny_sam_state_file().read_bytes())
    return target
