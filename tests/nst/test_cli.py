"""The `nst` command line through `main(argv)`, on the tiny synthetic network (widths // 16).

Runs are 48-64 px and 2-4 iterations: they check what is written (image, manifest, snapshots,
plot, provenance labels), not how good it looks. Bad input must give exit status 2, one line
on stderr, no traceback, and leave every existing file as it was.
"""

from __future__ import annotations

import json
import math
import os
import signal
import socket
import threading
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import nst.cli
import nst.cli.run
import nst.optimize
from nst.cli import main
from nst.manifest import SYNTHETIC_NOTICE, manifest_path, read_image_text, write_json
from nst.optimize import Step, StylizeError
from nst.samples import sample_content_path, sample_style_paths

TINY = ["--size", "48", "--iterations", "2"]


@pytest.fixture()
def files(tmp_path, write_smooth_image):
    """content.png (60x80), style.png (64x64), style2.png (50x50) and an out/ folder."""
    (tmp_path / "out").mkdir()
    return {
        "content": write_smooth_image(tmp_path / "content.png", (60, 80), 0),
        "style": write_smooth_image(tmp_path / "style.png", (64, 64), 1),
        "style2": write_smooth_image(tmp_path / "style2.png", (50, 50), 2),
        "out": tmp_path / "out" / "result.png",
        "dir": tmp_path,
    }


@pytest.fixture()
def weights(synthetic_2016_path):
    return ["--weights", str(synthetic_2016_path)]


def _manifest(out: Path) -> dict:
    return json.loads(manifest_path(out).read_text())


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def _one_error_line(err: str, *phrases: str, banner: bool = False) -> None:
    """One line on stderr (after the synthetic-weights banner when `banner`), no traceback."""
    lines = err.strip().splitlines()
    if banner:
        assert lines[0].startswith("!!") and SYNTHETIC_NOTICE in err
        lines = [line for line in lines if not line.startswith("!!")]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for phrase in phrases:
        assert phrase in lines[0], (phrase, lines[0])


# ---------------------------------------------------------------------------------------------
# stylize


def test_stylize_writes_image_manifest_snapshots_and_plot(
    files, weights, synthetic_2016_path, capsys
):
    out = files["out"]
    argv = ["stylize", str(files["content"]), str(files["style"]), "-o", str(out), *weights]
    argv += ["--size", "64", "--iterations", "4", "--optimizer", "adam", "--seed", "3"]
    argv += ["--save-every", "2", "--plot", "--style-layers", "relu1_1,block2_conv1"]
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "SYNTHETIC RANDOM WEIGHTS" in err  # the banner: these are the tiny random weights

    with Image.open(out) as img:
        assert img.size == (64, 48)  # 80x60 content, longer side 64
        assert img.mode == "RGB"
    assert SYNTHETIC_NOTICE in read_image_text(out)
    assert "Iteration: 4" in read_image_text(out)

    m = _manifest(out)
    assert m["status"] == "completed" and m["exit_status"] == 0
    assert m["command"] == "stylize" and m["argv"] == argv
    assert m["synthetic"] is True and m["notice"] == SYNTHETIC_NOTICE
    s = m["settings"]
    assert s["iterations"] == 4 and s["optimizer"] == "adam" and s["seed"] == 3 == m["seed"]
    assert s["size"] == 64 and s["preset"] is None
    assert s["style_layers"] == {"relu1_1": 0.5, "relu2_1": 0.5}  # Keras name resolved
    assert s["content_layers"] == {"relu4_2": 1.0}
    for key in ("python", "tensorflow", "numpy", "scipy", "pillow"):
        assert m["environment"][key], key
    w = m["weights"]
    assert Path(w["path"]) == synthetic_2016_path.resolve()
    assert w["checksum"] == "unverified" and w["synthetic"] is True and w["layout"] == "2016"
    assert m["inputs"]["content"] == {"path": str(files["content"].resolve()), "size": [60, 80]}
    assert m["inputs"]["styles"] == [{"path": str(files["style"].resolve()), "size": [64, 64]}]
    assert m["output"]["written"] is True and m["output"]["size"] == [48, 64]
    assert m["output"]["which"] == "last" and m["output"]["iteration"] == 4

    h = m["history"]
    assert h["iteration"] == [0, 1, 2, 3, 4]
    assert all(b >= a for a, b in zip(h["elapsed_s"], h["elapsed_s"][1:], strict=False))
    assert set(h["losses"]) == {
        "total", "content", "style", "tv", "content/relu4_2", "style/relu1_1", "style/relu2_1"
    }  # fmt: skip
    for i in range(5):  # the per-layer entries add up to their term, the terms to the total
        style = h["losses"]["style/relu1_1"][i] + h["losses"]["style/relu2_1"][i]
        assert math.isclose(h["losses"]["style"][i], style, rel_tol=1e-5)
    assert h["losses"]["total"][4] < h["losses"]["total"][0]
    assert m["output"]["total_loss"] == h["losses"]["total"][4]
    assert m["wall_time_s"] > 0 and m["finished"] >= m["started"]

    snapshots = [out.with_name("result.0002.png"), out.with_name("result.0004.png")]
    assert m["snapshots"] == [str(p.resolve()) for p in snapshots]
    for path in snapshots:
        assert SYNTHETIC_NOTICE in read_image_text(path)
    plot = out.with_name("result.losses.png")
    assert m["plot"] == str(plot.resolve())
    with Image.open(plot) as img:
        assert img.format == "PNG"
    # nothing else was written next to OUT (no temporary files left behind)
    assert sorted(p.name for p in out.parent.iterdir()) == sorted(
        ["result.png", "result.json", "result.losses.png", "result.0002.png", "result.0004.png"]
    )


def test_stylize_without_images_uses_the_samples(files, weights):
    out = files["out"]
    assert main(["stylize", "-o", str(out), *weights, *TINY, "--quiet"]) == 0
    m = _manifest(out)
    assert m["inputs"]["content"]["path"] == str(sample_content_path().resolve())
    assert m["inputs"]["styles"][0]["path"] == str(sample_style_paths()["swirls"].resolve())
    assert m["inputs"]["content"]["size"] == [600, 512]
    with Image.open(out) as img:
        assert max(img.size) == 48


def test_style_by_sample_name_blend_and_jpeg(files, weights):
    out = files["dir"] / "out" / "blend.jpg"
    argv = ["stylize", str(files["content"]), "op_art", str(files["style2"]), "-o", str(out)]
    assert main([*argv, *weights, *TINY, "--style-blend", "3,1", "--device", "cpu", "--quiet"]) == 0
    m = _manifest(out)
    assert m["inputs"]["styles"][0]["path"] == str(sample_style_paths()["op_art"].resolve())
    assert m["settings"]["style_blend"] == [3.0, 1.0]
    with Image.open(out) as img:
        assert img.format == "JPEG"
    assert SYNTHETIC_NOTICE in read_image_text(out)  # the JPEG comment


def test_a_preset_fills_every_setting_not_given(files, weights):
    from nst.presets import PRESETS

    out = files["out"]
    argv = ["stylize", str(files["content"]), str(files["style"]), "-o", str(out), *weights]
    assert main([*argv, *TINY, "--preset", "tf-tutorial", "--tv-weight", "5", "--quiet"]) == 0
    s = _manifest(out)["settings"]
    preset = PRESETS["tf-tutorial"]
    assert s["preset"] == "tf-tutorial" and s["optimizer"] == preset.optimizer == "adam"
    assert s["learning_rate"] == preset.learning_rate and s["pixel_range"] == 1.0
    assert s["content_layers"] == {"relu5_2": 1.0}
    assert s["style_convention"] == "tf-tutorial" and s["content_convention"] == "mse"
    assert s["tv_weight"] == 5.0  # given: wins over the preset's 30
    assert s["iterations"] == 2 and s["size"] == 48  # given: win over 1000 and 512


def test_weights_synthetic_is_written_once_and_labelled(files, monkeypatch, capsys):
    monkeypatch.setenv("VGG_MAT_HOME", str(files["dir"] / "cache"))
    out = files["out"]
    argv = ["stylize", str(files["content"]), str(files["style"]), "-o", str(out)]
    assert main([*argv, "--weights", "synthetic", *TINY, "--quiet"]) == 0
    err = capsys.readouterr().err
    assert "SYNTHETIC RANDOM WEIGHTS" in err and SYNTHETIC_NOTICE in err  # even with --quiet
    cached = list((files["dir"] / "cache").glob("synthetic-*.mat"))
    assert len(cached) == 1
    m = _manifest(out)
    assert m["synthetic"] is True and m["weights"]["path"] == str(cached[0].resolve())
    assert SYNTHETIC_NOTICE in read_image_text(out)


# ---------------------------------------------------------------------------------------------
# texture and reconstruct


def test_texture_matches_style_only_from_noise(files, weights):
    out = files["out"]
    argv = ["texture", str(files["style"]), "-o", str(out), *weights, *TINY, "--quiet"]
    assert main(argv) == 0
    m = _manifest(out)
    s = m["settings"]
    assert m["command"] == "texture"
    assert s["content_weight"] == 0 and s["content_layers"] == {} and s["init"] == "noise"
    assert all(v == 0 for v in m["history"]["losses"]["content"])
    assert m["inputs"]["content"] is None
    assert m["inputs"]["styles"][0]["path"] == str(files["style"].resolve())
    assert m["history"]["losses"]["style"][-1] > 0
    with Image.open(out) as img:
        assert img.size == (48, 48)  # the style's shape (64x64), longer side 48


def test_reconstruct_matches_one_layer_only(files, weights):
    out = files["out"]
    argv = ["reconstruct", str(files["content"]), "--layer", "block2_conv1", "-o", str(out)]
    assert main([*argv, *weights, *TINY, "--quiet"]) == 0
    m = _manifest(out)
    s = m["settings"]
    assert s["content_layers"] == {"relu2_1": 1.0} and s["style_weight"] == 0
    assert s["style_layers"] == {} and s["init"] == "noise"
    losses = m["history"]["losses"]
    assert set(losses) == {"total", "content", "style", "tv", "content/relu2_1"}
    assert losses["content"][-1] < losses["content"][0]
    assert m["inputs"]["styles"] == []


# ---------------------------------------------------------------------------------------------
# interruption and non-finite losses (the loop replaced by a scripted one)


def _step(i: int, total: float, value: float) -> Step:
    losses = {"total": total, "content": total, "style": 0.0, "tv": 0.0}
    return Step(i, np.full((8, 8, 3), value, np.float32), losses, 0.1 * i)


def _scripted(steps, error):
    def fake_stylize(*args, **kwargs):
        def generate():
            yield from steps
            raise error

        return generate()

    return fake_stylize


def test_interrupt_writes_the_best_image_and_exits_130(files, weights, monkeypatch, capsys):
    script = [_step(0, 9.0, 10), _step(1, 4.0, 20), _step(2, 1.0, 30), _step(3, 2.0, 40)]
    monkeypatch.setattr(nst.optimize, "stylize", _scripted(script, KeyboardInterrupt()))
    out = files["out"]
    argv = ["stylize", str(files["content"]), str(files["style"]), "-o", str(out), *weights]
    assert main([*argv, "--quiet"]) == 130
    err = capsys.readouterr().err
    assert "interrupted" in err and "Traceback" not in err
    assert np.asarray(Image.open(out)).max() == 30  # iteration 2, the lowest total loss
    m = _manifest(out)
    assert m["status"] == "interrupted" and m["exit_status"] == 130
    assert m["output"]["which"] == "best" and m["output"]["iteration"] == 2
    assert m["best"] == {"iteration": 2, "total_loss": 1.0}
    assert m["history"]["iteration"] == [0, 1, 2, 3]


def test_non_finite_loss_writes_the_last_good_image_and_exits_1(
    files, weights, monkeypatch, capsys
):
    script = [_step(0, 9.0, 10), _step(1, 4.0, 20)]
    error = StylizeError("the 'style' loss became non-finite", last_step=script[1], term="style",
                         iteration=2)  # fmt: skip
    monkeypatch.setattr(nst.optimize, "stylize", _scripted(script, error))
    out = files["out"]
    argv = ["stylize", str(files["content"]), str(files["style"]), "-o", str(out), *weights]
    assert main([*argv, "--quiet"]) == 1
    err = capsys.readouterr().err
    _one_error_line(err, "non-finite", "last good image (iteration 1)", banner=True)
    assert np.asarray(Image.open(out)).max() == 20
    m = _manifest(out)
    assert m["status"] == "failed" and m["exit_status"] == 1 and "non-finite" in m["message"]
    assert m["output"]["iteration"] == 1 and m["output"]["which"] == "last good"


def test_real_overflow_fails_cleanly_without_an_image(files, weights, capsys):
    out = files["out"]
    argv = ["stylize", str(files["content"]), str(files["style"]), "-o", str(out), *weights]
    assert main([*argv, *TINY, "--style-weight", "1e38", "--quiet"]) == 1
    err = capsys.readouterr().err
    _one_error_line(err, "non-finite", "no image was written", banner=True)
    assert not out.exists()
    m = _manifest(out)
    assert m["status"] == "failed" and m["output"]["written"] is False


def test_sigint_during_lbfgs_stops_the_worker_and_keeps_the_best(files, weights, monkeypatch):
    """A real SIGINT in the middle of an L-BFGS run (the scipy worker thread must stop)."""

    class InterruptingBar(nst.cli.run.ProgressBar):
        def update(self, step):
            super().update(step)
            if step.iteration == 2:
                signal.raise_signal(signal.SIGINT)

    monkeypatch.setattr(nst.cli.run, "ProgressBar", InterruptingBar)
    out = files["out"]
    argv = ["stylize", str(files["content"]), str(files["style"]), "-o", str(out), *weights]
    assert main([*argv, "--size", "48", "--iterations", "1000", "--quiet"]) == 130
    m = _manifest(out)
    assert m["status"] == "interrupted" and m["history"]["iteration"] == [0, 1, 2]
    totals = m["history"]["losses"]["total"]
    assert m["output"]["iteration"] == int(np.argmin(totals))
    assert [t for t in threading.enumerate() if t.name == "lbfgsb"] == []


# ---------------------------------------------------------------------------------------------
# bad input: exit 2, one line, no traceback, nothing touched


BAD = {
    "missing content": (["stylize", "{dir}/nope.png", "{style}", "-o", "{out}"], "no such file"),
    "unreadable content": (["stylize", "{dir}/text.png", "{style}", "-o", "{out}"], "text.png"),
    "content is a folder": (["stylize", "{dir}", "{style}", "-o", "{out}"], "is a folder"),
    "unknown style": (["stylize", "{content}", "nosuchstyle", "-o", "{out}"], "sample style"),
    "output is the content": (["stylize", "{content}", "{style}", "-o", "{content}"], "overwrite"),
    "output is the style via ..": (
        ["stylize", "{content}", "{style}", "-o", "{dir}/out/../style.png"],
        "overwrite",
    ),
    "manifest would be an input": (
        ["stylize", "{content}", "{dir}/sty.json", "-o", "{dir}/sty.png"],
        "overwrite",
    ),
    # issue 16: a missing folder is made (test_cli_bad_input.py); a file on the way is refused
    "output folder under a file": (
        ["stylize", "{content}", "-o", "{content}/a/b/x.png"],
        "content.png is a file, not a folder",
    ),
    "manifest is a folder": (["stylize", "{content}", "-o", "{dir}/held.png"], "held.json"),
    "output folder is a file": (["stylize", "{content}", "-o", "{content}/x.png"], "not a folder"),
    "output is a folder": (["stylize", "{content}", "-o", "{dir}/out.png"], "is a folder"),
    "unsupported extension": (["stylize", "{content}", "-o", "{dir}/out/x.gif"], "'.gif'"),
    "no extension": (["stylize", "{content}", "-o", "{dir}/out/x"], "extension"),
    "unknown preset": (["stylize", "{content}", "-o", "{out}", "--preset", "nope"], "nope"),
    "unknown layer": (
        ["stylize", "{content}", "-o", "{out}", "--style-layers", "relu9_9"],
        "relu9_9",
    ),
    "layer not reachable": (
        ["reconstruct", "{content}", "--layer", "fc8", "-o", "{out}"],
        "fc8",
    ),
    "unknown optimizer": (["stylize", "{content}", "-o", "{out}", "--optimizer", "sgdx"], "sgdx"),
    "unknown lbfgs engine": (
        ["stylize", "{content}", "-o", "{out}", "--lbfgs-engine", "newton"],
        "newton",
    ),
    "unknown pooling": (["stylize", "{content}", "-o", "{out}", "--pooling", "min"], "min"),
    "size 0": (["stylize", "{content}", "-o", "{out}", "--size", "0"], "--size"),
    "size not a number": (["stylize", "{content}", "-o", "{out}", "--size", "big"], "--size"),
    "negative iterations": (["stylize", "{content}", "-o", "{out}", "--iterations", "-1"], "-1"),
    "negative style weight": (
        ["stylize", "{content}", "-o", "{out}", "--style-weight", "-5"],
        "--style-weight",
    ),
    "infinite content weight": (
        ["stylize", "{content}", "-o", "{out}", "--content-weight", "inf"],
        "finite",
    ),
    "zero learning rate": (["stylize", "{content}", "-o", "{out}", "--learning-rate", "0"], "> 0"),
    "save-every 0": (["stylize", "{content}", "-o", "{out}", "--save-every", "0"], ">= 1"),
    "blend count": (
        ["stylize", "{content}", "{style}", "-o", "{out}", "--style-blend", "1,2"],
        "1 style image",
    ),
    "blend sum 0": (["stylize", "{content}", "-o", "{out}", "--style-blend", "0"], "positive"),
    "empty layer list": (["stylize", "{content}", "-o", "{out}", "--content-layers", ","], "list"),
    "init is the output": (
        ["stylize", "{content}", "-o", "{style2}", "--init", "{style2}"],
        "overwrite",
    ),
    "missing init image": (
        ["stylize", "{content}", "-o", "{out}", "--init", "{dir}/i.png"],
        "i.png",
    ),
    "missing weights": (
        ["stylize", "{content}", "-o", "{out}", "--weights", "{dir}/w.mat"],
        "w.mat",
    ),
    "broken weights": (
        ["stylize", "{content}", "-o", "{out}", "--weights", "{dir}/text.png"],
        "text.png",
    ),
    "missing output option": (["stylize", "{content}"], "-o/--output"),
    "texture missing style": (["texture", "{dir}/nope.png", "-o", "{out}"], "no such file"),
    "reconstruct missing content": (["reconstruct", "{dir}/n.png", "-o", "{out}"], "no such file"),
    "layers bad size": (["layers", "--size", "0,4"], "--size"),
    "unknown preset listed": (["presets", "nope"], "nope"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_exits_2_with_one_line_and_touches_nothing(case, files, weights, capsys):
    (files["dir"] / "text.png").write_text("not an image")
    (files["dir"] / "out.png").mkdir()
    (files["dir"] / "sty.json").write_bytes(files["style"].read_bytes())  # a PNG named .json
    (files["dir"] / "held.json").mkdir()  # the manifest of -o held.png would be a folder
    args, phrase = BAD[case]
    fields = {k: str(v) for k, v in files.items()}
    argv = [a.format(**fields) for a in args]
    if argv[0] != "presets" and argv[0] != "layers" and "--weights" not in argv:
        argv += weights
    before = _snapshot(files["dir"])
    assert main(argv) == 2
    _one_error_line(capsys.readouterr().err, phrase)
    assert _snapshot(files["dir"]) == before


def test_device_gpu_without_a_gpu_is_bad_input(files, weights, capsys):
    import tensorflow as tf

    if tf.config.list_physical_devices("GPU"):
        pytest.skip("this machine has a GPU, so --device gpu is valid here")
    argv = ["stylize", str(files["content"]), "-o", str(files["out"]), *weights]
    assert main([*argv, "--device", "gpu"]) == 2
    _one_error_line(capsys.readouterr().err, "--device gpu", "no GPU")
    assert not files["out"].exists()


@pytest.mark.skipif(not Path("/sys/kernel").is_dir(), reason="needs Linux's sysfs at /sys")
def test_output_folder_nobody_may_write_into(files, weights, capsys):
    """sysfs refuses new files even to root, so this runs in any Linux container."""
    argv = ["stylize", str(files["content"]), "-o", "/sys/kernel/nst-test.png", *weights]
    assert main(argv) == 2
    _one_error_line(capsys.readouterr().err, "/sys/kernel", "not writable")


@pytest.mark.skipif(
    getattr(os, "geteuid", lambda: -1)() == 0, reason="root can write into a read-only folder"
)
def test_unwritable_output_folder(files, weights, capsys):
    folder = files["dir"] / "locked"
    folder.mkdir(mode=0o555)
    argv = ["stylize", str(files["content"]), "-o", str(folder / "x.png"), *weights]
    assert main(argv) == 2
    _one_error_line(capsys.readouterr().err, "not writable")


def test_a_previous_output_and_its_manifest_are_replaced(files, weights):
    out = files["out"]
    out.write_bytes(b"old")
    write_json(manifest_path(out), {"old": True})
    argv = ["stylize", str(files["content"]), str(files["style"]), "-o", str(out), *weights]
    assert main([*argv, *TINY, "--quiet"]) == 0
    assert _manifest(out)["status"] == "completed"
    with Image.open(out) as img:
        assert img.format == "PNG"


# ---------------------------------------------------------------------------------------------
# presets, layers, help


def test_presets_lists_every_preset_with_source_and_formulas(capsys):
    from nst.formulas import CONTENT_FORMULAS, STYLE_FORMULAS, TV_FORMULAS
    from nst.losses import CONTENT_CONVENTIONS, STYLE_CONVENTIONS, TV_KINDS
    from nst.presets import PRESETS

    assert set(CONTENT_FORMULAS) == set(CONTENT_CONVENTIONS)
    assert set(STYLE_FORMULAS) == set(STYLE_CONVENTIONS)
    assert set(TV_FORMULAS) == set(TV_KINDS)
    assert main(["presets"]) == 0
    out = capsys.readouterr().out
    for preset in PRESETS.values():
        block = out.split(f"{preset.name}: {preset.title}", 1)[1].split("\n\n", 1)[0]
        assert f"source:    {preset.source}" in block
        assert STYLE_FORMULAS[preset.style_convention] in block
        assert CONTENT_FORMULAS[preset.content_convention] in block
        assert f"{preset.style_weight:g} * sum_l w_l E_l" in block
    assert main(["presets", "anish"]) == 0
    one = capsys.readouterr().out
    assert one.startswith("anish: ") and "gatys:" not in one
    assert "TV = mean dy^2 + mean dx^2   [mean-l2]" in one


def test_layers_without_weights_uses_the_architecture(capsys):
    from vgg_mat.network import resolve_layer

    assert main(["layers"]) == 0
    out = capsys.readouterr().out
    assert "VGG-19 architecture" in out and "224x224x3" in out
    rows = {line.split()[0]: line.split() for line in out.splitlines()[4:] if line.strip()}
    assert rows["relu4_2"][1:6] == ["block4_conv2", "relu", "28x28x512", "84", "8"]
    assert rows["conv1_1"][1] == "-" and rows["conv1_1"][-1] == "1,792"
    assert rows["pool5"][1:4] == ["block5_pool", "pool", "7x7x512"]
    assert rows["prob"][1] == "predictions"
    for name, row in rows.items():  # every alias shown maps back to its row
        if row[1] != "-":
            assert resolve_layer(row[1]) == name


def test_layers_of_a_weights_file_at_a_small_size(synthetic_2016_path, capsys):
    assert main(["layers", "--size", "64,48", "--weights", str(synthetic_2016_path)]) == 0
    out = capsys.readouterr().out
    assert "SYNTHETIC" in out and "64x48x3" in out
    rows = {line.split()[0]: line.split() for line in out.splitlines()[4:] if line.strip()}
    assert rows["relu5_1"][3] == "4x3x32"  # 512 // 16 channels; 64x48 / 16 (pools round up)
    assert "fc6" not in rows  # a 7x7 window does not fit pool5's 2x2 output
    assert "do not fit a 64x48 input" in out


def test_help_shows_the_library_defaults(capsys):
    from nst.config import DEFAULTS
    from nst.presets import PRESETS

    with pytest.raises(SystemExit) as exit_info:
        nst.cli.build_parser().parse_args(["stylize", "--help"])
    assert exit_info.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert f"(default: {DEFAULTS['iterations']};" in text
    assert f"(default: {','.join(DEFAULTS['style_layers'])};" in text
    assert f"(default: {DEFAULTS['optimizer']}; one of: lbfgs, adam, sgd" in text
    assert all(name in text for name in PRESETS)
    assert main(["texture", "--help"]) == 0
    assert "(default: noise; one of: content, noise," in " ".join(capsys.readouterr().out.split())
    assert main(["reconstruct", "--help"]) == 0
    assert "(default: relu4_2)" in " ".join(capsys.readouterr().out.split())


def test_the_cli_init_modes_are_the_librarys():
    from nst.choices import INIT_MODES
    from nst.config import INIT_MODES as CONFIG_INIT_MODES

    assert nst.cli.run.INIT_MODES is INIT_MODES is CONFIG_INIT_MODES


def test_init_from_an_image_file(files, weights):
    out = files["out"]
    argv = ["stylize", str(files["content"]), str(files["style"]), "-o", str(out), *weights]
    assert main([*argv, *TINY, "--init", str(files["style2"]), "--quiet"]) == 0
    assert _manifest(out)["settings"]["init"] == str(files["style2"])


# ---------------------------------------------------------------------------------------------
# demo


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_demo_without_network_explains_how_to_get_the_weights(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("VGG19_MAT", raising=False)
    monkeypatch.setenv("VGG_MAT_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("VGG_MAT_URL", f"http://127.0.0.1:{_closed_port()}/x.mat")
    monkeypatch.chdir(tmp_path)
    assert main(["demo", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.startswith("nst demo: error: could not download the VGG-19 weights")
    for phrase in ("vgg-mat download", "VGG19_MAT=", "--weights synthetic", "534,904,783"):
        assert phrase in err, phrase
    assert not (tmp_path / "out").exists()
    assert not list((tmp_path / "cache").glob("*.mat"))
