"""Code the tests (and the benchmarks) share that the product never runs: exact solvers, small worlds."""
