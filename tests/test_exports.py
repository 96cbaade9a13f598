"""Every name the packages export lazily resolves to an object of the module it names."""

from __future__ import annotations

import importlib

import pytest

import nst
import vgg_mat


@pytest.mark.parametrize("package", [nst, vgg_mat], ids=["nst", "vgg_mat"])
def test_every_lazy_export_resolves(package):
    for name, module in package._EXPORTS.items():
        value = getattr(package, name)
        assert value is getattr(importlib.import_module(f"{package.__name__}.{module}"), name)
    with pytest.raises(AttributeError, match="no attribute 'not_a_name'"):
        package.not_a_name  # noqa: B018


def test_functions_named_like_their_modules_stay_functions_after_the_modules_load():
    # `from vgg_mat.download import find_weights` imports the module `vgg_mat.download`;
    # the package attribute must still be the function `download` (and likewise `classify`).
    importlib.import_module("vgg_mat.download")
    importlib.import_module("vgg_mat.classify")
    assert callable(vgg_mat.download) and vgg_mat.download.__name__ == "download"
    assert callable(vgg_mat.classify) and vgg_mat.classify.__name__ == "classify"
