#!/usr/bin/python3
"""Writes a small convolutional image encoder as ONNX, standing in for a user's own model (a CLIP or
ResNet export) in tests. Fixed weights from a seeded generator, so the NCHW and NHWC variants compute
the same function and should give the same vectors for the same picture.

Usage: /usr/bin/python3 conv_model.py OUT.onnx nchw|nhwc SIZE [BATCH]
Input  'pixels'    float32 [batch, 3, SIZE, SIZE] (nchw) or [batch, SIZE, SIZE, 3] (nhwc)
Output 'features'  float32 feature map [batch, 16, SIZE/4, SIZE/4] (nchw) or [batch, SIZE/4, SIZE/4, 16]
                   (nhwc): not pooled and not normalised, so the service must do both.
BATCH is the batch axis: 'batch' (any size, the default) or 1, as some exports fix it.
"""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out, layout, size = sys.argv[1], sys.argv[2], int(sys.argv[3])
batch = sys.argv[4] if len(sys.argv) > 4 else "batch"
batch = int(batch) if batch.isdigit() else batch
rng = np.random.default_rng(20260101)
w1 = rng.normal(0, 0.5, (8, 3, 3, 3)).astype(np.float32)
b1 = rng.normal(0, 0.1, (8,)).astype(np.float32)
w2 = rng.normal(0, 0.3, (16, 8, 3, 3)).astype(np.float32)
b2 = rng.normal(0, 0.1, (16,)).astype(np.float32)
init = [numpy_helper.from_array(a, n) for a, n in ((w1, "w1"), (b1, "b1"), (w2, "w2"), (b2, "b2"))]
nodes = []
source = "pixels"
if layout == "nhwc":
    nodes.append(helper.make_node("Transpose", ["pixels"], ["pixels_nchw"], perm=[0, 3, 1, 2]))
    source = "pixels_nchw"
nodes += [
    helper.make_node("Conv", [source, "w1", "b1"], ["c1"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]),
    helper.make_node("Relu", ["c1"], ["r1"]),
    helper.make_node("Conv", ["r1", "w2", "b2"], ["c2"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]),
    helper.make_node("Relu", ["c2"], ["r2" if layout == "nhwc" else "features"]),
]
side = size // 4
if layout == "nhwc":
    nodes.append(helper.make_node("Transpose", ["r2"], ["features"], perm=[0, 2, 3, 1]))
    inputs = [batch, size, size, 3]
    outputs = [batch, side, side, 16]
else:
    inputs = [batch, 3, size, size]
    outputs = [batch, 16, side, side]
graph = helper.make_graph(nodes, "user-conv-" + layout,
                          [helper.make_tensor_value_info("pixels", TensorProto.FLOAT, inputs)],
                          [helper.make_tensor_value_info("features", TensorProto.FLOAT, outputs)], initializer=init)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="test")
model.ir_version = 8
onnx.checker.check_model(model)
with open(out, "wb") as f:
    f.write(model.SerializeToString(deterministic=True))
