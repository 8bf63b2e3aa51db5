#!/usr/bin/python3
"""Writes the small ONNX test fixtures under test/fixtures/onnx/ with PyTorch's own exporter.

Each fixture is a tiny classifier for 3x32x32 images (one for 1x28x28 MNIST digits) built
from torchvision's real building blocks (so parameter names are what a user's state_dict holds), with seeded random weights
and BatchNorm statistics (so folding BN into the convolutions changes the weights). Beside
each NAME.onnx this writes NAME.json: the export settings, a few seeded test inputs and
PyTorch's outputs for them, so the TypeScript tests can check ONNX Runtime against PyTorch
without Python. manifest.json records the versions used.

Run with Debian's Python, which is where Debian's torch lives:
    apt-get install -y python3-torch python3-torchvision python3-onnx
    /usr/bin/python3 scripts/onnx-fixtures/make_fixtures.py
"""
import json
import os
import sys
from functools import partial

import numpy as np
import onnx
import torch
import torch.nn.functional as F
import torchvision
from torch import nn
from torchvision.models.mobilenetv2 import InvertedResidual as InvertedResidualV2
from torchvision.models.mobilenetv3 import InvertedResidual as InvertedResidualV3
from torchvision.models.mobilenetv3 import InvertedResidualConfig
from torchvision.models.resnet import BasicBlock
from torchvision.models.squeezenet import Fire
from torchvision.ops.misc import Conv2dNormActivation

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "test", "fixtures", "onnx")
CLASSES = 10
BATCH = 2


class PlainCnn(nn.Module):
    """Conv-BN-ReLU stages, a grouped conv, and the classic `x.view(x.size(0), -1)` flatten,
    which the exporter writes as a Shape/Gather/Unsqueeze/Concat sub-graph feeding Reshape."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.pool1 = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(8, 16, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(16)
        self.conv3 = nn.Conv2d(16, 16, 3, stride=2, padding=1, groups=2)
        self.pool2 = nn.AvgPool2d(2)
        self.fc1 = nn.Linear(16 * 4 * 4, 32)
        self.drop = nn.Dropout(0.5)
        self.fc2 = nn.Linear(32, CLASSES)

    def forward(self, x):
        x = self.pool1(F.relu(self.bn1(self.conv1(x))))
        x = F.relu(self.bn2(self.conv2(x)))
        x = self.pool2(F.relu(self.conv3(x)))
        x = x.view(x.size(0), -1)
        return self.fc2(self.drop(F.relu(self.fc1(x))))


class SmallResNet(nn.Module):
    """torchvision's ResNet layout (conv1/bn1/layerN.M/fc) with BasicBlocks of 8-32 channels."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.relu = nn.ReLU(inplace=True)
        self.layer1 = nn.Sequential(BasicBlock(8, 8), BasicBlock(8, 8))
        self.layer2 = nn.Sequential(BasicBlock(8, 16, stride=2, downsample=self._down(8, 16)), BasicBlock(16, 16))
        self.layer3 = nn.Sequential(BasicBlock(16, 32, stride=2, downsample=self._down(16, 32)))
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(32, CLASSES)

    @staticmethod
    def _down(cin, cout):
        return nn.Sequential(nn.Conv2d(cin, cout, 1, stride=2, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.fc(torch.flatten(self.avgpool(x), 1))


class SmallMobileNetV2(nn.Module):
    """MobileNetV2's layout: ReLU6 (exported as Clip), depthwise convs, inverted residuals.
    `blocks` are (in, out, stride, expand ratio) of the inverted residuals between the stem
    conv (stride 2) and the last 1x1 conv."""

    def __init__(self, image_channels=3, blocks=((8, 8, 1, 1), (8, 12, 2, 6), (12, 12, 1, 6)), last=32):
        super().__init__()
        first = blocks[0][0]
        self.features = nn.Sequential(
            Conv2dNormActivation(image_channels, first, stride=2, activation_layer=nn.ReLU6),
            *[InvertedResidualV2(cin, cout, stride, expand_ratio=expand) for cin, cout, stride, expand in blocks],
            Conv2dNormActivation(blocks[-1][1], last, kernel_size=1, activation_layer=nn.ReLU6),
        )
        self.classifier = nn.Sequential(nn.Dropout(0.2), nn.Linear(last, CLASSES))

    def forward(self, x):
        x = F.adaptive_avg_pool2d(self.features(x), (1, 1))
        return self.classifier(torch.flatten(x, 1))


class SmallMobileNetV3(nn.Module):
    """MobileNetV3's blocks: squeeze-and-excitation (HardSigmoid, Mul) and HardSwish."""

    def __init__(self):
        super().__init__()
        norm = partial(nn.BatchNorm2d, eps=0.001, momentum=0.01)
        cfg = partial(InvertedResidualConfig, dilation=1, width_mult=1.0)
        self.features = nn.Sequential(
            Conv2dNormActivation(3, 8, stride=2, norm_layer=norm, activation_layer=nn.Hardswish),
            InvertedResidualV3(cfg(8, 3, 8, 8, True, "RE", 2), norm),
            InvertedResidualV3(cfg(8, 3, 24, 16, False, "RE", 1), norm),
            InvertedResidualV3(cfg(16, 5, 48, 16, True, "HS", 1), norm),
            Conv2dNormActivation(16, 48, kernel_size=1, norm_layer=norm, activation_layer=nn.Hardswish),
        )
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Sequential(nn.Linear(48, 32), nn.Hardswish(), nn.Dropout(0.2), nn.Linear(32, CLASSES))

    def forward(self, x):
        return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))


class SmallSqueezeNet(nn.Module):
    """SqueezeNet 1.1's layout: Fire modules concatenate two branches on the channel axis."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 16, 3, stride=2),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(3, stride=2, ceil_mode=True),
            Fire(16, 4, 8, 8),
            Fire(16, 4, 8, 8),
            nn.MaxPool2d(3, stride=2, ceil_mode=True),
            Fire(16, 8, 16, 16),
        )
        final = nn.Conv2d(32, CLASSES, 1)
        self.classifier = nn.Sequential(nn.Dropout(0.5), final, nn.ReLU(inplace=True), nn.AdaptiveAvgPool2d((1, 1)))

    def forward(self, x):
        return torch.flatten(self.classifier(self.features(x)), 1)


class OpsMix(nn.Module):
    """The rest of the supported op list in one small network: ConvTranspose, Resize, Pad,
    LeakyRelu, Sigmoid, Sub/Div, ReduceMean, Transpose, MatMul, Squeeze/Unsqueeze, Softmax."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.up = nn.ConvTranspose2d(8, 6, 4, stride=2, padding=1, output_padding=0, groups=2)
        self.conv2 = nn.Conv2d(6, 8, 3, dilation=2)
        self.conv3 = nn.Conv2d(8, 8, 1)
        self.proj = nn.Parameter(torch.empty(8, 16))
        self.fc = nn.Linear(16, CLASSES)

    def forward(self, x):
        x = F.leaky_relu(self.conv1(x), 0.1)
        x = torch.sigmoid(self.up(x))
        x = F.pad(x, (1, 2, 1, 2))
        x = F.relu(self.conv2(x))
        x = F.interpolate(x, scale_factor=2.0, mode="nearest")
        x = F.avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False)
        x = (self.conv3(x) - x.mean(dim=(2, 3), keepdim=True)) / 2.0
        x = x.mean(dim=3).permute(0, 2, 1)  # N x H x C
        x = torch.matmul(x, self.proj).unsqueeze(1)  # N x 1 x H x 16
        x = x.mean(dim=2).squeeze(1)  # N x 16
        return torch.softmax(self.fc(x), dim=1)


def randomize(model, seed):
    """Seeded weights with a fan-in scale, and BN statistics away from the identity."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() > 1:
                fan_in = p[0].numel()
                p.copy_((torch.rand(p.shape, generator=gen) * 2 - 1) * (3.0 / fan_in) ** 0.5)
            elif name.endswith("weight"):  # BN gamma
                p.copy_(0.5 + torch.rand(p.shape, generator=gen))
            else:
                p.copy_((torch.rand(p.shape, generator=gen) - 0.5) * 0.2)
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.copy_((torch.rand(m.running_mean.shape, generator=gen) - 0.5) * 0.4)
                m.running_var.copy_(0.5 + torch.rand(m.running_var.shape, generator=gen))
    return model.eval()


def rounded(values):
    """float32 values as JSON numbers that read back to the same float32."""
    return [float(f"{v:.9g}") for v in np.asarray(values, dtype=np.float32).ravel()]


def export(name, model, opset, dynamic, bn="folded", external=False, seed=0, image=(3, 32, 32)):
    torch.manual_seed(seed)
    model = randomize(model, seed)
    gen = torch.Generator().manual_seed(seed + 1000)
    x = torch.rand((BATCH, *image), generator=gen) * 2 - 1
    with torch.no_grad():
        y = model(x)
    path = os.path.join(OUT, f"{name}.onnx")
    kwargs = {}
    if dynamic:
        kwargs["dynamic_axes"] = {"input": {0: "batch"}, "logits": {0: "batch"}}
    if bn == "kept":
        # PRESERVE keeps the module's own (eval) mode but skips the eval-mode peephole pass
        # that folds BatchNormalization into the preceding Conv.
        kwargs["training"] = torch.onnx.TrainingMode.PRESERVE
    torch.onnx.export(model, (x,), path, opset_version=opset, input_names=["input"], output_names=["logits"], **kwargs)
    proto = onnx.load(path)
    if external:
        # Every initializer into one side file, as exporters do for models over 2 GB. The
        # onnx package appends to an existing data file, so start from none.
        data_path = os.path.join(OUT, f"{name}.onnx.data")
        if os.path.exists(data_path):
            os.remove(data_path)
        onnx.save_model(proto, path, save_as_external_data=True, all_tensors_to_one_file=True,
                        location=f"{name}.onnx.data", size_threshold=0)
    onnx.checker.check_model(path)
    ops = sorted({n.op_type for n in proto.graph.node})
    bn_nodes = sum(1 for n in proto.graph.node if n.op_type == "BatchNormalization")
    spec = {
        "name": name,
        "opset": opset,
        "dynamicBatch": dynamic,
        "batchNorm": bn,
        "batchNormNodes": bn_nodes,
        "externalData": f"{name}.onnx.data" if external else None,
        "ops": ops,
        "params": sum(p.numel() for p in model.parameters()),
        "input": {"name": "input", "shape": list(x.shape), "data": rounded(x)},
        "outputs": [{"name": "logits", "shape": list(y.shape), "data": rounded(y)}],
    }
    with open(os.path.join(OUT, f"{name}.json"), "w") as f:
        json.dump(spec, f, separators=(",", ":"))
        f.write("\n")
    size = os.path.getsize(path) + (os.path.getsize(os.path.join(OUT, f"{name}.onnx.data")) if external else 0)
    print(f"{name}: opset {opset}, {size} bytes, ops {' '.join(ops)}")
    return name


def main():
    os.makedirs(OUT, exist_ok=True)
    names = [
        export("plain_cnn", PlainCnn(), 13, dynamic=True, seed=1),
        export("resnet_blocks", SmallResNet(), 13, dynamic=True, seed=2),
        export("resnet_bn_kept", SmallResNet(), 13, dynamic=False, bn="kept", seed=3),
        export("resnet_external", SmallResNet(), 13, dynamic=True, external=True, seed=4),
        export("mobilenetv2_blocks", SmallMobileNetV2(), 13, dynamic=True, seed=5),
        export("mobilenetv3_se", SmallMobileNetV3(), 17, dynamic=False, seed=6),
        export("squeezenet_concat", SmallSqueezeNet(), 11, dynamic=True, seed=7),
        export("ops_mix", OpsMix(), 13, dynamic=False, seed=8),
        # A small MobileNetV2 for 1x28x28 digits with BatchNormalization kept: the model of the
        # ONNX workflow test and docs/onnx.md (scan, prune, fine-tune, evaluate).
        export("mobilenetv2_mnist", SmallMobileNetV2(1, ((16, 16, 1, 1), (16, 24, 2, 4), (24, 24, 1, 4)), 64), 13, dynamic=True, bn="kept", seed=9, image=(1, 28, 28)),
    ]
    manifest = {
        "script": "scripts/onnx-fixtures/make_fixtures.py",
        "python": sys.version.split()[0],
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "onnx": onnx.__version__,
        "numpy": np.__version__,
        "fixtures": names,
    }
    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
