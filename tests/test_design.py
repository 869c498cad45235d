"""Encodings learned at fit and replayed at predict; group indices."""

import numpy as np
import pandas as pd
import pytest

from bayesmixed.datasets import load_grouseticks, load_penicillin, load_sleepstudy
from bayesmixed.design import Design
from bayesmixed.exceptions import FormulaError
from bayesmixed.spec import parse_formula


def design(formula, data):
    return Design(parse_formula(formula)).fit(data)


def test_sleepstudy_design():
    df = load_sleepstudy()
    d = design("Reaction ~ Days + (Days | Subject)", df)
    data = d.transform(df)
    assert d.population.has_intercept and d.population.names == ["Days"]
    assert d.coef_means == pytest.approx([4.5])
    block = d.blocks[0]
    assert block.names == ["Intercept", "Days"] and block.n_levels == 18
    # integer indices and an n x q block: memory O(n q), never n x G
    assert data.terms["Subject"]["index"].dtype == np.int64 and data.terms["Subject"]["index"].shape == (180,)
    assert data.terms["Subject"]["Z"].shape == (180, 2)
    assert np.array_equal(data.terms["Subject"]["Z"][:, 1], df["Days"].to_numpy())
    labels = np.array(block.level_labels)[data.terms["Subject"]["index"]]
    assert np.array_equal(labels, df["Subject"].to_numpy())


def test_categorical_treatment_contrasts_and_r_names():
    df = load_grouseticks()
    d = design("TICKS ~ YEAR + cHEIGHT + YEAR:cHEIGHT + C(LOCATION == '32')", df)
    assert d.population.names[:3] == ["YEAR96", "YEAR97", "cHEIGHT"]
    assert "YEAR96:cHEIGHT" in d.population.names
    X = d.transform(df).X
    assert np.array_equal(X[:, 0], (df["YEAR"] == "96").to_numpy(float))


def test_pandas_categorical_levels_follow_the_categories():
    df = pd.DataFrame(
        {"x": pd.Categorical(["b", "a", "c", "a"], categories=["c", "b", "a"]), "y": [1.0, 2, 3, 4]}
    )
    d = design("y ~ x", df)
    assert d.population.names == ["xb", "xa"]


def test_encoding_replayed_on_new_data():
    df = load_grouseticks()
    d = design("TICKS ~ YEAR + I(cHEIGHT ** 2) + (1 | LOCATION)", df)
    subset = df.iloc[[5, 200, 7]]
    full = d.transform(df)
    part = d.transform(subset)
    assert np.array_equal(part.X, full.X[[5, 200, 7]])
    assert np.array_equal(part.terms["LOCATION"]["index"], full.terms["LOCATION"]["index"][[5, 200, 7]])


def test_unseen_category_is_an_error():
    df = load_grouseticks()
    d = design("TICKS ~ YEAR + (1 | LOCATION)", df)
    new = df.iloc[:2].copy()
    new["YEAR"] = ["99", "95"]
    with pytest.raises(ValueError, match=r"Category '99' of 'YEAR' was not seen at fit"):
        d.transform(new)


def test_new_group_levels_are_numbered_after_known_ones():
    df = load_sleepstudy()
    d = design("Reaction ~ Days + (1 | Subject)", df)
    new = pd.DataFrame({"Days": [1, 2, 3, 4], "Subject": ["308", "x", "y", "x"]})
    data = d.transform(new)
    assert list(data.terms["Subject"]["index"]) == [0, 18, 19, 18]
    assert data.new_levels["Subject"] == ["x", "y"]


def test_nested_and_interaction_groups():
    df = load_penicillin()
    d = design("diameter ~ (1 | plate/sample)", df)
    assert [b.key for b in d.blocks] == ["plate", "plate:sample"]
    assert d.blocks[1].n_levels == 144
    assert d.blocks[1].level_labels[0] == "a:A"


def test_several_blocks_per_group_get_distinct_keys():
    df = load_sleepstudy()
    d = design("Reaction ~ Days + (1 | Subject) + (0 + Days | Subject)", df)
    assert [b.key for b in d.blocks] == ["Subject.0", "Subject.1"]
    assert d.groups == ["Subject"]


def test_repeated_effect_in_a_group_is_an_error():
    df = load_sleepstudy()
    with pytest.raises(ValueError, match="'Subject' has \\['Intercept'\\] in more than one"):
        design("Reaction ~ Days + (1 | Subject) + (Days | Subject)", df)


def test_group_indices_invariant_under_row_permutation():
    df = load_sleepstudy()
    permutation = np.random.default_rng(0).permutation(len(df))
    shuffled = df.iloc[permutation].reset_index(drop=True)
    a = design("Reaction ~ Days + (Days | Subject)", df)
    b = design("Reaction ~ Days + (Days | Subject)", shuffled)
    assert a.blocks[0].level_labels == b.blocks[0].level_labels
    assert np.array_equal(a.transform(df).terms["Subject"]["index"][permutation], b.transform(shuffled).terms["Subject"]["index"])


def test_missing_column_named():
    df = load_sleepstudy()
    with pytest.raises(FormulaError, match="Column 'Subjct' used in the random-effect term"):
        design("Reaction ~ Days + (Days | Subjct)", df)
    with pytest.raises(FormulaError, match="Column 'Dayz' used in the population-level"):
        design("Reaction ~ Dayz", df)


@pytest.mark.parametrize("column", ["Days", "Subject"])
def test_missing_values_named(column):
    df = load_sleepstudy()
    df.loc[3, column] = None
    with pytest.raises(ValueError, match=f"Column '{column}'.*1 missing value"):
        design("Reaction ~ Days + (Days | Subject)", df)


def test_offset_values():
    df = load_sleepstudy()
    d = design("Reaction ~ Days + offset(log(Days + 1))", df)
    assert np.allclose(d.transform(df).offset, np.log(df["Days"] + 1))


def test_user_frame_not_modified():
    df = load_sleepstudy()
    frozen = df.copy(deep=True)
    d = design("Reaction ~ Days + (Days | Subject)", df)
    d.transform(df)
    pd.testing.assert_frame_equal(df, frozen)
