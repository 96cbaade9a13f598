"""Side-by-side benchmarks: our `nst.stylize` against the pipelines users would pick instead.

Run ``python -m benchmarks.run`` (``--quick`` for a tiny network and small images) from the
repository root; it writes ``BENCHMARKS.md``. The modules:

- `inputs`      the shared synthetic full-width VGG-19 weights (written once into a cache
  folder) and the same content/style images for every pipeline;
- `flops`       analytic FLOP counts of a step and the TF float32 matmul probe;
- `peers`       the TensorFlow tutorial's Keras pipeline (compiled and eager) and a PyTorch stack;
- `ours`        `nst.stylize` as users call it, timed between yielded Steps, with an L-BFGS probe;
- `timing`      interleaved rounds of one step per pipeline at one size;
- `lbfgs_cost`  scipy's L-BFGS-B iteration away from the network, against the bare algebra;
- `memory`      fresh-process figures: peak RSS and time from command start to the first step;
- `quality`     time to quality against the TF tutorial's 1000-step recipe (cached reference);
- `c2f`         coarse-to-fine against a single-scale run of equal final loss, in fresh
  processes: wall time and peak RSS (issue 6);
- `report`      the Markdown tables, the machine description and the target verdicts;
- `run`         the single entry point.

Nothing here is imported by `vgg_mat` or `nst`, and the test suite runs only a smoke run
(``tests/test_benchmarks_smoke.py``).
"""
