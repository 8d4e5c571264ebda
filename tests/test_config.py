"""Model settings, regularizer strings and specs: good values parse, bad ones give one line naming the field."""

import math

import pytest

import reglab
from reglab import ReglabError
from reglab.studies import spec
from reglab.vocabulary import regularizers
from reglab.vocabulary.config import ModelConfig


def test_keras_names_and_defaults():
    assert reglab.l1() == regularizers.Regularizer(l1=0.01)
    assert reglab.l2() == regularizers.Regularizer(l2=0.01)
    assert reglab.l1_l2() == regularizers.Regularizer(l1=0.01, l2=0.01)
    c = ModelConfig()
    assert (c.learning_rate, c.beta_1, c.beta_2, c.epsilon, c.batch_size, c.epochs) == (0.001, 0.9, 0.999, 1e-7, 32, 1)


@pytest.mark.parametrize("text, expected", [
    ("l1", (0.01, 0.0)), ("l1(0.001)", (0.001, 0.0)), ("l2(0.5)", (0.0, 0.5)), ("l1_l2", (0.01, 0.01)),
    ("l1_l2(l1=0.1, l2=0.2)", (0.1, 0.2)), ({"l1": 0.3}, (0.3, 0.0)),
])
def test_regularizers_from_text(text, expected):
    r = regularizers.get(text)
    assert (r.l1, r.l2) == expected


def test_one_regularizer_applies_to_hidden_layers_only():
    c = ModelConfig(hidden=(4, 5), kernel_regularizer="l2(0.1)")
    assert c.kernel_regularizers() == (reglab.l2(0.1), reglab.l2(0.1), None)
    assert c.bias_regularizers() == (None, None, None)
    per_layer = ModelConfig(hidden=(4,), kernel_regularizer=[None, "l1(0.2)"])
    assert per_layer.kernel_regularizers() == (None, reglab.l1(0.2))


def test_config_round_trips_through_plain_data():
    c = ModelConfig(hidden=(4,), kernel_regularizer="l1_l2(l1=0.1, l2=0.2)", bias_regularizer=[None, "l2"], dropout=0.1)
    assert ModelConfig(**c.to_dict()) == c


@pytest.mark.parametrize("settings, field, shown", [
    ({"kernel_regularizer": "l3(0.1)"}, "kernel_regularizer", "'l3(0.1)'"),
    ({"kernel_regularizer": "l1(-0.1)"}, "kernel_regularizer.l1", "-0.1"),
    ({"kernel_regularizer": {"l2": math.nan}}, "kernel_regularizer.l2", "nan"),
    ({"kernel_regularizer": {"l2": math.inf}}, "kernel_regularizer.l2", "inf"),
    ({"kernel_regularizer": [None]}, "kernel_regularizer", "[None]"),
    ({"activation": "swish"}, "activation", "'swish'"),
    ({"optimizer": "rmsprop"}, "optimizer", "'rmsprop'"),
    ({"learning_rate": 0}, "learning_rate", "0"),
    ({"learning_rate": -0.1}, "learning_rate", "-0.1"),
    ({"learning_rate": math.inf}, "learning_rate", "inf"),
    ({"dropout": 1.0}, "dropout", "1.0"),
    ({"dropout": -0.1}, "dropout", "-0.1"),
    ({"dropout": math.nan}, "dropout", "nan"),
    ({"epochs": 0}, "epochs", "0"),
    ({"batch_size": 0}, "batch_size", "0"),
    ({"hidden": [128, 0]}, "hidden[1]", "0"),
    ({"seed": -1}, "seed", "-1"),
    ({"momentum": 1.0}, "momentum", "1.0"),
])
def test_bad_model_settings_give_one_line(settings, field, shown):
    with pytest.raises(ReglabError) as err:
        ModelConfig(**settings)
    message = str(err.value)
    assert message.startswith(f"{field}: got {shown}; allowed: ") and "\n" not in message


def test_fit_rejects_unknown_settings():
    with pytest.raises(ReglabError, match="^kernel_regulariser:"):
        reglab.fit("moons", kernel_regulariser="l1")


def test_seed_spec_parses_to_the_lectures_models_and_a_lambda_path():
    study = spec.read(spec.builtin("seed"))
    assert [name for name, _ in study.models] == ["none", "l1(0.001)", "l2(0.01)", "dropout 0.2", "l1(0.001) proximal"]
    none, lasso, ridge, dropout, prox = (c for _, c in study.models)
    assert none.hidden == (128, 128) and none.learning_rate == 0.01 and none.epochs == 2000
    assert lasso.kernel_regularizers() == (reglab.l1(0.001),) * 2 + (None,)
    assert ridge.kernel_regularizers()[0] == reglab.l2(0.01) and dropout.dropout == 0.2
    assert prox.kernel_regularizers()[0] == reglab.l1(0.001, method="proximal")
    assert study.data == {"name": "moons", "n": 100, "noise": 0.25, "seed": 2} and study.validation_split == 0.2
    assert study.grid.regularizers == ("l1_proximal", "l2") and study.grid.lambdas == (1e-4, 1e-3, 1e-2, 1e-1, 1.0)
    assert study.grid.seeds == (0, 1, 2)
    assert spec.read("seed") == study  # a built-in spec by name, as `reglab run seed` reads it


@pytest.mark.parametrize("doc, field", [
    ({"models": [{"name": "a"}], "colour": 1}, "spec.colour"),
    ({"models": [{"name": "a", "kernel_regulariser": "l1"}]}, "models[0].kernel_regulariser"),
    ({"models": [{"name": "a", "learning_rate": -1}]}, "models[0].learning_rate"),
    ({"models": [{"name": "a"}], "defaults": {"epoch": 3}}, "defaults.epoch"),
    ({"models": [{"name": "a"}], "data": {"name": "mnist"}}, "data.name"),
    ({"models": [{"name": "a"}], "data": {"validation_split": 1.2}}, "data.validation_split"),
    ({"models": []}, "models"),
    ({"models": [{"name": "a"}, {"name": "a"}]}, "models[1].name"),
    ({"models": [{"name": "a"}], "plot": {"xlim": [3, 1]}}, "plot.xlim"),
])
def test_bad_specs_give_one_line(doc, field):
    with pytest.raises(ReglabError) as err:
        spec.parse(doc)
    assert str(err.value).startswith(field + ":") and "\n" not in str(err.value)


def test_spec_overrides_replace_seed_and_epochs_of_every_model():
    study = spec.read(spec.builtin("seed")).with_overrides(seed=5, epochs=3)
    assert {(c.seed, c.epochs) for _, c in study.models} == {(5, 3)}
