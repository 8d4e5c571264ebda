"""What a user can say, checked in one place: a model (``config.ModelConfig``), its regularizers and their kinds,
the executors, a spec and a sweep's grid, the history's figures; the one-line errors. Every layer above reads it;
it imports nothing of reglab's but the data sets a spec names."""
