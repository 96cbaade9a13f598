"""Name checks, presets and layer tables work without importing TensorFlow (a 5-8 s import)."""

from __future__ import annotations

import subprocess
import sys

from vgg_mat.names import VGG19_LAYER_NAMES, keras_alias, resolve_layer


def test_config_presets_formulas_and_layer_names_do_not_import_tensorflow():
    code = (
        "import sys, nst.config, nst.presets, nst.formulas, nst.conventions, nst.cli, "
        "vgg_mat.names, vgg_mat.geometry, vgg_mat.matfile\n"
        "nst.config.resolve_config(preset='gatys', layer_names=vgg_mat.names.VGG19_LAYER_NAMES)\n"
        "assert 'tensorflow' not in sys.modules, 'tensorflow was imported'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]


def test_keras_alias_is_the_inverse_of_resolve_layer():
    aliased = 0
    for name in VGG19_LAYER_NAMES:
        alias = keras_alias(name)
        if alias is not None:
            assert resolve_layer(alias) == name
            aliased += 1
    # 16 relu*_* of the conv blocks, 5 pools, relu6, relu7, prob
    assert aliased == 16 + 5 + 3
    assert keras_alias("conv4_2") is None and keras_alias("fc6") is None
    assert keras_alias("relu4_2") == "block4_conv2" and keras_alias("relu7") == "fc2"
