"""The simulation study: data generators and the harness that runs the pipeline's stages on
them. No stage imports this package: it lives beside the runtime path, as decoupler's ``bm``."""
