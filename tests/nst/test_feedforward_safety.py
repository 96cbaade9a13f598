"""nst.feedforward, the guards: weight shapes without TensorFlow, provenance, non-finite steps,
one run per model file, and the batch loss against the optimiser's loss on a batch of two.

Same scale as test_feedforward.py: the tiny synthetic VGG-19, 32 px, generators of width 2-4.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")

from nst.config import resolve_config  # noqa: E402
from nst.feedforward.johnson import TransformNet  # noqa: E402
from nst.feedforward.layers import named_variables  # noqa: E402
from nst.feedforward.loss import PerceptualLoss  # noqa: E402
from nst.feedforward.modelfile import load_model, save_model  # noqa: E402
from nst.feedforward.origin import image_label, notice, trained_with  # noqa: E402
from nst.feedforward.session import fit, model_info  # noqa: E402
from nst.feedforward.spec import parameter_count, weight_shapes  # noqa: E402
from nst.feedforward.texture import TextureNet  # noqa: E402
from nst.feedforward.train import TrainSettings, photo_source, train  # noqa: E402


class Poisoned:
    """A loss whose gradient becomes NaN (its value staying finite) once `poison` is called.

    The extra term is k - k with k = sum sqrt(e y): 0 in value; its gradient is
    e / (2 sqrt(e y)), finite for e = 1 (every y > 0) and 0 * inf = NaN once e = 0.
    """

    def __init__(self, loss):
        self.loss, self.keys, self.net = loss, loss.keys, loss.net
        self.e = tf.Variable(1.0)

    def poison(self):
        self.e.assign(0.0)

    def __call__(self, images, contents=None):
        values = self.loss(images, contents)
        kink = tf.reduce_sum(tf.sqrt(self.e * images))
        return values + tf.one_hot(0, len(self.keys)) * (kink - tf.stop_gradient(kink))


@pytest.fixture(scope="module")
def photos(content32, style32b):
    return [np.pad(i, ((4, 4), (8, 8), (0, 0)), mode="reflect") for i in (content32, style32b)]


@pytest.mark.parametrize(
    "architecture",
    [
        {"kind": "johnson", "width": 3, "blocks": 0},
        {"kind": "johnson", "width": 2, "blocks": 2},
        {"kind": "texture", "scales": 1, "width": 2},
        {"kind": "texture", "scales": 3, "width": 2},
    ],
)
def test_weight_shapes_are_the_networks_own(architecture):
    """`spec.weight_shapes` (no TensorFlow) lists exactly the variables the network creates."""
    kind, settings = architecture["kind"], {k: v for k, v in architecture.items() if k != "kind"}
    model = TransformNet(**settings) if kind == "johnson" else TextureNet(**settings)
    built = {name: tuple(v.shape) for name, v in named_variables(model).items()}
    assert weight_shapes(architecture) == built
    assert parameter_count(architecture) == sum(int(np.prod(s)) for s in built.values())


def test_a_model_says_which_weights_trained_it(tmp_path, tiny_weights):
    model = TransformNet(width=2, blocks=0)
    with pytest.raises(TypeError, match="weights"):
        save_model(tmp_path / "m.npz", model)  # the provenance has no default
    with pytest.raises(ValueError, match="synthetic"):
        save_model(tmp_path / "m.npz", model, weights=tiny_weights, info={"synthetic": False})
    _, meta = load_model(save_model(tmp_path / "m.npz", model, weights=tiny_weights))
    info = meta["info"]
    assert (
        info["synthetic"] is True and "SYNTHETIC" in image_label(info, "t", made_by="m")["Warning"]
    )
    assert notice(info) == "SYNTHETIC RANDOM WEIGHTS, NOT A STYLE-TRANSFER RESULT"
    real = {"synthetic": False, "vgg_weights": "VGG weights from x.mat", "vgg_checksum": "ab"}
    assert "Warning" not in image_label(real, "t", made_by="m") and notice(real) is None
    for old in ({}, {"vgg_weights": "VGG weights from x.mat"}, {"synthetic": False}):
        assert trained_with(old) is None  # an older file: never labelled real
        assert "UNKNOWN PROVENANCE" in image_label(old, "t", made_by="m")["Warning"]


def test_a_non_finite_gradient_stops_training_before_the_update(tiny_net, photos, style32):
    loss = Poisoned(PerceptualLoss(tiny_net, resolve_config(None), styles=[style32[None]]))
    settings = TrainSettings(steps=5, batch=1, size=32, seed=1)
    model = TransformNet(width=2, blocks=0, seed=1)
    steps = train(model, loss, photo_source(photos, settings), settings)
    next(steps)
    before = {name: v.numpy() for name, v in named_variables(model).items()}
    loss.poison()
    with pytest.raises(FloatingPointError, match="gradient became non-finite at step 2"):
        next(steps)
    for name, variable in named_variables(model).items():
        np.testing.assert_array_equal(variable.numpy(), before[name])  # no NaN written


def test_fit_keeps_the_last_finite_checkpoint(tmp_path, tiny_weights, tiny_net, photos, style32):
    config = resolve_config(None)
    loss = Poisoned(PerceptualLoss(tiny_net, config, styles=[style32[None]]))
    settings = TrainSettings(steps=8, batch=1, size=32, checkpoint_every=2)
    crops, calls = photo_source(photos, settings), []

    def source():  # the gradient of step 4 is NaN: the step of a checkpoint
        calls.append(1)
        if len(calls) == 4:
            loss.poison()
        return crops()

    model = TransformNet(width=2, blocks=0)
    info = model_info(settings, config, tiny_weights, style="s", trained_on="2 photos", step=0)
    out = tmp_path / "model.npz"
    outcome = fit(model, loss, source, settings, out=out, info=info, quiet=True)
    assert (outcome.status, outcome.exit_status, outcome.checkpoint) == ("failed", 1, 2)
    _, meta = load_model(out)  # finite weights: the checkpoint of step 2
    assert meta["info"]["step"] == 2
    manifest = json.loads(out.with_suffix(".json").read_text())
    assert manifest["status"] == "failed" and manifest["kept_checkpoint"] == 2
    assert manifest["checkpoints"] == [2] and "non-finite at step 4" in manifest["message"]


def test_fit_never_mixes_two_runs(tmp_path, tiny_weights, tiny_net, photos, style32):
    config = resolve_config(None)
    loss = Poisoned(PerceptualLoss(tiny_net, config, styles=[style32[None]]))
    settings = TrainSettings(steps=2, batch=1, size=32, checkpoint_every=2)
    info = model_info(settings, config, tiny_weights, style="s", trained_on="2 photos", step=0)
    out = tmp_path / "model.npz"
    first = fit(TransformNet(width=2, blocks=0), loss, photo_source(photos, settings), settings,
                out=out, info=info, quiet=True)  # fmt: skip
    assert first.checkpoint == 2 and out.exists()
    with pytest.raises(FileExistsError, match="overwrite=True"):
        fit(TransformNet(width=2, blocks=0), loss, photo_source(photos, settings), settings,
            out=out, info=info, quiet=True)  # fmt: skip
    assert json.loads(out.with_suffix(".json").read_text())["status"] == "completed"
    loss.poison()  # the second run stops at step 1, before its first checkpoint
    second = fit(TransformNet(width=2, blocks=0), loss, photo_source(photos, settings), settings,
                 out=out, info=info, quiet=True, overwrite=True)  # fmt: skip
    assert second.checkpoint is None and not out.exists()  # the first run's model is gone
    manifest = json.loads(out.with_suffix(".json").read_text())
    assert manifest["status"] == "failed" and manifest["kept_checkpoint"] is None


@pytest.mark.parametrize(
    "settings",
    [
        {},
        {"tv_weight": 1e-2, "content_convention": "mse", "style_convention": "keras-example"},
    ],
)
def test_a_batch_of_two_is_the_mean_of_two_objectives(
    tiny_net, content32, style32, style32b, settings
):
    """PerceptualLoss on [y1, y2] with contents [x1, x2] = (Objective(x1)(y1) + Objective(x2)(y2))
    / 2, term by term: the per-image loss of `nst.stylize`, averaged over the batch."""
    from nst.objective import Objective, image_to_variable

    config = resolve_config(None, **settings)
    contents = np.stack([content32, style32b])
    generated = np.clip(contents + 30.0 * np.sin(contents / 17.0), 0, 255).astype(np.float32)
    loss = PerceptualLoss(tiny_net, config, styles=[style32[None]])
    ours = loss(tf.constant(generated), tf.constant(contents)).numpy()
    singles = []
    for y, x in zip(generated, contents, strict=True):
        objective = Objective(tiny_net, config, content=x[None], styles=[style32[None]])
        z = tf.constant(image_to_variable(y[None], config.pixel_range))
        singles.append(objective.values(z).numpy())
        assert objective.keys == loss.keys
    assert not np.allclose(singles[0], singles[1], rtol=1e-3)  # two different images
    assert np.all(ours[1:3] > 0) and (ours[3] > 0) == (config.tv_weight > 0)
    np.testing.assert_allclose(ours, np.mean(singles, axis=0), rtol=1e-4, atol=1e-6)
