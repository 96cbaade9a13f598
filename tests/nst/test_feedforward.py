"""nst.feedforward: the layers, both generators, the batch loss, training, model files.

Everything runs on the session's tiny synthetic VGG-19 (width_divisor 16) at 32 px, with
generators of width 4-8: the point is the mechanics (the loss falls, a seed repeats a run, a
model file round-trips bit for bit), not pictures.
"""

from __future__ import annotations

import json
import pickle
import zipfile

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")

from nst.config import resolve_config  # noqa: E402
from nst.feedforward.data import PhotoCrops, check_photo_sizes, find_photos  # noqa: E402
from nst.feedforward.johnson import TransformNet  # noqa: E402
from nst.feedforward.layers import instance_norm, upsample  # noqa: E402
from nst.feedforward.loss import PerceptualLoss  # noqa: E402
from nst.feedforward.modelfile import (  # noqa: E402
    ModelFileError,
    load_model,
    read_model_file,
    save_model,
)
from nst.feedforward.session import fit, model_info  # noqa: E402
from nst.feedforward.texture import TextureNet  # noqa: E402
from nst.feedforward.train import TrainSettings, noise_source, photo_source, train  # noqa: E402


@pytest.fixture(scope="module")
def photos(content32, style32b):
    """Four 40x48 'photos': the fixtures' images, flipped and padded."""
    out = []
    for image in (content32, style32b, content32[::-1], style32b[:, ::-1]):
        out.append(np.pad(image, ((4, 4), (8, 8), (0, 0)), mode="reflect").astype(np.float32))
    return out


def _losses(model, loss, source, settings):
    return [step.losses["total"] for step in train(model, loss, source, settings)]


def test_instance_norm_is_the_formula():
    x = np.random.RandomState(0).normal(3.0, 2.0, (2, 5, 4, 3)).astype(np.float32)
    scale, offset = np.array([1.0, 2.0, 0.5], np.float32), np.array([0.0, 1.0, -1.0], np.float32)
    mean = x.mean(axis=(1, 2), keepdims=True)
    var = x.var(axis=(1, 2), keepdims=True)
    expected = (x - mean) / np.sqrt(var + 1e-5) * scale + offset
    np.testing.assert_allclose(
        instance_norm(x, scale, offset).numpy(), expected, rtol=1e-4, atol=1e-5
    )


def test_upsample_copies_each_pixel_into_a_block():
    x = np.arange(6, dtype=np.float32).reshape(1, 2, 3, 1)
    y = upsample(x, 2).numpy()
    assert y.shape == (1, 4, 6, 1)
    np.testing.assert_array_equal(y[0, ::2, ::2, 0], x[0, :, :, 0])
    np.testing.assert_array_equal(y[0, 1::2, 1::2, 0], x[0, :, :, 0])


def test_transform_net_keeps_any_photo_size_and_refuses_tiny_ones():
    net = TransformNet(width=4, blocks=1)
    image = np.random.RandomState(1).uniform(0, 255, (37, 45, 3)).astype(np.float32)
    out = net.stylize(image)
    assert out.shape == (37, 45, 3) and out.dtype == np.float32
    assert out.min() >= 0.0 and out.max() <= 255.0
    with pytest.raises(ValueError, match="at least 16 px"):
        net.stylize(image[:12])


def test_perceptual_loss_of_one_image_equals_the_objective(tiny_net, content32, style32):
    """The batch loss is the optimiser's loss, term for term (batch of 1, every term on)."""
    from nst.objective import Objective, image_to_variable

    config = resolve_config(
        None, tv_weight=1e-2, content_convention="mse", style_convention="johnson", tv_kind="l2"
    )
    generated = np.clip(content32 + 30.0 * np.sin(content32 / 17.0), 0, 255)[None]
    loss = PerceptualLoss(tiny_net, config, styles=[style32[None]])
    ours = loss(tf.constant(generated), tf.constant(content32[None])).numpy()
    objective = Objective(tiny_net, config, content=content32[None], styles=[style32[None]])
    theirs = objective.values(tf.constant(image_to_variable(generated, 255.0))).numpy()
    assert loss.keys == objective.keys
    np.testing.assert_allclose(ours, theirs, rtol=1e-4)


def test_training_loss_falls_in_a_few_dozen_steps(tiny_net, photos, style32):
    """The loss on a fixed batch of the photos, before and after 30 steps of Adam (lr 1e-3).

    Batch losses jump from step to step (each batch holds other crops), so the test compares
    the network on the same four crops; seed 0 makes the run exactly repeatable on CPU.
    """
    config = resolve_config(None, tv_weight=1e-3)
    loss = PerceptualLoss(tiny_net, config, styles=[style32[None]])
    settings = TrainSettings(steps=30, batch=2, size=32, learning_rate=1e-3, seed=0)
    model = TransformNet(width=8, blocks=1, seed=0)
    fixed = tf.constant(np.stack([p[4:36, 8:40] for p in photos]))  # (4, 32, 32, 3)
    before = float(loss(model(fixed), fixed)[0])
    totals = _losses(model, loss, photo_source(photos, settings), settings)
    after = float(loss(model(fixed), fixed)[0])
    assert len(totals) == 30 and all(np.isfinite(totals))
    assert after < 0.75 * before, (before, after)  # 0.47 when written


def test_texture_generator_trains_from_noise_alone(tiny_net, style32):
    config = resolve_config(None, content_weight=0.0, content_layers=())
    loss = PerceptualLoss(tiny_net, config, styles=[style32[None]])
    assert "content/relu4_2" not in loss.keys
    settings = TrainSettings(steps=25, batch=2, size=32, learning_rate=1e-2, seed=0)
    model = TextureNet(scales=3, width=4, seed=0)
    fixed = [tf.constant(z) for z in model.noise(np.random.RandomState(7), 2, 32, 32)]
    before = float(loss(model(fixed))[0])
    _losses(model, loss, noise_source(model, settings), settings)  # no photo anywhere
    after = float(loss(model(fixed))[0])
    assert after < 0.6 * before, (before, after)
    texture = model.generate(40, 24, seed=3)
    assert texture.shape == (40, 24, 3)
    assert not np.array_equal(texture, model.generate(40, 24, seed=4))  # new noise, new sample


def test_a_seed_repeats_a_run_on_cpu(tiny_net, photos, style32):
    config = resolve_config(None)
    loss = PerceptualLoss(tiny_net, config, styles=[style32[None]])
    settings = TrainSettings(steps=4, batch=2, size=32, seed=5)
    runs = []
    for _ in range(2):
        model = TransformNet(width=4, blocks=1, seed=5)
        runs.append(
            (
                _losses(model, loss, photo_source(photos, settings), settings),
                model.down[0].conv.kernel.numpy(),
            )
        )
    assert runs[0][0] == runs[1][0]
    np.testing.assert_array_equal(runs[0][1], runs[1][1])


def test_save_and_reload_give_bit_identical_output(
    tmp_path, tiny_weights, tiny_net, photos, style32
):
    config = resolve_config(None)
    loss = PerceptualLoss(tiny_net, config, styles=[style32[None]])
    settings = TrainSettings(steps=3, batch=1, size=32, learning_rate=1e-2)
    model = TransformNet(width=4, blocks=1)
    _losses(model, loss, photo_source(photos, settings), settings)
    path = save_model(tmp_path / "m.npz", model, weights=tiny_weights, info={"step": 3})
    again, meta = load_model(path)
    assert meta["architecture"] == model.architecture and meta["info"]["step"] == 3
    assert meta["info"]["synthetic"] is True and meta["info"]["vgg_weights"] == tiny_weights.label
    photo = photos[0][:, :45]
    model.stylize(photos[1][:36, :40])  # another size first: the original has seen two shapes
    np.testing.assert_array_equal(model.stylize(photo), again.stylize(photo))
    texture = TextureNet(scales=2, width=3, seed=9)
    same, _ = load_model(save_model(tmp_path / "t.npz", texture, weights=tiny_weights))
    texture.generate(28, 36)
    np.testing.assert_array_equal(texture.generate(20, 20), same.generate(20, 20))


def _with_meta(path, arrays, **changes):
    """A copy of a model's `arrays` at `path` whose ``__model__`` has `changes` applied."""
    meta = json.loads(arrays["__model__"].tobytes())
    for dotted, value in changes.items():
        *parents, key = dotted.split("__")
        target = meta
        for parent in parents:
            target = target[parent]
        target[key] = value
    np.savez(path, **dict(arrays, __model__=np.frombuffer(json.dumps(meta).encode(), np.uint8)))
    return path


def test_model_files_that_are_not_models_are_refused(tmp_path, tiny_weights):
    model = TransformNet(width=2, blocks=0)
    good = save_model(tmp_path / "good.npz", model, weights=tiny_weights)
    arrays = dict(np.load(good, allow_pickle=False))
    cases = {}
    cases["pickle"] = tmp_path / "pickle.npz"
    cases["pickle"].write_bytes(pickle.dumps({"weights": np.zeros(3)}))
    cases["object"] = tmp_path / "object.npz"
    np.savez(cases["object"], **arrays, sneaky=np.array([{"a": 1}], dtype=object))
    cases["plain"] = tmp_path / "plain.npz"
    np.savez(cases["plain"], a=np.zeros(3, np.float32))
    cases["truncated"] = tmp_path / "truncated.npz"
    cases["truncated"].write_bytes(good.read_bytes()[:500])
    edited = dict(arrays, **{"out/bias": np.zeros(4, np.float32)})
    cases["shape"] = tmp_path / "shape.npz"
    np.savez(cases["shape"], **edited)
    cases["kind"] = _with_meta(tmp_path / "kind.npz", arrays, architecture__kind="gan")
    cases["not npy"] = tmp_path / "not_npy.npz"  # a zip entry np.load would return as bytes
    cases["not npy"].write_bytes(good.read_bytes())
    with zipfile.ZipFile(cases["not npy"], "a") as archive:
        archive.writestr("notes.txt", b"not an array")
    cases["width 0"] = _with_meta(tmp_path / "w0.npz", arrays, architecture__width=0)
    # 16,384 channels at the residual blocks: about 10 GB per kernel, were it built
    cases["huge"] = _with_meta(tmp_path / "huge.npz", arrays, architecture__width=4096)
    cases["synthetic"] = _with_meta(tmp_path / "syn.npz", arrays, info__synthetic="yes")
    messages = {
        "pickle": "is a Python pickle",
        "object": "pickled object array",
        "plain": "no __model__ entry",
        "truncated": "not an .npz|damaged",
        "shape": "out/bias has shape",
        "kind": "unknown network kind 'gan'",
        "not npy": "holds 'notes.txt', which is not a .npy array",
        "width 0": "width=0 must be an integer from 1 to 128",
        "huge": "width=4096 must be an integer from 1 to 128",
        "synthetic": "synthetic='yes'; it must be true or false",
    }
    for name, path in cases.items():
        # read_model_file: no TensorFlow, no network built; load_model says the same
        for read in (read_model_file, load_model):
            with pytest.raises(ModelFileError, match=messages[name]) as error:
                read(path)
            assert str(path) in str(error.value) and "\n" not in str(error.value)


def test_photos_are_found_checked_and_cropped_reproducibly(tmp_path, write_smooth_image):
    with pytest.raises(ValueError, match="no images in it"):
        find_photos(tmp_path)
    write_smooth_image(tmp_path / "a.png", (40, 50), 0)
    write_smooth_image(tmp_path / "b.jpg", (30, 64), 1)
    (tmp_path / "notes.txt").write_text("not a photo")
    found = find_photos(tmp_path)
    assert [p.name for p in found] == ["a.png", "b.jpg"]
    check_photo_sizes(found, 30)
    with pytest.raises(ValueError, match="b.jpg is 30x64, smaller than the training size 32"):
        check_photo_sizes(found, 32)
    first = PhotoCrops(found, size=24, batch=3, seed=2).next_batch()
    assert first.shape == (3, 24, 24, 3)
    np.testing.assert_array_equal(first, PhotoCrops(found, size=24, batch=3, seed=2).next_batch())


def test_fit_keeps_the_last_checkpoint_when_interrupted(
    tmp_path, tiny_weights, tiny_net, photos, style32
):
    config = resolve_config(None)
    loss = PerceptualLoss(tiny_net, config, styles=[style32[None]])
    settings = TrainSettings(steps=10, batch=1, size=32, checkpoint_every=2)
    crops = photo_source(photos, settings)
    calls = []

    def source():  # Ctrl-C arrives while the 5th batch is prepared
        calls.append(1)
        if len(calls) == 5:
            raise KeyboardInterrupt
        return crops()

    model = TransformNet(width=4, blocks=1)
    info = model_info(
        settings, config, tiny_weights, style="style32", trained_on="4 photos", step=0
    )
    out = tmp_path / "model.npz"
    outcome = fit(model, loss, source, settings, out=out, info=info, quiet=True)
    assert (outcome.status, outcome.exit_status, outcome.steps) == ("interrupted", 130, 4)
    assert outcome.checkpoint == 4
    saved, meta = load_model(out)
    assert meta["info"]["step"] == 4 and meta["info"]["synthetic"] is True
    np.testing.assert_array_equal(saved.out.kernel.numpy(), model.out.kernel.numpy())
    manifest = json.loads(out.with_suffix(".json").read_text())
    assert manifest["status"] == "interrupted" and manifest["message"] == "SIGINT"
    assert manifest["checkpoints"] == [2, 4] and manifest["kept_checkpoint"] == 4
    assert len(manifest["history"]["losses"]["total"]) == 4
    assert manifest["loss"]["style_weight"] == config.style_weight


def test_the_package_exports_resolve_lazily():
    import importlib

    import nst.feedforward as package

    for name, module in package._EXPORTS.items():
        value = getattr(package, name)
        assert value is getattr(importlib.import_module(f"nst.feedforward.{module}"), name)
