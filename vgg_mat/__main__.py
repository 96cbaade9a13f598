"""``python -m vgg_mat``: the `vgg-mat` command line."""

from vgg_mat.cli import main

raise SystemExit(main())
