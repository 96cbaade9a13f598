"""`write_atomic`: write a file so that readers see the old one or the new one, never a part.

Every file the project writes (images, run manifests, plots) goes through one function, written
once in `vgg_mat.atomic` (the weights package writes files too, and may not import `nst`): a
temporary file in the destination's folder, the content, the usual ``0666 & ~umask``
permissions, then ``os.replace`` onto the destination, which is atomic on one file system. On
any error, or Ctrl-C, the temporary file is removed and the destination is untouched.
"""

from __future__ import annotations

from vgg_mat.atomic import write_atomic

__all__ = ["write_atomic"]
