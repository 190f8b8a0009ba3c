"""references.py: a run or experiment reference is parsed once and says its kind; where the
kind is read from the name, Grid's anchored rule (``-exp<N>`` at the end) decides."""

from __future__ import annotations

import pytest

from jupyter_grid_collab.references import (
    EXPERIMENT,
    RUN,
    Ref,
    ReferenceError,
    kind_of_name,
    looks_like_experiment,
    parse_ref,
)

# names that contain "-exp" but are runs: the old `"-exp" in name` took them for experiments
RUN_NAMES = ["cifar-explore", "x-exp-lore", "a-exp1x", "exp3", "my-experiment", "a-expo"]
EXPERIMENT_NAMES = ["cifar-explore-exp0", "x-exp12", "a-exp1x-exp3", "run-exp999999"]


@pytest.mark.parametrize("name", RUN_NAMES)
def test_a_name_with_exp_inside_is_a_run(name):
    assert not looks_like_experiment(name)
    assert kind_of_name(name) == RUN
    ref = parse_ref(f"alice:{name}")
    assert (ref.kind, ref.owner, ref.name, ref.collection) == (RUN, "alice", name, "runs")
    assert ref.run() == ref and ref.index is None


@pytest.mark.parametrize("name", EXPERIMENT_NAMES)
def test_a_name_ending_in_exp_n_is_an_experiment(name):
    ref = parse_ref(name)
    assert (ref.kind, ref.owner, ref.collection) == (EXPERIMENT, None, "experiments")
    run, _, index = name.rpartition("-exp")
    assert ref.run_name == run and ref.index == int(index)
    assert ref.run() == Ref(RUN, run)


def test_the_kind_given_wins_and_a_contradiction_is_refused_with_its_reason():
    assert parse_ref("alice:cifar-explore", RUN) == Ref(RUN, "cifar-explore", "alice")
    with pytest.raises(
        ReferenceError, match=r"alice:x-exp0 names an experiment, not a run.*alice:x\)"
    ):
        parse_ref("alice:x-exp0", RUN)
    with pytest.raises(
        ReferenceError,
        match="alice:cifar-explore names a run, not an experiment.*alice:cifar-explore-exp0",
    ):
        parse_ref("alice:cifar-explore", EXPERIMENT)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "empty reference"),
        ("Alice:x", "username 'Alice' is not valid"),
        ("alice:My Run", "is not valid"),
        ("alice:x@3", "only applies to datastores"),
        ("x-exp01", "without leading zeros"),
        ("x-exp1234567", "at most 6 digits"),
    ],
)
def test_a_malformed_reference_says_what_is_wrong(text, problem):
    with pytest.raises(ReferenceError, match=problem):
        parse_ref(text)


def test_owner_is_filled_only_when_bare_and_experiments_derive_from_runs():
    bare = parse_ref("cifar-explore")
    assert bare.owned("bob") == Ref(RUN, "cifar-explore", "bob")
    assert parse_ref("alice:cifar-explore").owned("bob").owner == "alice"
    assert bare.experiment(0) == Ref(EXPERIMENT, "cifar-explore-exp0")
    assert str(bare.owned("bob").experiment(2)) == "bob:cifar-explore-exp2"


def test_a_ref_cannot_be_built_inconsistent():
    with pytest.raises(ReferenceError):
        Ref(RUN, "x-exp0")
    with pytest.raises(ReferenceError, match="contains a line break"):
        Ref(RUN, "x-exp1\n")  # a name from a URL path is not stripped
    with pytest.raises(ValueError, match="kind must be one of"):
        Ref("session", "x")  # type: ignore[arg-type]
