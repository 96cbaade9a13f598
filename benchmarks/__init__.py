"""Side-by-side benchmarks: our `nst.stylize` against the pipelines users would pick instead.

Run ``python -m benchmarks.run`` (``--quick`` for a tiny network and small images) from the
repository root; it writes ``BENCHMARKS.md``. The modules:

- `inputs`  the shared synthetic full-width VGG-19 weights (written once into a cache folder)
  and the same content/style images for every pipeline;
- `flops`   analytic FLOP counts of a step and the TF float32 matmul rate of this machine;
- `peers`   the TensorFlow tutorial's Keras pipeline (compiled and eager) and a PyTorch stack;
- `ours`    `nst.stylize` as users call it, timed between yielded Steps, with an L-BFGS probe;
- `memory`  fresh-process figures: peak RSS and time from command start to the first step;
- `report`  the Markdown table, the machine description and the target verdicts;
- `run`     the single entry point.

Nothing here is imported by `vgg_mat` or `nst`, and the test suite runs only a smoke run.
"""
