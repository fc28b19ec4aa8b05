"""Exports torchvision's equivalents of the zoo's Caffe nets to ONNX, for ONNX Runtime's row in bench/compare.sh zoo.

    /usr/bin/python3 bench/zoo/export_torchvision.py OUT_DIR

Writes OUT_DIR/{resnet50,googlenet,squeezenet1_1,mobilenet_v2}.onnx with a dynamic batch axis. The weights are
torchvision's initialisation (nothing is downloaded): speed does not depend on their values.
"""
import os
import sys

import torch
import torchvision.models as models


def nets():
    yield "resnet50", models.resnet50()
    yield "googlenet", models.googlenet(aux_logits=False, init_weights=False)
    yield "squeezenet1_1", models.squeezenet1_1()
    yield "mobilenet_v2", models.mobilenet_v2()


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    for name, net in nets():
        net.eval()
        size = 227 if name == "squeezenet1_1" else 224
        x = torch.randn(1, 3, size, size)
        path = os.path.join(out, name + ".onnx")
        torch.onnx.export(net, x, path, opset_version=13, input_names=["data"], output_names=["prob"],
                          dynamic_axes={"data": {0: "batch"}, "prob": {0: "batch"}})
        print(path)


if __name__ == "__main__":
    main()
