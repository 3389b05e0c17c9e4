"""The verifier's check that a quote says the opposite of a claim (rag/generation/contradiction.py)."""

from __future__ import annotations

import pytest

from rag.generation.contradiction import contradicts

FOOTBRIDGE = "The Rivervale footbridge reopened on Wednesday after two weeks of repairs."
CARAVAN = "About 2,000 migrants left the southern city of San Isidro on foot on Monday."


@pytest.mark.parametrize(
    ("claim", "quote"),
    [
        ("The footbridge is closed until further notice.", FOOTBRIDGE),  # antonym
        ("The footbridge has not reopened.", FOOTBRIDGE),  # negation in the claim
        ("The footbridge reopened.", "The footbridge has not reopened yet."),  # negation in the quote
        ("The footbridge reopened on Tuesday.", FOOTBRIDGE),  # another day
        ("About 7,500 migrants left San Isidro.", CARAVAN),  # another number
        ("Unemployment rose in March.", "Unemployment fell in March."),
        ("The council rejected the plan.", "The council approved the plan on Monday."),
        ("The Greens lost the election.", "The Greens won the election."),
        ("The court found him guilty.", "The court acquitted him."),
        ("The ferries were suspended in May.", "The ferries resumed in June."),
    ],
)
def test_a_quote_that_says_the_opposite_contradicts(claim: str, quote: str) -> None:
    assert contradicts(claim, quote)


@pytest.mark.parametrize(
    ("claim", "quote"),
    [
        ("The footbridge reopened on Wednesday.", FOOTBRIDGE),
        ("The footbridge is not closed any more.", FOOTBRIDGE),  # a negated antonym agrees
        ("About 2,000 migrants left on Monday.", CARAVAN),
        ("The migrants had no money for rent.", "They had run out of money for rent and food."),
        ("The migrants could not pay rent.", "They had run out of money for rent and food."),
        ("The bridge may reopen in June.", "The bridge will reopen in June."),  # "may", not the month
        ("The storm closed three ports.", "A powerful storm closed three ports on the northern coast."),
        ("The ban was lifted.", "Officials lifted the ban on fishing."),
        ("Repairs took two weeks.", FOOTBRIDGE),
    ],
)
def test_a_quote_that_agrees_or_says_more_does_not_contradict(claim: str, quote: str) -> None:
    assert not contradicts(claim, quote)
