"""Everything JAX: the MLP (mlp), its penalties, the step as an optax chain (chain, sparse), one run as
one compiled program (program, exported), and the runner that trains jobs on an executor (runner). Importing
``reglab.engine`` alone imports no JAX: ``engine.history`` is read by results too."""
