import pandas as pd
import pytest

from bayesmixed import datasets

SHAPES = {
    "sleepstudy": (180, 3), "dyestuff": (30, 2), "penicillin": (144, 3), "cbpp": (56, 4),
    "grouseticks": (403, 7), "radon": (919, 4), "kidiq": (434, 4), "roaches": (262, 5),
    "orange": (35, 3), "theoph": (132, 5), "chickweight": (578, 4), "co2": (84, 5),
    "kidney": (76, 7), "wine": (72, 6),
}


@pytest.mark.parametrize("name, shape", SHAPES.items())
def test_loaders(name, shape):
    df = getattr(datasets, f"load_{name}")()
    assert isinstance(df, pd.DataFrame) and df.shape == shape
    for column in datasets._FACTOR_COLUMNS[name]:
        assert pd.api.types.is_string_dtype(df[column]), column


def test_group_ids_are_strings_not_numbers():
    df = datasets.load_sleepstudy()
    assert df["Subject"].iloc[0] == "308"


def test_unknown_dataset():
    with pytest.raises(ValueError, match="Unknown data set 'iris'"):
        datasets.load_dataset("iris")


def test_kidney_and_wine_codings():
    kidney = datasets.load_kidney()
    assert set(kidney["censored"]) == {0, 1} and kidney["censored"].sum() == 18
    assert kidney["patient"].nunique() == 38 and kidney["patient"].iloc[0] == "1"
    assert sorted(kidney["disease"].unique()) == ["AN", "GN", "PKD", "other"]
    wine = datasets.load_wine()
    assert sorted(wine["rating"].unique()) == [1, 2, 3, 4, 5]
    assert wine["rating"].value_counts().sort_index().tolist() == [5, 22, 26, 12, 7]
    assert wine["judge"].nunique() == 9 and wine["bottle"].nunique() == 8
