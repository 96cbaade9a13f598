"""``nst train`` and ``nst apply``: end to end on tiny inputs, and every kind of bad input.

The weights are the session's width/16 synthetic miniature, the generators 2-4 channels wide,
the images 32-64 px: a few seconds in all. Bad input must exit with status 2 and one line on
stderr, before TensorFlow is imported (checked in a fresh interpreter for the photo checks).
"""

from __future__ import annotations

import json
import pickle
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from nst.cli import main

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def files(tmp_path_factory, write_smooth_image):
    """A style image, a folder of three photos, a folder of small ones, an empty folder."""
    root = tmp_path_factory.mktemp("feedforward_cli")
    (root / "photos").mkdir()
    (root / "small").mkdir()
    (root / "empty").mkdir()
    write_smooth_image(root / "style.png", (40, 40), 0)
    for k, shape in enumerate([(40, 52), (44, 48), (37, 45)]):
        write_smooth_image(root / "photos" / f"p{k}.png", shape, k + 1)
    write_smooth_image(root / "small" / "tiny.png", (20, 64), 9)
    (root / "empty" / "readme.txt").write_text("no photos here")
    return root


@pytest.fixture(scope="module")
def models(files, synthetic_2016_path):
    """A transformation network and a texture network, trained for 3 steps by `nst train`."""
    common = [
        "--steps",
        "3",
        "--size",
        "32",
        "--batch",
        "2",
        "--weights",
        str(synthetic_2016_path),
        "--quiet",
    ]
    johnson = files / "models" / "johnson.npz"  # the folder is made by nst train
    status = main(
        [
            "train",
            str(files / "style.png"),
            "--images",
            str(files / "photos"),
            "-o",
            str(johnson),
            "--width",
            "4",
            "--blocks",
            "1",
            "--checkpoint-every",
            "2",
            *common,
        ]
    )
    assert status == 0
    texture = files / "models" / "texture.npz"
    status = main(
        [
            "train",
            str(files / "style.png"),
            "--texture",
            "-o",
            str(texture),
            "--scales",
            "3",
            "--width",
            "3",
            *common,
        ]
    )
    assert status == 0
    return {"johnson": johnson, "texture": texture}


def test_train_writes_a_model_and_its_manifest(models):
    manifest = json.loads(models["johnson"].with_suffix(".json").read_text())
    assert manifest["status"] == "completed" and manifest["checkpoints"] == [2, 3]
    assert manifest["training"]["batch"] == 2 and manifest["synthetic"] is True
    assert manifest["architecture"] == {"kind": "johnson", "width": 4, "blocks": 1}
    assert len(manifest["history"]["losses"]["total"]) == 3
    assert manifest["trained_on"].startswith("3 photo(s)")
    texture = json.loads(models["texture"].with_suffix(".json").read_text())
    assert texture["loss"]["content_weight"] == 0.0 and texture["trained_on"].startswith("noise")


def test_apply_keeps_each_photos_size(files, models, tmp_path, capsys):
    photo = files / "photos" / "p2.png"  # 37x45: no side a multiple of 4
    out = tmp_path / "one.png"
    assert main(["apply", str(models["johnson"]), str(photo), "-o", str(out)]) == 0
    with Image.open(out) as image:
        assert image.size == (45, 37)
        assert "SYNTHETIC" in image.text["Warning"]
    assert "[SYNTHETIC RANDOM WEIGHTS" in capsys.readouterr().err
    folder = tmp_path / "all"
    assert (
        main(["apply", str(models["johnson"]), str(files / "photos"), "-o", str(folder), "--quiet"])
        == 0
    )
    for source in sorted((files / "photos").iterdir()):
        with Image.open(source) as a, Image.open(folder / source.name) as b:
            assert a.size == b.size


def test_apply_makes_a_texture_of_any_size(models, tmp_path):
    out = tmp_path / "texture.png"
    assert main(["apply", str(models["texture"]), "-o", str(out), "--size", "50", "--quiet"]) == 0
    with Image.open(out) as image:
        assert image.size == (50, 50)


def _bad(files, models, tmp_path):
    pickled = tmp_path / "pickled.npz"
    pickled.write_bytes(pickle.dumps({"kernel": np.zeros(3)}))
    with_object = tmp_path / "object.npz"
    np.savez(
        with_object,
        **dict(np.load(models["johnson"])),
        extra=np.array([{"run": "code"}], dtype=object),
    )
    not_npy = tmp_path / "not_npy.npz"  # np.load returns such an entry as bytes
    shutil.copy(models["johnson"], not_npy)
    with zipfile.ZipFile(not_npy, "a") as archive:
        archive.writestr("run.py", b"print('hello')")
    style, photos, weights = str(files / "style.png"), str(files / "photos"), "synthetic"
    return {
        "empty folder": (
            ["train", style, "--images", str(files / "empty"), "-o", "m.npz", "--weights", weights],
            "no images in it",
        ),
        "small photos": (
            [
                "train",
                style,
                "--images",
                str(files / "small"),
                "-o",
                "m.npz",
                "--size",
                "32",
                "--weights",
                weights,
            ],
            "smaller than the training size 32",
        ),
        "size": (
            [
                "train",
                style,
                "--images",
                photos,
                "-o",
                "m.npz",
                "--size",
                "30",
                "--weights",
                weights,
            ],
            "multiples of 4",
        ),
        "no images": (["train", style, "-o", "m.npz", "--weights", weights], "--images DIR"),
        "not npz": (
            [
                "train",
                style,
                "--images",
                photos,
                "-o",
                "m.pkl",
                "--size",
                "32",
                "--weights",
                weights,
            ],
            "written as .npz",
        ),
        "a pickle": (
            ["apply", str(pickled), photos, "-o", str(tmp_path / "o")],
            "is a Python pickle",
        ),
        "object array": (
            ["apply", str(with_object), photos, "-o", str(tmp_path / "o")],
            "pickled object array",
        ),
        "not a model": (["apply", style, photos, "-o", str(tmp_path / "o")], "not a model file"),
        "not an array": (
            ["apply", str(not_npy), photos, "-o", str(tmp_path / "o")],
            f"model {not_npy}: holds 'run.py', which is not a .npy array",
        ),
        "too wide": (
            [
                "train",
                style,
                "--images",
                photos,
                "-o",
                "m.npz",
                "--width",
                "1000",
                "--size",
                "32",
                "--weights",
                weights,
            ],
            "--width 1000: the transformation network takes 1 to 128",
        ),
        "earlier run": (
            [
                "train",
                style,
                "--images",
                photos,
                "-o",
                str(models["johnson"]),
                "--size",
                "32",
                "--weights",
                weights,
            ],
            f"output {models['johnson']} exists (an earlier run?)",
        ),
        "photo too small": (
            ["apply", str(models["johnson"]), photos, "-o", str(tmp_path / "o"), "--size", "12"],
            "at least 16 px",
        ),
        "texture size": (
            ["apply", str(models["texture"]), "-o", str(tmp_path / "t.png"), "--size", "8"],
            "at least 16 px",
        ),
        "texture photo": (
            ["apply", str(models["texture"]), photos, "-o", str(tmp_path / "t")],
            "takes no PHOTO",
        ),
    }


def test_bad_input_exits_2_with_one_line(files, models, tmp_path, capsys):
    for name, (argv, expected) in _bad(files, models, tmp_path).items():
        capsys.readouterr()
        assert main(argv) == 2, name
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith(f"nst {argv[0]}: error: "), (name, err)
        assert expected in err, (name, err)
    assert not (tmp_path / "o").exists() and not Path("m.npz").exists()


def test_apply_labels_a_model_that_does_not_say_its_weights_unknown(
    files, models, tmp_path, capsys
):
    """A model file from before the provenance was required: its images never pass for real."""
    arrays = dict(np.load(models["johnson"], allow_pickle=False))
    meta = json.loads(arrays["__model__"].tobytes())
    for key in ("synthetic", "vgg_weights", "vgg_checksum", "notice"):
        del meta["info"][key]
    old = tmp_path / "old.npz"
    np.savez(old, **dict(arrays, __model__=np.frombuffer(json.dumps(meta).encode(), np.uint8)))
    out = tmp_path / "old.png"
    assert main(["apply", str(old), str(files / "photos" / "p0.png"), "-o", str(out)]) == 0
    with Image.open(out) as image:
        assert image.text["Weights"] == "unknown"
        assert "UNKNOWN PROVENANCE" in image.text["Warning"]
    assert "[UNKNOWN PROVENANCE]" in capsys.readouterr().err


def test_a_non_finite_step_exits_1_leaving_no_model_of_another_run(
    files, models, synthetic_2016_path, tmp_path, monkeypatch, capsys
):
    """--force removes the earlier run's model and manifest; the new run's first gradient is
    NaN, so it stops with status 1 before any checkpoint: no model on disk, not the old one,
    not one of NaN weights."""
    tf = pytest.importorskip("tensorflow")
    import nst.feedforward.loss as loss_module

    class NaNGradient(loss_module.PerceptualLoss):
        def __call__(self, images, contents=None):  # + k - k, k = sum sqrt(0 y): gradient NaN
            kink = tf.reduce_sum(tf.sqrt(0.0 * images))
            extra = tf.one_hot(0, len(self.keys)) * (kink - tf.stop_gradient(kink))
            return super().__call__(images, contents) + extra

    out = tmp_path / "model.npz"
    shutil.copy(models["johnson"], out)
    shutil.copy(models["johnson"].with_suffix(".json"), out.with_suffix(".json"))
    monkeypatch.setattr(loss_module, "PerceptualLoss", NaNGradient)
    capsys.readouterr()
    status = main(["train", str(files / "style.png"), "--images", str(files / "photos"), "-o",
                   str(out), "--steps", "3", "--size", "32", "--batch", "1", "--width", "2",
                   "--blocks", "0", "--checkpoint-every", "1", "--weights",
                   str(synthetic_2016_path), "--quiet", "--force"])  # fmt: skip
    err = capsys.readouterr().err
    assert status == 1, err
    assert "gradient became non-finite at step 1" in err and "no model was written" in err
    assert not out.exists()
    manifest = json.loads(out.with_suffix(".json").read_text())
    assert manifest["status"] == "failed" and manifest["kept_checkpoint"] is None
    assert manifest["architecture"]["width"] == 2  # the new run's manifest, alone


def test_photo_checks_come_before_tensorflow(files):
    code = (
        "import sys\nfrom nst.cli import main\n"
        f"status = main(['train', {str(files / 'style.png')!r}, '--images', "
        f"{str(files / 'small')!r}, '-o', 'm.npz', '--size', '32', '--weights', 'synthetic'])\n"
        "assert 'tensorflow' not in sys.modules, 'tensorflow was imported'\n"
        "sys.exit(status)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 2, result.stderr[-2000:]
    assert "smaller than the training size" in result.stderr


def test_sigterm_keeps_the_last_checkpoint(files, synthetic_2016_path, tmp_path):
    """A real `nst train` process, stopped by SIGTERM once its second checkpoint is written."""
    import signal
    import time

    out = tmp_path / "model.npz"
    command = [sys.executable, "-m", "nst", "train", str(files / "style.png"), "--images",
               str(files / "photos"), "-o", str(out), "--steps", "100000", "--size", "32",
               "--batch", "1", "--width", "2", "--blocks", "0", "--checkpoint-every", "2",
               "--weights", str(synthetic_2016_path), "--quiet"]  # fmt: skip
    process = subprocess.Popen(command, cwd=REPO, stderr=subprocess.PIPE, text=True)
    manifest = out.with_suffix(".json")
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and process.poll() is None:
            if manifest.exists() and len(json.loads(manifest.read_text())["checkpoints"]) >= 2:
                break
            time.sleep(0.2)
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 143, err[-2000:]
    record = json.loads(manifest.read_text())
    assert record["status"] == "interrupted" and record["message"] == "SIGTERM"
    from nst.feedforward.modelfile import read_model_file

    meta, _ = read_model_file(out)  # a whole file: the last checkpoint
    assert meta["info"]["step"] == record["kept_checkpoint"] == record["checkpoints"][-1]
    assert "stopped by SIGTERM" in err and f"the model of step {meta['info']['step']}" in err
