"""Generate the project's sample style images, procedurally and deterministically.

Four small "paintings", each made from a fixed seed with numpy, scipy and Pillow only (no
TensorFlow, no downloads), so that every image the project ships can be rebuilt bit for bit:

- ``swirls``         brush strokes swirling round vortices: line-integral convolution (LIC)
                     of paint dabs along a vortex flow field, with impasto shading.
- ``stained_glass``  a Voronoi mosaic of mottled jewel-coloured glass held in dark lead lines.
- ``op_art``         wavy black-and-cream bands with a checkerboard sphere (after Riley and
                     Vasarely), antialiased analytically.
- ``pointillist``    a seaside landscape painted in dots of pure colour (after Seurat).

Usage::

    python data/make_samples.py              # (re)write data/style/*.jpg
    python data/make_samples.py --out DIR    # write them somewhere else
    python data/make_samples.py --check      # regenerate in a temporary folder and exit 1 if
                                             # anything differs from the files in data/style/

Images are uint8 RGB, ``(H, W, 3)``, 512 px on the longer side, both sides divisible by 32, and
saved as baseline JPEG (quality 90, 4:4:4 chroma, no metadata), about 0.5 MB for all four.
How each one is made, with every parameter, is described in ``data/README.md``.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw
from scipy import ndimage
from scipy.spatial import cKDTree

STYLE_DIR = Path(__file__).resolve().parent / "style"
JPEG_OPTIONS = {"quality": 90, "subsampling": 0, "optimize": False, "progressive": False}

Array = np.ndarray


# --------------------------------------------------------------------------------------------
# Building blocks
# --------------------------------------------------------------------------------------------


def smooth_noise(rng: np.random.Generator, shape: tuple[int, int], sigma: float) -> Array:
    """White Gaussian noise blurred by a Gaussian of width ``sigma`` px, rescaled to mean 0, std 1.

    Returns an ``(H, W)`` float64 array: ``n = (g_sigma * w - mean) / std`` with ``w ~ N(0, 1)``.
    """
    n = ndimage.gaussian_filter(rng.standard_normal(shape), sigma, mode="wrap")
    return (n - n.mean()) / n.std()


def line_integral_convolution(texture: Array, vx: Array, vy: Array, length: int) -> Array:
    """Smear ``texture`` (H, W, C) along the streamlines of the unit field ``(vx, vy)`` (H, W).

    Every pixel follows its streamline ``length`` steps of 1 px forwards and backwards (midpoint
    rule, bilinear sampling) and averages the texture it meets with Hann weights:
    ``out(p) = sum_k w_k T(s_p(k)) / sum_k w_k``, ``w_k = (1 + cos(pi k / (length + 1))) / 2``,
    ``k = -length..length``. All pixels step together, so the cost is ``4 * length`` passes of
    ``scipy.ndimage.map_coordinates`` over the image.
    """
    H, W = vx.shape
    ys, xs = np.mgrid[0:H, 0:W].astype(np.float64)  # (H, W) each

    def sample(a: Array, y: Array, x: Array) -> Array:
        return ndimage.map_coordinates(a, [y, x], order=1, mode="nearest")

    acc = texture.astype(np.float64).copy()
    weight_sum = 1.0
    for direction in (1.0, -1.0):
        y, x = ys.copy(), xs.copy()
        for k in range(1, length + 1):
            ym = y + 0.5 * direction * sample(vy, y, x)  # half step to the midpoint
            xm = x + 0.5 * direction * sample(vx, y, x)
            y = y + direction * sample(vy, ym, xm)
            x = x + direction * sample(vx, ym, xm)
            w = 0.5 + 0.5 * np.cos(np.pi * k / (length + 1))
            for c in range(texture.shape[2]):
                acc[..., c] += w * sample(texture[..., c], y, x)
            weight_sum += w
    return acc / weight_sum


def antialiased_bands(phase: Array) -> Array:
    """Square wave of ``phase`` (in cycles, (H, W)): 1 where ``sin(2 pi phase) > 0``, else 0.

    The edge is antialiased like a 1 px box filter, using the signed distance ``d`` (px) to it,
    approximated as ``d = sin(2 pi phase) / |2 pi grad(phase)|``: ``b = clip(1/2 + d, 0, 1)``.
    """
    gy, gx = np.gradient(phase)
    distance = np.sin(2 * np.pi * phase) / (2 * np.pi * np.hypot(gy, gx) + 1e-9)
    return np.clip(0.5 + distance, 0.0, 1.0)


def to_uint8(image: Array) -> Array:
    """Float RGB in [0, 1], (H, W, 3) -> uint8 RGB, rounding half to even, clipping."""
    return np.clip(np.round(image * 255.0), 0, 255).astype(np.uint8)


def palette(*hex_colours: str) -> Array:
    """``("#rrggbb", ...)`` -> (K, 3) float64 RGB in [0, 1]."""
    return np.array([[int(h[i : i + 2], 16) for i in (1, 3, 5)] for h in hex_colours]) / 255.0


# --------------------------------------------------------------------------------------------
# The four images
# --------------------------------------------------------------------------------------------

# (x, y, radius, strength) of the vortices in the swirls image, in px of a 512 x 384 canvas.
SWIRL_VORTICES = (
    (150, 150, 75, 1.0),
    (340, 130, 45, -0.8),
    (440, 270, 60, 0.9),
    (70, 310, 40, -0.7),
    (255, 290, 38, 0.6),
)


def make_swirls(seed: int = 7, size: tuple[int, int] = (384, 512)) -> Array:
    """Night-sky brush strokes swirling round five vortices (LIC of paint dabs), (H, W, 3) uint8.

    Notes
    -----
    Stream function ``psi = 25 sin(y/60 + x/140) + sum_i 2 a_i r_i exp(-|p - c_i|^2 / 2 r_i^2)
    + 10 n_30``; flow ``v = (d psi/dy, -d psi/dx) / |.|`` (divergence free, so it circles the
    vortices). Paint: a scene value (0.3 + halos round each vortex + 0.13 n_20) plus dab noise
    0.2 n_3 quantised to the 7-colour night palette, times (1 + 0.5 w) bristle noise (``w``
    white, N(0, 1) per pixel); smeared by LIC over 16 px each way; then lit along the diagonal
    (impasto) by the Sobel gradient of the luminance blurred by 0.6 px,
    ``out *= 1 + 0.45 (d_x + d_y) L``, and contrast stretched between the 0.5th and 99.5th
    percentiles. ``n_s`` is ``smooth_noise`` of width ``s`` px.
    """
    rng = np.random.default_rng(seed)
    H, W = size
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float64) * (512.0 / max(H, W))
    psi = 25.0 * np.sin(yy / 60.0 + xx / 140.0)
    halo = np.zeros((H, W))
    for cx, cy, r, a in SWIRL_VORTICES:
        d2 = ((xx - cx) ** 2 + (yy - cy) ** 2) / r**2  # (H, W), squared distance in radii
        psi += 2.0 * a * r * np.exp(-d2 / 2.0)
        ring = np.exp(-((np.sqrt(d2) - 0.9) ** 2) / (2 * 0.12**2))
        halo = np.maximum(halo, np.exp(-d2 / (2 * 0.3**2)) + 0.35 * ring)
    psi += 10.0 * smooth_noise(rng, (H, W), 30)
    dpsi_dy, dpsi_dx = np.gradient(psi)
    speed = np.hypot(dpsi_dx, dpsi_dy) + 1e-6
    vx, vy = dpsi_dy / speed, -dpsi_dx / speed  # unit, divergence-free

    colours = palette("#0a163c", "#193278", "#2d5aaa", "#5f91cd", "#aac3c8", "#ebcd5a", "#faeba0")
    scene = 0.3 + 0.13 * smooth_noise(rng, (H, W), 20) + 0.6 * halo
    dabs = scene + 0.2 * smooth_noise(rng, (H, W), 3.0)
    index = np.clip(np.round(dabs * (len(colours) - 1)), 0, len(colours) - 1).astype(int)
    bristles = 0.5 * rng.standard_normal((H, W))
    paint = colours[index] * (1.0 + bristles)[..., None]

    strokes = line_integral_convolution(paint, vx, vy, length=16)  # (H, W, 3)
    luminance = ndimage.gaussian_filter(strokes.mean(axis=2), 0.6)
    relief = ndimage.sobel(luminance, axis=0) + ndimage.sobel(luminance, axis=1)
    image = strokes * (1.0 + 0.45 * relief)[..., None]
    lo, hi = np.percentile(image, [0.5, 99.5])
    return to_uint8((image - lo) / (hi - lo))


def make_stained_glass(seed: int = 11, size: tuple[int, int] = (512, 384)) -> Array:
    """A rose-window mosaic: Voronoi cells of mottled glass in dark lead, (H, W, 3) uint8.

    Notes
    -----
    Seeds: a 34 px jittered grid (uniform jitter +-0.45 cell), pulled towards the rose centre
    ``c`` by ``r -> R (r / R)^1.3`` so cells are small in the middle and large at the edges.
    For each pixel, the nearest two seeds ``s1, s2`` (k-d tree) give the cell and the distance to
    the cell border, ``e = (|p - s2|^2 - |p - s1|^2) / (2 |s2 - s1|)``. Colour: 8 jewel tones
    chosen by ring ``floor(r / 60)`` and 12-fold sector of the seed (15 % picked at random),
    brightness x U(0.85, 1.15), + N(0, 0.03) per channel; glass lit from the cell centre,
    ``0.8 + 0.35 max(0, 1 - d1 / 30)``, mottled by ``1 + 0.08 n_6 + 0.03 n_1.5``, bevelled
    ``0.55 + 0.45 sqrt(min(e / 7, 1))``; lead where ``e < 2.2`` px (1 px antialiased edge) and
    horizontal saddle bars 5 px thick every 128 px.
    """
    rng = np.random.default_rng(seed)
    H, W = size
    cell = 34.0
    gy, gx = np.mgrid[-cell : H + cell : cell, -cell : W + cell : cell]
    seeds = np.stack([gy.ravel(), gx.ravel()], axis=1)  # (S, 2) as (y, x)
    seeds = seeds + rng.uniform(-0.45, 0.45, seeds.shape) * cell
    centre = np.array([0.42 * H, 0.5 * W])
    offset = seeds - centre
    r = np.hypot(offset[:, 0], offset[:, 1])
    reach = np.hypot(H, W)
    seeds = centre + offset * ((r / reach) ** 0.3)[:, None]  # r -> R (r/R)^1.3

    yy, xx = np.mgrid[0:H, 0:W].astype(np.float64)
    pixels = np.stack([yy.ravel(), xx.ravel()], axis=1)  # (H*W, 2)
    dist, nearest = cKDTree(seeds).query(pixels, k=2)
    d1, d2 = dist[:, 0].reshape(H, W), dist[:, 1].reshape(H, W)
    cell_of = nearest[:, 0].reshape(H, W)
    gap = np.linalg.norm(seeds[nearest[:, 1]] - seeds[nearest[:, 0]], axis=1).reshape(H, W)
    edge = (d2**2 - d1**2) / (2.0 * gap)  # (H, W) distance to the cell border, px

    jewels = palette(
        "#9b111e", "#c83c14", "#e6a01e", "#143c96", "#286ebe", "#19784a", "#5a2882", "#d2be78"
    )
    offset = seeds - centre
    ring = (np.hypot(offset[:, 0], offset[:, 1]) // 60).astype(int)
    sector = np.floor((np.arctan2(offset[:, 0], offset[:, 1]) + np.pi) / (2 * np.pi) * 12)
    choice = (ring * 3 + (sector.astype(int) % 2) * (1 + ring % 3)) % len(jewels)
    random_pick = rng.random(len(seeds)) < 0.15
    choice = np.where(random_pick, rng.integers(0, len(jewels), len(seeds)), choice)
    glass = jewels[choice] * rng.uniform(0.85, 1.15, (len(seeds), 1))
    glass = glass + rng.normal(0.0, 0.03, glass.shape)  # (S, 3)

    image = glass[cell_of]  # (H, W, 3)
    mottle = 0.08 * smooth_noise(rng, (H, W), 6) + 0.03 * smooth_noise(rng, (H, W), 1.5)
    glow = np.clip(1.0 - d1 / 30.0, 0.0, 1.0)
    bevel = np.sqrt(np.clip(edge / 7.0, 0.0, 1.0))
    image = image * ((0.8 + 0.35 * glow) * (1.0 + mottle) * (0.55 + 0.45 * bevel))[..., None]

    bar_distance = np.abs((yy + 64.0) % 128.0 - 64.0)  # distance to the nearest saddle bar
    glass_cover = np.clip(edge - 2.2, 0.0, 1.0) * np.clip(bar_distance - 2.5, 0.0, 1.0)
    lead = np.array([0.09, 0.08, 0.08])
    image = glass_cover[..., None] * image + (1.0 - glass_cover[..., None]) * lead
    return to_uint8(image)


def make_op_art(seed: int = 0, size: tuple[int, int] = (512, 512)) -> Array:
    """Wavy black-and-cream bands round a checkerboard sphere, (H, W, 3) uint8.

    Notes
    -----
    Bands: phase ``phi(x, y) = sum_{y' <= y} 1 / s(y') + A(x) sin(2 pi (2.2 u + 0.5 v)
    + 2.2 sin(2 pi 1.4 v)) / s(y)`` with ``u = x / 512``, ``v = y / 512``, line period
    ``s = 8 + 14 (1 + cos(2 pi (v - 0.3))) / 2`` px and amplitude ``A = 10 + 18 sin^2(pi u)`` px.
    Sphere (radius 150 px): a 26 px checkerboard drawn on the arc-length coordinates
    ``(dx, dy) asin(rho) / rho``, ``rho = r / R``, so checks shrink towards the rim. Both are
    square waves of their phase antialiased over 1 px (``antialiased_bands``). Nothing random:
    ``seed`` is accepted for a uniform interface and unused.
    """
    del seed
    H, W = size
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float64) * (512.0 / max(H, W))
    u, v = xx / 512.0, yy / 512.0
    amplitude = 10.0 + 18.0 * np.sin(np.pi * u) ** 2
    wave = amplitude * np.sin(2 * np.pi * (2.2 * u + 0.5 * v) + 2.2 * np.sin(2 * np.pi * 1.4 * v))
    period = 8.0 + 14.0 * (0.5 + 0.5 * np.cos(2 * np.pi * (v - 0.3)))
    phase = np.cumsum(1.0 / period, axis=0) + wave / period
    bands = antialiased_bands(phase)

    cy, cx, radius = 0.4 * 512, 0.62 * 512, 150.0
    dy, dx = yy - cy, xx - cx
    r = np.hypot(dy, dx)
    rho = np.clip(r / radius, 0.0, 0.999)
    arc = np.arcsin(rho) / np.maximum(rho, 1e-9)  # arc length / chord on the sphere
    check_x, check_y = antialiased_bands(dx * arc / 26.0), antialiased_bands(dy * arc / 26.0)
    checks = check_x * check_y + (1.0 - check_x) * (1.0 - check_y)  # XOR of two band sets
    inside = np.clip(radius - r + 0.5, 0.0, 1.0)
    value = (bands * (1.0 - inside) + checks * inside)[..., None]

    ink, cream = palette("#121016", "#f2ead8")
    return to_uint8(ink + (cream - ink) * value)


def _pointillist_scene(rng: np.random.Generator, H: int, W: int) -> Array:
    """The landscape the dots sample: sky, sun, sea, sand, meadow, trees and their shadows.

    Returns an (H, W, 3) float array, roughly in [0, 1].
    """
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float64)
    u, v = xx / W, yy / H
    sky = np.stack([0.45 + 0.5 * v, 0.65 + 0.28 * v, 0.95 - 0.2 * v], axis=-1)
    clouds = np.clip(smooth_noise(rng, (H, W), 18) - 0.6, 0.0, 1.0) * (v < 0.45)
    scene = sky + (np.array([1.0, 0.93, 0.92]) - sky) * clouds[..., None]
    sun = np.exp(-((np.hypot(xx - 0.7 * W, yy - 0.28 * H) / 38.0) ** 4))[..., None]
    scene = scene * (1 - sun) + np.array([1.0, 0.86, 0.3]) * sun

    horizon = 0.5
    shore = 0.7 + 0.07 * np.sin(5 * u + 1.0) + 0.02 * smooth_noise(rng, (H, W), 40)
    sea = np.stack([0.12 + 0.1 * v, 0.35 + 0.1 * v, 0.62 - 0.05 * v], axis=-1)
    glitter = np.clip(
        1.0 - np.abs(xx - 0.7 * W) / (25 + 60 * np.maximum(v - horizon, 0.0)), 0.0, 1.0
    )[..., None]
    sea = sea * (1 - 0.6 * glitter) + np.array([1.0, 0.85, 0.45]) * 0.6 * glitter
    scene = np.where(((v > horizon) & (v < shore))[..., None], sea, scene)

    scene = np.where((v >= shore)[..., None], np.array([0.93, 0.78, 0.52]), scene)  # sand
    shade = 0.5 + 0.5 * smooth_noise(rng, (H, W), 12)[..., None]
    meadow = np.array([0.25, 0.5, 0.12]) + np.array([0.3, 0.25, 0.05]) * shade * (
        1.2 - v[..., None]
    )
    scene = np.where((v >= shore + 0.035)[..., None], meadow, scene)
    trees = ((90, 250, 42, 72), (150, 272, 30, 55), (420, 282, 36, 62))
    for tx, ty, rw, rh in trees:  # violet-blue shadows cast to the lower left
        shadow = ((xx - tx + 30) / (1.3 * rw)) ** 2 + ((yy - ty - 1.0 * rh) / (0.22 * rh)) ** 2
        shaded = 0.5 * scene + np.array([0.06, 0.05, 0.2])
        scene = np.where((shadow < 1.0)[..., None], shaded, scene)
    for tx, ty, rw, rh in trees:
        tree = ((xx - tx) / rw) ** 2 + ((yy - ty) / rh) ** 2  # < 1 inside the crown
        lit = np.clip(0.5 + 0.6 * ((xx - tx) / rw + (ty - yy) / rh), 0.0, 1.0)[..., None]
        crown = np.array([0.07, 0.24, 0.1]) + np.array([0.25, 0.3, 0.08]) * lit
        scene = np.where((tree < 1.0)[..., None], crown, scene)
    return ndimage.gaussian_filter(scene, (1.5, 1.5, 0))


def make_pointillist(seed: int = 5, size: tuple[int, int] = (384, 512)) -> Array:
    """A seaside landscape in dots of pure colour (after Seurat), (H, W, 3) uint8.

    Notes
    -----
    A smooth landscape (``_pointillist_scene``) is sampled at 34 000 uniformly random points.
    Each dot takes one of 15 pure paint colours ``c_k`` with probability
    ``p_k ∝ exp(-|scene(p) - c_k|^2 / 0.05)``, so neighbouring dots juxtapose nearby hues that
    mix in the eye; radius U(1.8, 3.0) px. Dots are drawn in random order at 2x resolution on a
    cream ground (#ece4cd) and downsampled with a Lanczos filter for smooth edges.
    """
    rng = np.random.default_rng(seed)
    H, W = size
    scene = _pointillist_scene(rng, H, W)
    paints = palette(
        "#faf5e1", "#fad7c8", "#f5d23c", "#f08c28", "#dc3c32", "#c85aa0", "#aa96d7", "#7850b4",
        "#2850aa", "#3c96dc", "#96cdeb", "#3c8c3c", "#82be46", "#c8dc6e", "#19462d",
    )  # fmt: skip
    n = 34_000
    py, px = rng.uniform(0, H, n), rng.uniform(0, W, n)
    wanted = scene[py.astype(int), px.astype(int)]  # (n, 3)
    d2 = ((wanted[:, None, :] - paints[None, :, :]) ** 2).sum(axis=-1)  # (n, K)
    p = np.exp(-(d2 - d2.min(axis=1, keepdims=True)) / 0.05)
    cdf = np.cumsum(p / p.sum(axis=1, keepdims=True), axis=1)
    choice = np.minimum((rng.random(n)[:, None] > cdf).sum(axis=1), len(paints) - 1)
    radius = rng.uniform(1.8, 3.0, n)

    scale = 2
    canvas = Image.new("RGB", (W * scale, H * scale), (236, 228, 205))
    draw = ImageDraw.Draw(canvas)
    rgb = to_uint8(paints)
    for y, x, k, r in zip(py * scale, px * scale, choice, radius * scale, strict=True):
        draw.ellipse((x - r, y - r, x + r, y + r), fill=tuple(int(c) for c in rgb[k]))
    return np.asarray(canvas.resize((W, H), Image.Resampling.LANCZOS))


# name -> (generator, seed, (H, W)); the file is data/style/<name>.jpg.
SAMPLES: dict[str, tuple[Callable[..., Array], int, tuple[int, int]]] = {
    "swirls": (make_swirls, 7, (384, 512)),
    "stained_glass": (make_stained_glass, 11, (512, 384)),
    "op_art": (make_op_art, 0, (512, 512)),
    "pointillist": (make_pointillist, 5, (384, 512)),
}


# --------------------------------------------------------------------------------------------
# Files and command line
# --------------------------------------------------------------------------------------------


def render(name: str) -> Array:
    """The sample ``name`` as a (H, W, 3) uint8 array (same bytes on every run)."""
    generator, seed, size = SAMPLES[name]
    return generator(seed=seed, size=size)


def encode_jpeg(image: Array) -> bytes:
    """uint8 RGB (H, W, 3) -> baseline JPEG bytes with no metadata (no EXIF, no timestamps)."""
    buffer = io.BytesIO()
    Image.fromarray(image, mode="RGB").save(buffer, format="JPEG", **JPEG_OPTIONS)
    return buffer.getvalue()


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same folder and ``os.replace``."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def generate(out_dir: Path) -> list[Path]:
    """Render every sample and write ``out_dir/<name>.jpg``; returns the paths written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in SAMPLES:
        path = out_dir / f"{name}.jpg"
        write_atomic(path, encode_jpeg(render(name)))
        paths.append(path)
    return paths


def same_image(a: Path, b: Path) -> bool:
    """True if the files have identical bytes, or (a different encoder build) identical pixels."""
    if a.read_bytes() == b.read_bytes():
        return True
    with Image.open(a) as ia, Image.open(b) as ib:
        return ia.size == ib.size and np.array_equal(np.asarray(ia), np.asarray(ib))


def check(committed_dir: Path) -> list[str]:
    """Regenerate into a temporary folder; return one line per file that is missing or differs."""
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        for fresh in generate(Path(tmp)):
            committed = committed_dir / fresh.name
            if not committed.is_file():
                problems.append(f"{committed}: missing (run python data/make_samples.py)")
            elif not same_image(fresh, committed):
                problems.append(f"{committed}: differs from what make_samples.py generates")
    return problems


def main(argv: list[str] | None = None) -> int:
    """Command line: write the samples (default) or ``--check`` them; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=STYLE_DIR, help=f"default: {STYLE_DIR}")
    parser.add_argument(
        "--check",
        action="store_true",
        help="regenerate in a temporary folder and exit 1 if any file in --out differs",
    )
    args = parser.parse_args(argv)
    out = args.out
    if out.exists() and not out.is_dir():
        print(f"make_samples.py: --out {out} is a file, not a folder", file=sys.stderr)
        return 2
    if args.check:
        problems = check(out)
        for line in problems:
            print(line, file=sys.stderr)
        if not problems:
            print(f"{len(SAMPLES)} sample images in {out} match the generator")
        return 1 if problems else 0
    try:
        paths = generate(out)
    except OSError as error:
        print(f"make_samples.py: cannot write to {out}: {error.strerror}", file=sys.stderr)
        return 2
    for path in paths:
        print(f"{path}  {path.stat().st_size // 1024} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
