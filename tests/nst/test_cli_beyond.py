"""The issue-6 flags of `nst stylize` / `nst texture`, through `main(argv)` on the tiny network.

--preserve-colors, --style-scale, --scales (+ --scale-iterations), --style-mask (once per style
image, 'none' for the whole image), --style-layer-weight-exp. Runs are 32-48 px and 1-3
iterations: they check what reaches the library and what is written, and that bad values give
exit status 2 with one line on stderr.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from nst.cli import main
from nst.color import rgb_to_yiq
from nst.images import load_image
from nst.manifest import manifest_path

QUICK = ["--iterations", "2", "--optimizer", "adam", "--quiet"]


@pytest.fixture()
def files(tmp_path, write_smooth_image):
    """content.png (36x48), style.png (40x40), style2.png (32x32), a half mask, an out/ folder."""
    (tmp_path / "out").mkdir()
    mask = np.zeros((36, 48, 3), np.uint8)
    mask[:, :24] = 255
    Image.fromarray(mask).save(tmp_path / "mask.png")
    return {
        "content": write_smooth_image(tmp_path / "content.png", (36, 48), 0),
        "style": write_smooth_image(tmp_path / "style.png", (40, 40), 1),
        "style2": write_smooth_image(tmp_path / "style2.png", (32, 32), 2),
        "mask": tmp_path / "mask.png",
        "out": tmp_path / "out" / "result.png",
        "dir": tmp_path,
    }


@pytest.fixture()
def weights(synthetic_2016_path):
    return ["--weights", str(synthetic_2016_path)]


def _stylize(files, weights, *extra: str, styles=("style",)) -> list[str]:
    paths = [str(files[name]) for name in styles]
    return ["stylize", str(files["content"]), *paths, "-o", str(files["out"]), *weights, *extra]


def _settings(out: Path) -> dict:
    return json.loads(manifest_path(out).read_text())["settings"]


def test_preserve_colors_luminance_keeps_the_contents_chroma(files, weights):
    assert main(_stylize(files, weights, *QUICK, "--preserve-colors", "luminance")) == 0
    assert _settings(files["out"])["preserve_colors"] == "luminance"
    out = load_image(files["out"])
    content = load_image(files["content"])  # 36 x 48: the output's own size (no --size)
    assert out.shape == content.shape
    error = np.abs(rgb_to_yiq(out)[..., 1:] - rgb_to_yiq(content)[..., 1:])
    assert error.max() <= 1.0  # within 1/255 in YIQ, as saved (8 bits)


def test_preserve_colors_histogram_and_style_scale(files, weights):
    argv = _stylize(
        files, weights, *QUICK, "--preserve-colors", "histogram", "--style-scale", "0.5"
    )
    assert main(argv) == 0
    settings = _settings(files["out"])
    assert settings["preserve_colors"] == "histogram" and settings["style_scale"] == 0.5


def test_scales_write_the_final_size_and_number_snapshots_across_stages(files, weights):
    out = files["out"]
    argv = _stylize(files, weights, "--optimizer", "adam", "--quiet", "--scales", "24,48",
                    "--scale-iterations", "2,1", "--save-every", "2")  # fmt: skip
    assert main(argv) == 0
    with Image.open(out) as img:
        assert img.size == (48, 36)  # the last scale is the output's longer side
    manifest = json.loads(manifest_path(out).read_text())
    assert manifest["settings"]["scales"] == [24, 48]
    assert manifest["settings"]["scale_iterations"] == [2, 1]
    assert manifest["history"]["iteration"] == [0, 1, 2, 0, 1]  # stage by stage
    snapshots = [Path(p).name for p in manifest["snapshots"]]
    assert snapshots == ["result.0002.png", "result.0004.png"]  # steps 2 and 4 of the run
    with Image.open(out.with_name("result.0002.png")) as img:
        assert img.size == (24, 18)  # the end of stage 0


def test_scales_auto_with_size(files, weights):
    argv = _stylize(files, weights, *QUICK, "--scales", "auto", "--size", "40")
    assert main(argv) == 0
    assert _settings(files["out"])["scales"] == "auto"  # 40 < 2 * 256: one stage
    with Image.open(files["out"]) as img:
        assert max(img.size) == 40


def test_style_masks_one_per_style_and_none(files, weights):
    argv = _stylize(files, weights, *QUICK, "--style-mask", str(files["mask"]), "--style-mask",
                    "none", styles=("style", "style2"))  # fmt: skip
    assert main(argv) == 0
    assert _settings(files["out"])["style_masks"] == [str(files["mask"].resolve()), None]


def test_style_layer_weight_exp_reaches_the_config(files, weights):
    assert main(_stylize(files, weights, *QUICK, "--style-layer-weight-exp", "2")) == 0
    assert _settings(files["out"])["style_layer_weight_exp"] == 2.0


def test_texture_accepts_style_scale_and_scales(files, weights):
    out = files["out"]
    argv = ["texture", str(files["style"]), "-o", str(out), *weights, *QUICK, "--size", "32"]
    # issue 16: a 16 px stage leaves relu5_1 a single position (refused); 24 px gives it 2x2
    assert main([*argv, "--style-scale", "2", "--scales", "24,32"]) == 0
    with Image.open(out) as img:
        assert max(img.size) == 32


BAD = {
    "unknown colour mode": (["--preserve-colors", "hue"], "preserve_colors"),
    "style scale zero": (["--style-scale", "0"], "--style-scale"),
    "scales not numbers": (["--scales", "big,bigger"], "--scales"),
    "scales decreasing": (["--scales", "48,24"], "strictly increasing"),
    "scales not ending at size": (["--scales", "24,40", "--size", "48"], "output size"),
    "scale iterations without scales": (["--scale-iterations", "2,1"], "needs scales"),
    "too few masks": (["--style-mask", "none"], "--style-mask given 1 time"),
    "missing mask": (["--style-mask", "{dir}/nope.png", "--style-mask", "none"], "nope.png"),
    "exponent negative": (["--style-layer-weight-exp", "-1"], "--style-layer-weight-exp"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_values_exit_2_with_one_line(case, files, weights, capsys):
    extra, phrase = BAD[case]
    extra = [item.replace("{dir}", str(files["dir"])) for item in extra]
    argv = _stylize(files, weights, *QUICK, *extra, styles=("style", "style2"))
    assert main(argv) == 2
    err = capsys.readouterr().err
    lines = [line for line in err.strip().splitlines() if not line.startswith("!!")]
    assert len(lines) == 1 and "Traceback" not in err, err
    assert phrase in lines[0], lines[0]
    assert not files["out"].exists()


def test_help_lists_the_flags(capsys):
    try:
        code = main(["stylize", "--help"])
    except SystemExit as exit_:
        code = exit_.code
    assert code in (0, None)
    text = capsys.readouterr().out
    for flag in ("--preserve-colors", "--style-scale", "--scales", "--scale-iterations",
                 "--style-mask", "--style-layer-weight-exp"):  # fmt: skip
        assert flag in text, flag
