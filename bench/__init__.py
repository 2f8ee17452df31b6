"""cdx's benchmarks: `python -m bench` runs them all; each figure is printed against a baseline
measured in the same run, since the machines are shared and noisy and only ratios compare."""
