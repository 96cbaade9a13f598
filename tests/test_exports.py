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
