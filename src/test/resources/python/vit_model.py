#!/usr/bin/python3
"""Writes a small transformer image encoder (ViT / CLIP / DINOv2-shaped) as ONNX at opset 17, standing in
for a user's transformer export in tests, and computes its output independently in numpy.

Patch embedding (a Conv with stride = patch), a learned [CLS] token and position embeddings, pre-norm
blocks of multi-head self-attention (MatMul, Softmax) and a GELU MLP (GELU written with Erf, as
exporters do), LayerNormalization (opset 17) before each and at the end. Fixed weights from a seeded
generator, so every run writes the same model.

Usage:
  /usr/bin/python3 vit_model.py OUT.onnx SIZE tokens|pooled
      tokens: output 'last_hidden_state' [batch, 1 + patches, DIM] (pool with cls, as for DINOv2)
      pooled: output 'image_embeds' [batch, DIM], the [CLS] token after the final norm (as CLIP's tower)
  /usr/bin/python3 vit_model.py --reference SIZE IN.f32 COUNT OUT.f32
      the [CLS] output for COUNT inputs [COUNT, 3, SIZE, SIZE] (float32, little-endian), by numpy alone
Input 'pixel_values' float32 [batch, 3, SIZE, SIZE].
"""
import math
import sys

import numpy as np

PATCH = 8
DIM = 32
HEADS = 4
LAYERS = 2
MLP = 64


def weights(size):
    rng = np.random.default_rng(20261201)
    tokens = 1 + (size // PATCH) ** 2

    def normal(shape, scale):
        return rng.normal(0, scale, shape).astype(np.float32)

    w = {"patch_w": normal((DIM, 3, PATCH, PATCH), 0.2), "patch_b": normal((DIM,), 0.05),
         "cls": normal((1, 1, DIM), 0.5), "pos": normal((1, tokens, DIM), 0.1),
         "final_g": (1 + normal((DIM,), 0.1)), "final_b": normal((DIM,), 0.05)}
    for layer in range(LAYERS):
        p = f"l{layer}_"
        for name, shape, scale in (("ln1_g", (DIM,), 0.1), ("ln1_b", (DIM,), 0.05), ("q", (DIM, DIM), 0.3),
                                   ("k", (DIM, DIM), 0.3), ("v", (DIM, DIM), 0.3), ("qb", (DIM,), 0.05),
                                   ("kb", (DIM,), 0.05), ("vb", (DIM,), 0.05), ("o", (DIM, DIM), 0.2),
                                   ("ob", (DIM,), 0.05), ("ln2_g", (DIM,), 0.1), ("ln2_b", (DIM,), 0.05),
                                   ("fc1", (DIM, MLP), 0.3), ("fc1b", (MLP,), 0.05), ("fc2", (MLP, DIM), 0.2),
                                   ("fc2b", (DIM,), 0.05)):
            w[p + name] = normal(shape, scale) + (1 if name.endswith("_g") else 0)
    return {k: v.astype(np.float32) for k, v in w.items()}


def write(out, size, variant):
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    w = weights(size)
    side = size // PATCH
    tokens = 1 + side * side
    head = DIM // HEADS
    init = [numpy_helper.from_array(v, k) for k, v in sorted(w.items())]
    init += [numpy_helper.from_array(np.asarray(v, dtype=np.int64), k) for k, v in (
        ("patch_shape", [0, DIM, side * side]), ("heads_shape", [0, 0, HEADS, head]), ("merge_shape", [0, 0, DIM]),
        ("first", [0]), ("one", [1]), ("axis1", [1]))]
    init += [numpy_helper.from_array(np.asarray(v, dtype=np.float32), k) for k, v in (
        ("scale", 1 / math.sqrt(head)), ("half", 0.5), ("unit", 1.0), ("sqrt2", math.sqrt(2)), ("zero", 0.0))]
    n = helper.make_node
    nodes = [
        n("Conv", ["pixel_values", "patch_w", "patch_b"], ["patches_map"], kernel_shape=[PATCH, PATCH],
          strides=[PATCH, PATCH]),
        n("Reshape", ["patches_map", "patch_shape"], ["patches_cf"]),
        n("Transpose", ["patches_cf"], ["patches"], perm=[0, 2, 1]),
        # One [CLS] per picture of the batch: the first patch times zero, plus the learned token.
        n("Slice", ["patches", "first", "one", "axis1"], ["first_patch"]),
        n("Mul", ["first_patch", "zero"], ["zeros"]),
        n("Add", ["zeros", "cls"], ["cls_tokens"]),
        n("Concat", ["cls_tokens", "patches"], ["sequence"], axis=1),
        n("Add", ["sequence", "pos"], ["x0"]),
    ]
    x = "x0"
    for layer in range(LAYERS):
        p = f"l{layer}_"
        nodes += [n("LayerNormalization", [x, p + "ln1_g", p + "ln1_b"], [p + "h"], axis=-1, epsilon=1e-5)]
        for part in ("q", "k", "v"):
            nodes += [
                n("MatMul", [p + "h", p + part], [p + part + "_raw"]),
                n("Add", [p + part + "_raw", p + part + "b"], [p + part + "_flat"]),
                n("Reshape", [p + part + "_flat", "heads_shape"], [p + part + "_heads"]),
                n("Transpose", [p + part + "_heads"], [p + part + "_t"],
                  perm=[0, 2, 3, 1] if part == "k" else [0, 2, 1, 3]),
            ]
        nodes += [
            n("MatMul", [p + "q_t", p + "k_t"], [p + "scores_raw"]),
            n("Mul", [p + "scores_raw", "scale"], [p + "scores"]),
            n("Softmax", [p + "scores"], [p + "attention"], axis=-1),
            n("MatMul", [p + "attention", p + "v_t"], [p + "context_heads"]),
            n("Transpose", [p + "context_heads"], [p + "context_t"], perm=[0, 2, 1, 3]),
            n("Reshape", [p + "context_t", "merge_shape"], [p + "context"]),
            n("MatMul", [p + "context", p + "o"], [p + "attn_raw"]),
            n("Add", [p + "attn_raw", p + "ob"], [p + "attn"]),
            n("Add", [x, p + "attn"], [p + "x1"]),
            n("LayerNormalization", [p + "x1", p + "ln2_g", p + "ln2_b"], [p + "h2"], axis=-1, epsilon=1e-5),
            n("MatMul", [p + "h2", p + "fc1"], [p + "fc1_raw"]),
            n("Add", [p + "fc1_raw", p + "fc1b"], [p + "fc1_out"]),
            # GELU as exporters write it: x * (1 + erf(x / sqrt(2))) / 2
            n("Div", [p + "fc1_out", "sqrt2"], [p + "gelu_in"]),
            n("Erf", [p + "gelu_in"], [p + "gelu_erf"]),
            n("Add", [p + "gelu_erf", "unit"], [p + "gelu_1p"]),
            n("Mul", [p + "fc1_out", p + "gelu_1p"], [p + "gelu_x"]),
            n("Mul", [p + "gelu_x", "half"], [p + "gelu"]),
            n("MatMul", [p + "gelu", p + "fc2"], [p + "fc2_raw"]),
            n("Add", [p + "fc2_raw", p + "fc2b"], [p + "mlp"]),
            n("Add", [p + "x1", p + "mlp"], [p + "x2"]),
        ]
        x = p + "x2"
    nodes += [n("LayerNormalization", [x, "final_g", "final_b"], ["hidden"], axis=-1, epsilon=1e-5)]
    if variant == "tokens":
        nodes += [n("Identity", ["hidden"], ["last_hidden_state"])]
        output = helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, ["batch", tokens, DIM])
    else:
        nodes += [n("Gather", ["hidden", "first"], ["cls_only"], axis=1),
                  n("Reshape", ["cls_only", "merge_shape"], ["cls_3d"]),
                  n("Flatten", ["cls_3d"], ["image_embeds"], axis=1)]
        output = helper.make_tensor_value_info("image_embeds", TensorProto.FLOAT, ["batch", DIM])
    graph = helper.make_graph(nodes, "user-vit-" + variant,
                              [helper.make_tensor_value_info("pixel_values", TensorProto.FLOAT, ["batch", 3, size, size])],
                              [output], initializer=init)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="test")
    model.ir_version = 8
    onnx.checker.check_model(model)
    with open(out, "wb") as f:
        f.write(model.SerializeToString(deterministic=True))


def layer_norm(x, g, b):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + 1e-5) * g + b


def reference(size, pixels):
    """The [CLS] output of the encoder, computed in float64 numpy without ONNX."""
    w = {k: v.astype(np.float64) for k, v in weights(size).items()}
    count = pixels.shape[0]
    side = size // PATCH
    head = DIM // HEADS
    blocks = pixels.reshape(count, 3, side, PATCH, side, PATCH).transpose(0, 2, 4, 1, 3, 5).reshape(count, side * side, -1)
    x = blocks @ w["patch_w"].reshape(DIM, -1).T + w["patch_b"]
    x = np.concatenate([np.repeat(w["cls"], count, 0), x], 1) + w["pos"]
    erf = np.vectorize(math.erf)
    for layer in range(LAYERS):
        p = f"l{layer}_"
        h = layer_norm(x, w[p + "ln1_g"], w[p + "ln1_b"])
        q, k, v = ((h @ w[p + t] + w[p + t + "b"]).reshape(count, -1, HEADS, head).transpose(0, 2, 1, 3) for t in "qkv")
        scores = q @ k.transpose(0, 1, 3, 2) / math.sqrt(head)
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        attention = scores / scores.sum(-1, keepdims=True)
        context = (attention @ v).transpose(0, 2, 1, 3).reshape(count, -1, DIM)
        x = x + context @ w[p + "o"] + w[p + "ob"]
        h = layer_norm(x, w[p + "ln2_g"], w[p + "ln2_b"]) @ w[p + "fc1"] + w[p + "fc1b"]
        x = x + (0.5 * h * (1 + erf(h / math.sqrt(2)))) @ w[p + "fc2"] + w[p + "fc2b"]
    return layer_norm(x, w["final_g"], w["final_b"])[:, 0, :]


if __name__ == "__main__":
    if sys.argv[1] == "--reference":
        size, count = int(sys.argv[2]), int(sys.argv[4])
        pixels = np.fromfile(sys.argv[3], dtype="<f4").reshape(count, 3, size, size).astype(np.float64)
        reference(size, pixels).astype("<f4").tofile(sys.argv[5])
    else:
        write(sys.argv[1], int(sys.argv[2]), sys.argv[3])
