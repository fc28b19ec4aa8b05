"""Exports the small PyTorch models the ONNX import tests read (tests/LayerNet.Layers.Tests/Onnx/ImportModelTests.cs).

Run with Debian's python3-torch and python3-onnx:  /usr/bin/python3 tests/data/onnx/make_models.py
Each model is written at operator sets 9, 11, 13 and 17 as <name>_opset<N>.onnx beside this script. The weights and
batch-norm statistics come from a fixed seed, so a rerun writes the same files.
"""

import io
import os

import onnx
import torch
from torch import nn

OPSETS = (9, 11, 13, 17)
HERE = os.path.dirname(os.path.abspath(__file__))


def randomize(module, seed):
    """Seeded weights, and batch-norm statistics that are not the identity."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for parameter in module.parameters():
            parameter.copy_(torch.rand(parameter.shape, generator=generator) * 2 - 1)
        for sub in module.modules():
            if isinstance(sub, nn.BatchNorm2d):
                sub.running_mean.copy_(torch.rand(sub.running_mean.shape, generator=generator) - 0.5)
                sub.running_var.copy_(torch.rand(sub.running_var.shape, generator=generator) + 0.5)
    return module.eval()


class TinyCnn(nn.Module):
    """Conv, ReLU, BatchNorm (after the ReLU, so it is not folded into the convolution), max pooling with a pad,
    average pooling with ceil_mode (one counting its pads, the other not), Concat, Add, Flatten, Linear, Softmax.
    (PyTorch's opset 9 export of a max pooling with both a pad and ceil_mode pads past the kernel, which ONNX Runtime
    refuses; the fire module has the ceil_mode max pooling.)"""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(8)
        self.max1 = nn.MaxPool2d(2, stride=2, padding=1)
        self.avg1 = nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True, count_include_pad=True)
        self.conv2 = nn.Conv2d(16, 8, 1)
        self.conv3 = nn.Conv2d(16, 8, 3, padding=1)
        self.avg2 = nn.AvgPool2d(2, stride=2, ceil_mode=True, count_include_pad=False)
        self.fc = nn.Linear(8 * 5 * 5, 10)

    def forward(self, x):
        a = self.bn1(torch.relu(self.conv1(x)))
        b = torch.cat([self.max1(a), self.avg1(a)], dim=1)
        c = torch.relu(self.conv2(b) + self.conv3(b))
        d = torch.flatten(self.avg2(c), 1)
        logits = self.fc(d)
        return logits, torch.softmax(logits, dim=1)


class BasicBlock(nn.Module):
    """torchvision's ResNet BasicBlock with a downsampling shortcut, then global average pooling and a classifier."""

    def __init__(self, inplanes=8, planes=12):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride=2, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = nn.Sequential(nn.Conv2d(inplanes, planes, 1, stride=2, bias=False), nn.BatchNorm2d(planes))
        self.pool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(planes, 5)

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out = self.relu(out + self.downsample(x))
        return self.fc(torch.flatten(self.pool(out), 1))


class Fire(nn.Module):
    """SqueezeNet's fire module: a 1x1 squeeze, 1x1 and 3x3 expands concatenated, then SqueezeNet's ceil_mode max pool."""

    def __init__(self, inplanes=16, squeeze=4, expand=8):
        super().__init__()
        self.squeeze = nn.Conv2d(inplanes, squeeze, 1)
        self.expand1x1 = nn.Conv2d(squeeze, expand, 1)
        self.expand3x3 = nn.Conv2d(squeeze, expand, 3, padding=1)
        self.pool = nn.MaxPool2d(3, stride=2, ceil_mode=True)

    def forward(self, x):
        s = torch.relu(self.squeeze(x))
        y = torch.cat([torch.relu(self.expand1x1(s)), torch.relu(self.expand3x3(s))], 1)
        return self.pool(y)


MODELS = (
    ("tiny_cnn", TinyCnn, (1, 3, 16, 16), ["logits", "probabilities"], None),
    ("basic_block", BasicBlock, (2, 8, 12, 12), ["scores"], {"input": {0: "N"}, "scores": {0: "N"}}),
    ("fire", Fire, (1, 16, 13, 13), ["output"], None),
)


def main():
    for index, (name, factory, shape, outputs, dynamic) in enumerate(MODELS):
        torch.manual_seed(index)
        model = randomize(factory(), seed=index + 1)
        example = torch.rand(shape, generator=torch.Generator().manual_seed(100 + index)) * 2 - 1
        for opset in OPSETS:
            buffer = io.BytesIO()
            torch.onnx.export(model, (example,), buffer, opset_version=opset, input_names=["input"], output_names=outputs,
                              dynamic_axes=dynamic, do_constant_folding=True)
            proto = onnx.load_from_string(buffer.getvalue())
            proto.producer_version = ""
            onnx.checker.check_model(proto)
            path = os.path.join(HERE, f"{name}_opset{opset}.onnx")
            onnx.save(proto, path)
            print(f"{path}: {os.path.getsize(path)} bytes, ops {sorted({n.op_type for n in proto.graph.node})}")


if __name__ == "__main__":
    main()
