#!/usr/bin/python3
"""Generates the built-in embedding models as ONNX graphs, reproducibly (byte-identical on every run).

Run with Debian's interpreter, which has python3-onnx:  /usr/bin/python3 tools/models/generate_models.py [OUT_DIR]
Default OUT_DIR: src/main/resources/models

Both models take  image: float32 [N, 3, S, S]  (RGB in [0, 1], S = INPUT_SIZE)
and return        embedding: float32 [N, D]     (L2-normalised).

color     (D = 512): a soft joint histogram over an opponent colour space (red-green, yellow-blue,
          intensity; 8 triangular bins each, so near colours share bins), with near-white pixels
          weighted down because product photos sit on white. Square-rooted (Hellinger), so the inner
          product of two vectors is the Bhattacharyya coefficient of their colour distributions.
          Layout plays no part: pixels are pooled over the whole image.
structure (D = 200): orientation histograms of edges over a spatial pyramid (4x4 overlapping cells,
          2x2 cells, whole image), plus a coarse 8x8 silhouette (where the object is against the white
          background). Edges come from the colour structure tensor (Sobel on R, G and B, summed as gx*gx,
          gy*gy, gx*gy), so a yellow shape on white has the same edges as a blue one; orientation is binned
          softly from the doubled angle, which needs no atan. Both parts are made mirror-symmetric (the
          responses of the horizontally flipped picture are added), so a flipped copy of a photo gets the
          same vector. Edges power- and L2-normalised, silhouette L2-normalised, then weighted 0.92 : 0.4
          (SILHOUETTE_SHARE) and L2-normalised, so overall contrast (and hence colour) does not change it.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

INPUT_SIZE = 64
OPSET = 17
IR_VERSION = 8
COLOR_BINS = 8
ORIENTATIONS = 8
EDGE_NOISE_FLOOR = 0.15
EPS = 1e-12
# Pixels whose darkest channel is above WHITE_LEVEL are background; WHITE_SLOPE makes the edge soft.
WHITE_LEVEL = 0.92
WHITE_SLOPE = 8.0
SILHOUETTE_GRID = 8
# Weight of the silhouette against the edge histograms (as a share of the unit vector's length).
SILHOUETTE_SHARE = 0.4


def const(name, array):
    return numpy_helper.from_array(np.asarray(array, dtype=np.float32), name)


def ints(name, values):
    return numpy_helper.from_array(np.asarray(values, dtype=np.int64), name)


def io_specs():
    image = helper.make_tensor_value_info("image", TensorProto.FLOAT, ["N", 3, INPUT_SIZE, INPUT_SIZE])
    return image


def finish(name, nodes, initializers, dimension, model_id, description):
    image = io_specs()
    embedding = helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["N", dimension])
    graph = helper.make_graph(nodes, name, [image], [embedding], initializer=initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="faiss-shard-builder", producer_version="1")
    model.ir_version = IR_VERSION
    model.doc_string = description
    for key, value in (("model_id", model_id), ("input_size", str(INPUT_SIZE)), ("dimension", str(dimension)),
                       ("input_layout", "NCHW RGB [0,1]")):
        entry = model.metadata_props.add()
        entry.key = key
        entry.value = value
    onnx.checker.check_model(model)
    return model


def l2_normalise(nodes, source, target):
    nodes += [
        helper.make_node("Mul", [source, source], [target + "_sq"]),
        helper.make_node("ReduceSum", [target + "_sq", "axis1"], [target + "_ss"], keepdims=1),
        helper.make_node("Add", [target + "_ss", "eps"], [target + "_ss_eps"]),
        helper.make_node("Sqrt", [target + "_ss_eps"], [target + "_norm"]),
        helper.make_node("Div", [source, target + "_norm"], [target]),
    ]


def color_model():
    bins = COLOR_BINS
    # Opponent coordinates scaled to [0, 1]: (R-G)/2+.5, (R+G)/4-B/2+.5, (R+G+B)/3
    opponent = np.array([[0.5, -0.5, 0.0], [0.25, 0.25, -0.5], [1 / 3, 1 / 3, 1 / 3]], dtype=np.float32)
    offset = np.array([[0.5], [0.5], [0.0]], dtype=np.float32)
    centres = ((np.arange(bins, dtype=np.float32) + 0.5)).reshape(bins, 1)
    init = [
        const("opponent", opponent), const("offset", offset), const("centres", centres),
        const("bins", bins), const("one", 1.0), const("eps", EPS),
        const("white_level", WHITE_LEVEL), const("white_slope", WHITE_SLOPE), const("weight_floor", 0.02),
        const("weight_scale", 0.98), const("zero", 0.0),
        ints("flat_shape", [0, 3, -1]), ints("pair_shape", [0, bins * bins, -1]),
        ints("out_shape", [0, bins ** 3]), ints("axis1", [1]), ints("axis2", [2]),
    ]
    nodes = [
        helper.make_node("Reshape", ["image", "flat_shape"], ["flat"]),
        helper.make_node("MatMul", ["opponent", "flat"], ["opp_raw"]),
        helper.make_node("Add", ["opp_raw", "offset"], ["opp"]),
        # Pixel weight: 0.02 for near-white background, 1 for anything with colour or darkness.
        helper.make_node("ReduceMin", ["flat"], ["darkest"], axes=[1], keepdims=1),
        helper.make_node("Sub", ["white_level", "darkest"], ["below_white"]),
        helper.make_node("Mul", ["below_white", "white_slope"], ["weight_raw"]),
        helper.make_node("Clip", ["weight_raw", "zero", "one"], ["weight_clipped"]),
        helper.make_node("Mul", ["weight_clipped", "weight_scale"], ["weight_scaled"]),
        helper.make_node("Add", ["weight_scaled", "weight_floor"], ["weight"]),
        helper.make_node("Split", ["opp"], ["c1", "c2", "c3"], axis=1),
    ]
    for channel in ("c1", "c2", "c3"):
        # Triangular membership: max(0, 1 - |x*bins - (k + .5)|)
        nodes += [
            helper.make_node("Mul", [channel, "bins"], [channel + "_scaled"]),
            helper.make_node("Sub", [channel + "_scaled", "centres"], [channel + "_delta"]),
            helper.make_node("Abs", [channel + "_delta"], [channel + "_dist"]),
            helper.make_node("Sub", ["one", channel + "_dist"], [channel + "_tri"]),
            helper.make_node("Relu", [channel + "_tri"], [channel + "_m"]),
        ]
    nodes += [
        helper.make_node("Mul", ["c1_m", "weight"], ["c1_w"]),
        helper.make_node("Unsqueeze", ["c1_w", "axis2"], ["c1_u"]),
        helper.make_node("Unsqueeze", ["c2_m", "axis1"], ["c2_u"]),
        helper.make_node("Mul", ["c1_u", "c2_u"], ["pair"]),
        helper.make_node("Reshape", ["pair", "pair_shape"], ["pair_flat"]),
        helper.make_node("Transpose", ["c3_m"], ["c3_t"], perm=[0, 2, 1]),
        helper.make_node("MatMul", ["pair_flat", "c3_t"], ["joint"]),
        helper.make_node("Reshape", ["joint", "out_shape"], ["hist"]),
        helper.make_node("ReduceSum", ["hist", "axis1"], ["mass"], keepdims=1),
        helper.make_node("Add", ["mass", "eps"], ["mass_eps"]),
        helper.make_node("Div", ["hist", "mass_eps"], ["distribution"]),
        helper.make_node("Sqrt", ["distribution"], ["hellinger"]),
    ]
    l2_normalise(nodes, "hellinger", "embedding")
    return finish("color", nodes, init, bins ** 3, "builtin-color-v1",
                  "Soft joint opponent-colour histogram (8x8x8), background-weighted, Hellinger, L2-normalised")


def structure_model():
    sobel_x = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=np.float32) / 4
    sobel_y = sobel_x.T.copy()
    angles = np.arange(ORIENTATIONS, dtype=np.float32) * (2 * np.pi / ORIENTATIONS)  # doubled angles
    directions = np.stack([np.cos(angles), np.sin(angles)], axis=1).reshape(ORIENTATIONS, 2, 1, 1)
    init = [
        const("sobel_x", np.tile(sobel_x, (3, 1, 1, 1))), const("sobel_y", np.tile(sobel_y, (3, 1, 1, 1))),
        const("directions", directions), const("two", 2.0), const("eps", EPS), const("tiny", 1e-6),
        const("noise_floor", EDGE_NOISE_FLOOR), const("level2_weight", 0.7), const("level1_weight", 0.5),
        ints("pads", [0, 0, 1, 1, 0, 0, 1, 1]), ints("axis1", [1]),
        const("white_level", WHITE_LEVEL), const("white_slope", WHITE_SLOPE), const("zero", 0.0), const("one", 1.0),
        const("edge_share", np.sqrt(1 - SILHOUETTE_SHARE ** 2)), const("silhouette_share", SILHOUETTE_SHARE),
        ints("mirror_starts", [-1]), ints("mirror_ends", [-(2 ** 62)]), ints("axis3", [3]), ints("minus_one", [-1]),
        ints("zero_i", [0]), ints("half", [SILHOUETTE_GRID // 2]),
        ints("mirrored_bins", [(-k) % ORIENTATIONS for k in range(ORIENTATIONS)]),
    ]
    cell = INPUT_SIZE // SILHOUETTE_GRID
    nodes = [
        # Replicate the border so that the frame of the picture is not an edge.
        helper.make_node("Pad", ["image", "pads"], ["padded"], mode="edge"),
        helper.make_node("Conv", ["padded", "sobel_x"], ["gx"], group=3),
        helper.make_node("Conv", ["padded", "sobel_y"], ["gy"], group=3),
        helper.make_node("Mul", ["gx", "gx"], ["gxx"]),
        helper.make_node("Mul", ["gy", "gy"], ["gyy"]),
        helper.make_node("Mul", ["gx", "gy"], ["gxy"]),
        helper.make_node("ReduceSum", ["gxx", "axis1"], ["jxx"], keepdims=1),
        helper.make_node("ReduceSum", ["gyy", "axis1"], ["jyy"], keepdims=1),
        helper.make_node("ReduceSum", ["gxy", "axis1"], ["jxy"], keepdims=1),
        helper.make_node("Sub", ["jxx", "jyy"], ["dbl_cos_raw"]),
        helper.make_node("Mul", ["jxy", "two"], ["dbl_sin_raw"]),
        helper.make_node("Add", ["jxx", "jyy"], ["energy_raw"]),
        helper.make_node("Add", ["energy_raw", "tiny"], ["energy"]),
        helper.make_node("Sqrt", ["energy"], ["magnitude"]),
        helper.make_node("Sub", ["magnitude", "noise_floor"], ["above_floor"]),
        helper.make_node("Relu", ["above_floor"], ["strength"]),
        helper.make_node("Div", ["dbl_cos_raw", "energy"], ["dbl_cos"]),
        helper.make_node("Div", ["dbl_sin_raw", "energy"], ["dbl_sin"]),
        helper.make_node("Concat", ["dbl_cos", "dbl_sin"], ["doubled"], axis=1),
        helper.make_node("Conv", ["doubled", "directions"], ["alignment"]),
        helper.make_node("Relu", ["alignment"], ["aligned"]),
        helper.make_node("Mul", ["aligned", "aligned"], ["sharpened"]),
        helper.make_node("Mul", ["sharpened", "strength"], ["oriented"]),
        # Mirror symmetry: add the responses of the horizontally flipped picture (columns reversed, and
        # the doubled angle 2t becoming -2t, i.e. bin k becoming bin -k), so a flipped copy of a product
        # photo gets the same vector and a shape is recognised whichever way it faces.
        helper.make_node("Slice", ["oriented", "mirror_starts", "mirror_ends", "axis3", "minus_one"], ["oriented_flipped"]),
        helper.make_node("Gather", ["oriented_flipped", "mirrored_bins"], ["oriented_mirror"], axis=1),
        helper.make_node("Add", ["oriented", "oriented_mirror"], ["responses"]),
        # Spatial pyramid: 4x4 half-overlapping cells, 2x2 cells, whole image.
        helper.make_node("AveragePool", ["responses"], ["cells4"], kernel_shape=[32, 32], strides=[16, 16],
                         pads=[8, 8, 8, 8], count_include_pad=0),
        helper.make_node("AveragePool", ["responses"], ["cells2"], kernel_shape=[32, 32], strides=[32, 32]),
        helper.make_node("ReduceMean", ["responses"], ["cells1"], axes=[2, 3], keepdims=0),
        helper.make_node("Flatten", ["cells4"], ["level4"], axis=1),
        helper.make_node("Flatten", ["cells2"], ["level2_raw"], axis=1),
        helper.make_node("Mul", ["level2_raw", "level2_weight"], ["level2"]),
        helper.make_node("Mul", ["cells1", "level1_weight"], ["level1"]),
        helper.make_node("Concat", ["level4", "level2", "level1"], ["pyramid"], axis=1),
        helper.make_node("Add", ["pyramid", "eps"], ["pyramid_eps"]),
        helper.make_node("Sqrt", ["pyramid_eps"], ["powered"]),
        # Silhouette: where the object is (anything darker or more colourful than the white background),
        # pooled to a coarse grid and, like the edges, mirrored onto itself; it tells a ring (hollow
        # centre) from a disc, whose outer edges are alike.
        helper.make_node("ReduceMin", ["image"], ["darkest"], axes=[1], keepdims=1),
        helper.make_node("Sub", ["white_level", "darkest"], ["below_white"]),
        helper.make_node("Mul", ["below_white", "white_slope"], ["mask_raw"]),
        helper.make_node("Clip", ["mask_raw", "zero", "one"], ["mask"]),
        helper.make_node("AveragePool", ["mask"], ["mask_grid"], kernel_shape=[cell, cell], strides=[cell, cell]),
        helper.make_node("Slice", ["mask_grid", "mirror_starts", "mirror_ends", "axis3", "minus_one"], ["mask_mirror"]),
        helper.make_node("Add", ["mask_grid", "mask_mirror"], ["mask_symmetric"]),
        helper.make_node("Slice", ["mask_symmetric", "zero_i", "half", "axis3"], ["mask_half"]),
        helper.make_node("Flatten", ["mask_half"], ["silhouette"], axis=1),
    ]
    l2_normalise(nodes, "powered", "edges_unit")
    l2_normalise(nodes, "silhouette", "silhouette_unit")
    nodes += [
        helper.make_node("Mul", ["edges_unit", "edge_share"], ["edges_part"]),
        helper.make_node("Mul", ["silhouette_unit", "silhouette_share"], ["silhouette_part"]),
        helper.make_node("Concat", ["edges_part", "silhouette_part"], ["structure"], axis=1),
    ]
    dimension = ORIENTATIONS * (16 + 4 + 1) + SILHOUETTE_GRID * SILHOUETTE_GRID // 2
    l2_normalise(nodes, "structure", "embedding")
    return finish("structure", nodes, init, dimension, "builtin-structure-v2",
                  "Colour-structure-tensor edge orientation histograms over a 4x4/2x2/1x1 pyramid plus a "
                  "mirror-symmetric 8x8 silhouette, L2-normalised")


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join("src", "main", "resources", "models")
    os.makedirs(out_dir, exist_ok=True)
    for name, model in (("color", color_model()), ("structure", structure_model())):
        path = os.path.join(out_dir, name + ".onnx")
        with open(path, "wb") as out:
            out.write(model.SerializeToString(deterministic=True))
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
