"""Training what a user asked for into Runs (``training``), a study's folder and report (``study``), a sweep
(``sweeps``) and the comparison with scikit-learn's GridSearchCV (``versus_gridsearch``): the work every face
calls, on the engine's one runner."""
