#!/usr/bin/python3
"""Generates the built-in embedding models as ONNX graphs, reproducibly (byte-identical on every run).

Run with Debian's interpreter, which has python3-onnx:  /usr/bin/python3 tools/models/generate_models.py [OUT_DIR]
Default OUT_DIR: src/main/resources/models

Both models take  image: float32 [N, 3, S, S]  (RGB in [0, 1], S = INPUT_SIZE; the picture's longer side
                  fills S and the margin has the median colour of the picture's edge: metadata "resize" = "pad")
and return        embedding: float32 [N, D]     (L2-normalised).

Both first find the object: the backdrop is a plane per channel (a + b x + c y) fitted to a ring of
border pixels, so white, tinted and gradient backdrops all fit, and a pixel is foreground as far as its
largest channel difference from that plane exceeds MASK_LOW (fully at MASK_HIGH). The fit is robust
(least squares, then BACKDROP_REFITS reweighted refits that down-weight ring pixels far from the
previous plane), so an object lying against the frame, as in a crop through it, does not pull the
backdrop towards its own colour and spoil the mask.

color     (D = 512): a soft joint histogram over an opponent colour space (red-green, yellow-blue,
          intensity; 8 triangular bins each, so near colours share bins) of the object's pixels (backdrop
          pixels weigh COLOR_BACKGROUND_WEIGHT), after dividing the picture by the chromaticity of the
          fitted backdrop (a white balance: a warmer copy of a photo keeps its colours). Square-rooted
          (Hellinger), so the inner product of two vectors is the Bhattacharyya coefficient of their
          colour distributions.
structure (D = 652): the object's shape whatever its position, scale, in-plane rotation, mirror image
          and colour. The mask is resampled (GridSample) on a polar grid about its centroid, out to
          POLAR_REACH times its radius of gyration: translation and scale drop out. Around every ring, the
          magnitudes of the angular Fourier coefficients 0..HARMONICS (fixed DFT matrices) of the
          silhouette and of its edge strength: a rotation shifts a ring (phase only), a mirror image
          reverses it (conjugate), magnitudes stay. Edge orientation relative to the ray through each
          sample, in RADIAL_BANDS bands: rotation-invariant, and mirror-invariant through |sin|. And, lightly
          weighted, the upright edge-orientation histogram (mirror-symmetric), the one part that follows
          the picture's own frame: it tells an upright square from a diamond when both are shown upright,
          and helps a photo find its own copies. Parts L2-normalised, weighted by PART_WEIGHTS, joined,
          L2-normalised. Edges are those of the mask, not of the colours, so colour plays no part.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
IR_VERSION = 8
COLOR_BINS = 8
ORIENTATIONS = 8
EPS = 1e-12
# Both models take the picture padded to a square (longer side INPUT_SIZE, margin in the backdrop's colour).
INPUT_SIZE = 64
# Width in pixels of the border ring the backdrop plane is fitted to.
BORDER_RING = 2
# Largest channel difference from the backdrop at which a pixel starts to be, and is fully, foreground.
MASK_LOW = 0.10
MASK_HIGH = 0.22
# Robust backdrop fit: weighted refits after the least-squares one, the residual scale of the ring pixels'
# weights 1 / (1 + (d / scale)^2), and a small ridge on the slopes (a ring whose pixels are nearly all
# the object's still gives a flat backdrop rather than a wild one).
BACKDROP_REFITS = 3
BACKDROP_SCALE = 0.05
BACKDROP_RIDGE = 1.0
# Weight of backdrop pixels in the colour histogram (the object's pixels weigh 1).
COLOR_BACKGROUND_WEIGHT = 0.02
# Polar resampling about the centroid: rings out to POLAR_REACH gyration radii, rays around.
POLAR_RINGS = 24
POLAR_RAYS = 64
POLAR_REACH = 2.6
HARMONICS = 12
RADIAL_BANDS = 4
RELATIVE_ORIENTATIONS = 5
# Share of each part in the structure vector (each part L2-normalised first).
PART_WEIGHTS = {"silhouette": 1.0, "edges": 0.7, "orientation": 0.8, "pose": 0.5}


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
                       ("input_layout", "NCHW RGB [0,1]"), ("resize", "pad")):
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


def foreground_mask(nodes, init, source, prefix):
    """A soft mask of the object in `source` [N, 3, S, S]: the background is a plane per channel fitted to
    a ring of border pixels (so white, tinted and gradient backdrops all fit), robustly: a least-squares
    fit, then BACKDROP_REFITS refits by weighted least squares in which each ring pixel weighs
    1 / (1 + (d / BACKDROP_SCALE)^2), d its largest channel difference from the previous plane, so that an
    object lying against the frame (a crop through it) is not taken for backdrop. A pixel is foreground as
    far as its largest channel difference from the plane passes MASK_LOW .. MASK_HIGH. Returns the mask
    [N, 1, S, S] and the backdrop's plane coefficients [N, 3, 3] (channel x (1, x, y); the first column
    is the backdrop's colour at the centre, and its mean over the ring)."""
    size = INPUT_SIZE
    coords = (2 * np.arange(size, dtype=np.float64) + 1) / size - 1
    ys, xs = np.meshgrid(coords, coords, indexing="ij")
    basis = np.stack([np.ones(size * size), xs.ravel(), ys.ravel()], axis=1)
    ring = np.zeros((size, size), dtype=bool)
    ring[:BORDER_RING, :] = ring[-BORDER_RING:, :] = ring[:, :BORDER_RING] = ring[:, -BORDER_RING:] = True
    ring_index = np.flatnonzero(ring.ravel())
    ring_basis = basis[ring_index]  # [P, 3]
    fit = np.linalg.solve(ring_basis.T @ ring_basis, ring_basis.T)  # [3, P]: plane coefficients from ring pixels
    # Products of basis functions per ring pixel, for the weighted normal equations: 1, x, y, xx, xy, yy.
    bx, by = ring_basis[:, 1], ring_basis[:, 2]
    products = np.stack([np.ones_like(bx), bx, by, bx * bx, bx * by, by * by], axis=1)
    init += [
        ints(prefix + "ring_index", ring_index), const(prefix + "fit_t", fit.T),
        const(prefix + "ring_basis", ring_basis), const(prefix + "ring_basis_t", ring_basis.T),
        const(prefix + "products", products), const(prefix + "basis_t", basis.T),
        const(prefix + "ridge", np.array([0, 0, 0, BACKDROP_RIDGE, 0, BACKDROP_RIDGE]).reshape(1, 1, 6)),
        const(prefix + "inv_scale", 1 / BACKDROP_SCALE),
        ints(prefix + "flat_shape", [0, 3, -1]), ints(prefix + "image_shape", [0, 3, size, size]),
        ints(prefix + "square_shape", [0, 3, 3]),
        const(prefix + "mask_low", MASK_LOW), const(prefix + "mask_gain", 1 / (MASK_HIGH - MASK_LOW)),
        const(prefix + "zero", 0.0), const(prefix + "one", 1.0),
    ]
    p = prefix
    nodes += [
        helper.make_node("Reshape", [source, p + "flat_shape"], [p + "flat"]),
        helper.make_node("Gather", [p + "flat", p + "ring_index"], [p + "ring"], axis=2),
        helper.make_node("MatMul", [p + "ring", p + "fit_t"], [p + "plane0"]),
    ]
    plane = p + "plane0"
    for refit in range(1, BACKDROP_REFITS + 1):
        q = f"{p}r{refit}_"
        nodes += [
            # Weights from the previous plane's residuals on the ring.
            helper.make_node("MatMul", [plane, p + "ring_basis_t"], [q + "fitted"]),
            helper.make_node("Sub", [p + "ring", q + "fitted"], [q + "residual"]),
            helper.make_node("Abs", [q + "residual"], [q + "distance"]),
            helper.make_node("ReduceMax", [q + "distance"], [q + "farthest"], axes=[1], keepdims=1),
            helper.make_node("Mul", [q + "farthest", p + "inv_scale"], [q + "scaled"]),
            helper.make_node("Mul", [q + "scaled", q + "scaled"], [q + "scaled2"]),
            helper.make_node("Add", [q + "scaled2", p + "one"], [q + "cauchy"]),
            helper.make_node("Reciprocal", [q + "cauchy"], [q + "weight"]),  # [N, 1, P]
            # Weighted normal equations: A (symmetric 3 x 3, from six moments) and the right-hand sides.
            helper.make_node("MatMul", [q + "weight", p + "products"], [q + "moments_raw"]),  # [N, 1, 6]
            helper.make_node("Add", [q + "moments_raw", p + "ridge"], [q + "moments"]),
            helper.make_node("Split", [q + "moments"], [q + m for m in ("a", "b", "c", "d", "e", "f")], axis=2),
            helper.make_node("Mul", [p + "ring", q + "weight"], [q + "weighted"]),
            helper.make_node("MatMul", [q + "weighted", p + "ring_basis"], [q + "rhs"]),  # [N, 3, 3]
        ]
        # The inverse of A = [[a b c] [b d e] [c e f]] by cofactors (no matrix inverse among ONNX's
        # standard operators): adj / det.
        def product(name, left, right):
            nodes.append(helper.make_node("Mul", [q + left, q + right], [q + name]))

        def difference(name, plus, minus):
            nodes.append(helper.make_node("Sub", [q + plus, q + minus], [q + name]))

        for name, (l1, r1), (l2, r2) in (("A11", ("d", "f"), ("e", "e")), ("A12", ("c", "e"), ("b", "f")),
                                         ("A13", ("b", "e"), ("c", "d")), ("A22", ("a", "f"), ("c", "c")),
                                         ("A23", ("b", "c"), ("a", "e")), ("A33", ("a", "d"), ("b", "b"))):
            product(name + "_p", l1, r1)
            product(name + "_m", l2, r2)
            difference(name, name + "_p", name + "_m")
        product("det_1", "a", "A11")
        product("det_2", "b", "A12")
        product("det_3", "c", "A13")
        nodes += [
            helper.make_node("Add", [q + "det_1", q + "det_2"], [q + "det_12"]),
            helper.make_node("Add", [q + "det_12", q + "det_3"], [q + "det"]),
            helper.make_node("Concat", [q + n for n in ("A11", "A12", "A13", "A12", "A22", "A23", "A13", "A23", "A33")],
                             [q + "adjugate_flat"], axis=2),
            helper.make_node("Div", [q + "adjugate_flat", q + "det"], [q + "inverse_flat"]),
            helper.make_node("Reshape", [q + "inverse_flat", p + "square_shape"], [q + "inverse"]),
            # Rows of rhs are channels: coefficients = rhs A^-1 (A symmetric).
            helper.make_node("MatMul", [q + "rhs", q + "inverse"], [q + "plane"]),
        ]
        plane = q + "plane"
    nodes += [
        helper.make_node("MatMul", [plane, p + "basis_t"], [p + "background_flat"]),
        helper.make_node("Reshape", [p + "background_flat", p + "image_shape"], [p + "background"]),
        helper.make_node("Sub", [source, p + "background"], [p + "residual"]),
        helper.make_node("Abs", [p + "residual"], [p + "distance"]),
        helper.make_node("ReduceMax", [p + "distance"], [p + "farthest"], axes=[1], keepdims=1),
        helper.make_node("Sub", [p + "farthest", p + "mask_low"], [p + "above_low"]),
        helper.make_node("Mul", [p + "above_low", p + "mask_gain"], [p + "ramp"]),
        helper.make_node("Clip", [p + "ramp", p + "zero", p + "one"], [p + "mask"]),
    ]
    return p + "mask", plane


def color_model():
    bins = COLOR_BINS
    # Opponent coordinates scaled to [0, 1]: (R-G)/2+.5, (R+G)/4-B/2+.5, (R+G+B)/3
    opponent = np.array([[0.5, -0.5, 0.0], [0.25, 0.25, -0.5], [1 / 3, 1 / 3, 1 / 3]], dtype=np.float32)
    offset = np.array([[0.5], [0.5], [0.0]], dtype=np.float32)
    centres = ((np.arange(bins, dtype=np.float32) + 0.5)).reshape(bins, 1)
    init = [
        const("opponent", opponent), const("offset", offset), const("centres", centres),
        const("bins", bins), const("one", 1.0), const("eps", EPS), const("zero", 0.0),
        const("weight_floor", COLOR_BACKGROUND_WEIGHT), const("weight_scale", 1 - COLOR_BACKGROUND_WEIGHT),
        ints("flat_shape", [0, 3, -1]), ints("weight_shape", [0, 1, -1]), ints("pair_shape", [0, bins * bins, -1]),
        ints("out_shape", [0, bins ** 3]), ints("axis1", [1]), ints("axis2", [2]), ints("first", [0]), ints("second", [1]),
        ints("backdrop_shape", [0, 3, 1, 1]),
    ]
    nodes = []
    mask, plane = foreground_mask(nodes, init, "image", "fg_")
    nodes += [
        # White balance: divide by the chromaticity of the backdrop (its fitted colour at the centre, which
        # is its mean over the ring, over its own grey level), so a warmer or cooler copy of a photo keeps
        # its colours, as the eye would see them. The robust fit keeps an object on the edge out of it.
        helper.make_node("Slice", [plane, "first", "second", "axis2"], ["backdrop_column"]),
        helper.make_node("Reshape", ["backdrop_column", "backdrop_shape"], ["backdrop"]),
        helper.make_node("ReduceMean", ["backdrop"], ["backdrop_grey"], axes=[1], keepdims=1),
        helper.make_node("Add", ["backdrop", "eps"], ["backdrop_eps"]),
        helper.make_node("Div", ["backdrop_grey", "backdrop_eps"], ["balance"]),
        helper.make_node("Mul", ["image", "balance"], ["balanced_raw"]),
        helper.make_node("Clip", ["balanced_raw", "zero", "one"], ["balanced"]),
        helper.make_node("Reshape", ["balanced", "flat_shape"], ["flat"]),
        helper.make_node("MatMul", ["opponent", "flat"], ["opp_raw"]),
        helper.make_node("Add", ["opp_raw", "offset"], ["opp"]),
        # Pixel weight: the object counts fully, the backdrop a little.
        helper.make_node("Reshape", [mask, "weight_shape"], ["mask_flat"]),
        helper.make_node("Mul", ["mask_flat", "weight_scale"], ["weight_scaled"]),
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
    return finish("color", nodes, init, bins ** 3, "builtin-color-v3",
                  "Soft joint opponent-colour histogram (8x8x8) of the object (foreground mask from a plane "
                  "fitted robustly to the border), white-balanced by the backdrop, Hellinger, L2-normalised")


def structure_model():
    size = INPUT_SIZE
    rings, rays, harmonics = POLAR_RINGS, POLAR_RAYS, HARMONICS
    sobel_x = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=np.float32) / 4
    coords = (2 * np.arange(size, dtype=np.float64) + 1) / size - 1
    ys, xs = np.meshgrid(coords, coords, indexing="ij")
    radii = (np.arange(rings) + 0.5) / rings * POLAR_REACH
    theta = 2 * np.pi * np.arange(rays) / rays
    offsets = np.stack([np.outer(radii, np.cos(theta)), np.outer(radii, np.sin(theta))], axis=-1)
    k = np.arange(harmonics + 1)
    dft_cos = np.cos(np.outer(theta, k)) / rays
    dft_sin = np.sin(np.outer(theta, k)) / rays
    relative = np.linspace(0, np.pi, RELATIVE_ORIENTATIONS)  # doubled angle to the radius, 0..pi
    rel_dirs = np.stack([np.cos(relative), np.sin(relative)], axis=1).reshape(-1, 2, 1, 1)
    angles = np.arange(ORIENTATIONS) * (2 * np.pi / ORIENTATIONS)  # doubled angles
    abs_dirs = np.stack([np.cos(angles), np.sin(angles)], axis=1).reshape(ORIENTATIONS, 2, 1, 1)
    init = [
        const("sobel", np.stack([sobel_x, sobel_x.T]).reshape(2, 1, 3, 3)),
        const("xs", xs.reshape(1, 1, size, size)), const("ys", ys.reshape(1, 1, size, size)),
        const("r2", (xs * xs + ys * ys).reshape(1, 1, size, size)), const("offsets", offsets.reshape(1, rings, rays, 2)),
        const("dft_cos", dft_cos), const("dft_sin", dft_sin),
        const("cos2t", np.cos(2 * theta).reshape(1, 1, 1, rays)), const("sin2t", np.sin(2 * theta).reshape(1, 1, 1, rays)),
        const("rel_dirs", rel_dirs), const("abs_dirs", abs_dirs), const("two", 2.0), const("eps", EPS),
        const("tiny", 1e-6), const("small_area", 1e-6), const("min_spread", 1e-8),
        ints("pads", [0, 0, 1, 1, 0, 0, 1, 1]), ints("axis1", [1]), ints("axes123", [1, 2, 3]),
        ints("mirrored_bins", [(-b) % ORIENTATIONS for b in range(ORIENTATIONS)]),
    ]
    for part, weight in PART_WEIGHTS.items():
        init.append(const("weight_" + part, weight))
    nodes = []
    mask, _ = foreground_mask(nodes, init, "image", "fg_")
    nodes += [
        # Where the object is and how large: centroid and radius of gyration of the mask, in the
        # [-1, 1] coordinates GridSample uses.
        helper.make_node("ReduceSum", [mask, "axes123"], ["area_raw"], keepdims=1),
        helper.make_node("Add", ["area_raw", "small_area"], ["area"]),
        helper.make_node("Mul", [mask, "xs"], ["mx_"]),
        helper.make_node("Mul", [mask, "ys"], ["my_"]),
        helper.make_node("Mul", [mask, "r2"], ["mr_"]),
        helper.make_node("ReduceSum", ["mx_", "axes123"], ["sx"], keepdims=1),
        helper.make_node("ReduceSum", ["my_", "axes123"], ["sy"], keepdims=1),
        helper.make_node("ReduceSum", ["mr_", "axes123"], ["sr"], keepdims=1),
        helper.make_node("Div", ["sx", "area"], ["cx"]),
        helper.make_node("Div", ["sy", "area"], ["cy"]),
        helper.make_node("Div", ["sr", "area"], ["r2_mean"]),
        helper.make_node("Mul", ["cx", "cx"], ["cx2"]),
        helper.make_node("Mul", ["cy", "cy"], ["cy2"]),
        helper.make_node("Sub", ["r2_mean", "cx2"], ["spread_x"]),
        helper.make_node("Sub", ["spread_x", "cy2"], ["spread_raw"]),
        helper.make_node("Max", ["spread_raw", "min_spread"], ["spread"]),
        helper.make_node("Sqrt", ["spread"], ["gyration"]),
        # Polar grid about the centroid, scaled by the gyration radius: translation and scale drop out.
        helper.make_node("Concat", ["cx", "cy"], ["centre"], axis=3),
        helper.make_node("Mul", ["offsets", "gyration"], ["scaled_offsets"]),
        helper.make_node("Add", ["scaled_offsets", "centre"], ["grid"]),
        # Edges of the mask (not of the picture): the same for every colour of the object.
        helper.make_node("Pad", [mask, "pads"], ["mask_padded"], mode="edge"),
        helper.make_node("Conv", ["mask_padded", "sobel"], ["gradient"]),
        helper.make_node("Mul", ["gradient", "gradient"], ["g_squares"]),
        helper.make_node("ReduceProd", ["gradient"], ["gxy"], axes=[1], keepdims=1),
        helper.make_node("Concat", [mask, "g_squares", "gxy"], ["maps"], axis=1),
        helper.make_node("GridSample", ["maps", "grid"], ["polar"], mode="bilinear", padding_mode="zeros",
                         align_corners=0),
        helper.make_node("Split", ["polar"], ["p_mask", "p_xx", "p_yy", "p_xy"], axis=1),
        helper.make_node("Add", ["p_xx", "p_yy"], ["p_energy_raw"]),
        helper.make_node("Add", ["p_energy_raw", "eps"], ["p_energy"]),
        helper.make_node("Sqrt", ["p_energy"], ["p_edge"]),
    ]
    # Fourier magnitudes around each ring: a rotation shifts the ring's samples (phase only), a mirror
    # image reverses them (complex conjugate): the magnitudes stay.
    for name, source in (("silhouette", "p_mask"), ("edges", "p_edge")):
        nodes += [
            helper.make_node("MatMul", [source, "dft_cos"], [name + "_re"]),
            helper.make_node("MatMul", [source, "dft_sin"], [name + "_im"]),
            helper.make_node("Mul", [name + "_re", name + "_re"], [name + "_re2"]),
            helper.make_node("Mul", [name + "_im", name + "_im"], [name + "_im2"]),
            helper.make_node("Add", [name + "_re2", name + "_im2"], [name + "_pow"]),
            helper.make_node("Add", [name + "_pow", "eps"], [name + "_pow_eps"]),
            helper.make_node("Sqrt", [name + "_pow_eps"], [name + "_mag"]),
            helper.make_node("Flatten", [name + "_mag"], [name + "_raw"], axis=1),
        ]
    nodes += [
        # Edge orientation relative to the ray through each sample (the ray's doubled angle is fixed per
        # column): rotation-invariant; |sin| makes it mirror-invariant.
        helper.make_node("Sub", ["p_xx", "p_yy"], ["p_cos2"]),
        helper.make_node("Mul", ["p_xy", "two"], ["p_sin2"]),
        helper.make_node("Add", ["p_edge", "tiny"], ["p_edge_tiny"]),
        helper.make_node("Mul", ["p_cos2", "cos2t"], ["rc_a"]),
        helper.make_node("Mul", ["p_sin2", "sin2t"], ["rc_b"]),
        helper.make_node("Add", ["rc_a", "rc_b"], ["rc_raw"]),
        helper.make_node("Mul", ["p_sin2", "cos2t"], ["rs_a"]),
        helper.make_node("Mul", ["p_cos2", "sin2t"], ["rs_b"]),
        helper.make_node("Sub", ["rs_a", "rs_b"], ["rs_signed"]),
        helper.make_node("Abs", ["rs_signed"], ["rs_raw"]),
        helper.make_node("Concat", ["rc_raw", "rs_raw"], ["rel_raw"], axis=1),
        helper.make_node("Div", ["rel_raw", "p_edge_tiny"], ["rel"]),
        helper.make_node("Conv", ["rel", "rel_dirs"], ["rel_align"]),
        helper.make_node("Relu", ["rel_align"], ["rel_pos"]),
        helper.make_node("Mul", ["rel_pos", "rel_pos"], ["rel_sharp"]),
        helper.make_node("Mul", ["rel_sharp", "p_edge"], ["rel_weighted"]),
        helper.make_node("AveragePool", ["rel_weighted"], ["rel_bands"], kernel_shape=[rings // RADIAL_BANDS, rays],
                         strides=[rings // RADIAL_BANDS, rays]),
        helper.make_node("Flatten", ["rel_bands"], ["orientation_raw"], axis=1),
        # Edge orientation in the picture's own frame, mirror-symmetric: the one part that is not
        # rotation-invariant, given a small weight so that an upright square and a diamond still differ
        # when both are shown upright, and a photo's own pose helps to find its copies.
        helper.make_node("Concat", ["p_cos2", "p_sin2"], ["a_doubled_raw"], axis=1),
        helper.make_node("Div", ["a_doubled_raw", "p_edge_tiny"], ["a_doubled"]),
        helper.make_node("Conv", ["a_doubled", "abs_dirs"], ["a_align"]),
        helper.make_node("Relu", ["a_align"], ["a_pos"]),
        helper.make_node("Mul", ["a_pos", "a_pos"], ["a_sharp"]),
        helper.make_node("Mul", ["a_sharp", "p_edge"], ["a_weighted"]),
        helper.make_node("ReduceMean", ["a_weighted"], ["a_hist"], axes=[2, 3], keepdims=0),
        helper.make_node("Gather", ["a_hist", "mirrored_bins"], ["a_hist_mirror"], axis=1),
        helper.make_node("Add", ["a_hist", "a_hist_mirror"], ["pose_raw"]),
    ]
    parts = []
    for part in PART_WEIGHTS:
        l2_normalise(nodes, part + "_raw", part + "_unit")
        nodes.append(helper.make_node("Mul", [part + "_unit", "weight_" + part], [part + "_part"]))
        parts.append(part + "_part")
    nodes.append(helper.make_node("Concat", parts, ["structure"], axis=1))
    l2_normalise(nodes, "structure", "embedding")
    dimension = 2 * rings * (harmonics + 1) + RADIAL_BANDS * RELATIVE_ORIENTATIONS + ORIENTATIONS
    return finish("structure", nodes, init, dimension, "builtin-structure-v4",
                  "Shape of the object whatever its position, scale, rotation, mirror image and colour: Fourier "
                  "magnitudes of its polar silhouette and edges about the mask centroid, edge orientation "
                  "relative to the radius, and a lightly weighted upright edge-orientation histogram")


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
