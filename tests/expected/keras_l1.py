import os

os.environ.setdefault("KERAS_BACKEND", "jax")  # any Keras 3 backend; jax comes with reglab
import keras  # noqa: E402
from keras import layers, optimizers, regularizers  # noqa: E402
from sklearn.datasets import make_moons

X, y = make_moons(100, noise=0.25, random_state=2)

keras.utils.set_random_seed(0)
model = keras.Sequential([
    keras.Input((X.shape[1],)),
    layers.Dense(16, activation="relu", kernel_regularizer=regularizers.L1(0.01)),
    layers.Dense(16, activation="relu", kernel_regularizer=regularizers.L1(0.01)),
    layers.Dense(1, activation="sigmoid"),
])
model.compile(loss="binary_crossentropy", optimizer=optimizers.Adam(0.01), metrics=["accuracy"])
history = model.fit(X, y, epochs=150, batch_size=32, validation_split=0.2, verbose=0)
print({k: v[-1] for k, v in history.history.items()})
