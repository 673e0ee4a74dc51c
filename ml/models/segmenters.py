"""Segmentation models built here rather than by a torchvision constructor.

small_mask_rcnn: torchvision's Mask R-CNN on a ResNet-18 FPN with slim heads (FPN and mask
head 128 channels, a 256-wide box head, fewer sampled anchors and RoIs), so it trains from
scratch on a CPU. BatchNorm stays trainable (no pretrained statistics to freeze); a
torchvision resnet18 ImageNet file loads into its backbone.body (registry.load_pretrained).

semantic_model: DeepLabV3 or LR-ASPP on MobileNetV3-Large, one logit per class, the
background included (class 0), no auxiliary head. torchvision's MobileNetV3 BatchNorm keeps
running statistics with momentum 0.01, made for ImageNet-length runs: after a few hundred
steps from scratch they are still the initial ones and the eval-mode model predicts
background everywhere (measured: mIoU 0.0 in eval mode against 0.88 in train mode after 64
steps). BN_MOMENTUM (torch's default) lets them follow a short run.
"""

from torch import nn

FPN_CHANNELS = 64
BOX_HEAD = 128
MASK_CHANNELS = (64, 64)
BN_MOMENTUM = 0.1


def small_mask_rcnn(num_classes: int, image_size: int) -> nn.Module:
    """`num_classes` counts the background."""
    import torchvision
    from torchvision.models.detection import MaskRCNN
    from torchvision.models.detection.backbone_utils import BackboneWithFPN
    from torchvision.models.detection.faster_rcnn import TwoMLPHead
    from torchvision.models.detection.mask_rcnn import MaskRCNNHeads, MaskRCNNPredictor

    body = torchvision.models.resnet18(weights=None)
    layers = {"layer1": "0", "layer2": "1", "layer3": "2", "layer4": "3"}
    backbone = BackboneWithFPN(body, layers, [64, 128, 256, 512], FPN_CHANNELS)
    box_head = TwoMLPHead(FPN_CHANNELS * 7 * 7, BOX_HEAD)
    mask_head = MaskRCNNHeads(FPN_CHANNELS, list(MASK_CHANNELS), 1)
    from torchvision.models.detection.faster_rcnn import FastRCNNPredictor

    roi_samples = int(min(512, max(32, 512 * (image_size / 800) ** 2)))
    return MaskRCNN(
        backbone, num_classes=None, min_size=image_size, max_size=round(image_size * 1333 / 800),
        box_head=box_head, box_predictor=FastRCNNPredictor(BOX_HEAD, num_classes),
        mask_head=mask_head, mask_predictor=MaskRCNNPredictor(MASK_CHANNELS[-1], MASK_CHANNELS[-1], num_classes),
        rpn_batch_size_per_image=64, box_batch_size_per_image=roi_samples,
        rpn_pre_nms_top_n_train=600, rpn_post_nms_top_n_train=300,
        rpn_pre_nms_top_n_test=300, rpn_post_nms_top_n_test=150,
    )  # fmt: skip


def semantic_model(name: str, num_classes: int) -> nn.Module:
    """`num_classes` counts the background."""
    from torchvision.models import segmentation

    options = {"weights": None, "weights_backbone": None, "num_classes": num_classes}
    if name == "deeplabv3_mobilenet_v3_large":
        model = segmentation.deeplabv3_mobilenet_v3_large(aux_loss=False, **options)
    elif name == "lraspp_mobilenet_v3_large":
        model = segmentation.lraspp_mobilenet_v3_large(**options)
    else:
        raise ValueError(f"No semantic segmentation builder for '{name}'.")
    for module in model.modules():
        if isinstance(module, nn.BatchNorm2d):
            module.momentum = BN_MOMENTUM
    return model
