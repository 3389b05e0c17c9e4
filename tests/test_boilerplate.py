"""Subscription, login, newsletter, cookie, advertising and "related" boilerplate (index/boilerplate.py).

Field case paywall-boilerplate (tests/data/fieldcases/park_paywall.html): "Subscribe to continue
reading. Already a subscriber? Log in to read the full article." stayed in the text and was cited as
an answer. harbour_walls.html is ours, of the same kind.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from index import ingest
from index.cleaning import clean_text, is_boilerplate
from index.sources import read_paths
from rag.service import Assistant
from rag.settings import Settings

DATA = Path(__file__).resolve().parent / "data" / "fieldcases"
BODY = "The council approved the plan for the harbour on Tuesday evening after a long debate."
AFTER = "Work will start in the spring, officials said."


@pytest.mark.parametrize(
    "line",
    [
        "Subscribe to continue reading. Already a subscriber? Log in to read the full article.",
        "This article is for subscribers only. Start your free trial today and get unlimited access.",
        "Get our daily briefing in your inbox every morning. Sign up now, it's free.",
        "Sign up for our morning newsletter to get the latest local news delivered to your inbox.",
        "Share this article on Facebook, Twitter or by email.",
        "Sie haben das Ende des kostenlosen Bereichs erreicht. Jetzt abonnieren und weiterlesen.",
        "Dieser Artikel ist nur für Abonnenten verfügbar.",
        "Cet article est réservé aux abonnés. Il vous reste 80% de cet article à lire.",
        "Suscríbete para seguir leyendo. ¿Ya eres suscriptor? Inicia sesión.",
        "Questo articolo è riservato agli abbonati.",
        "Este conteúdo é exclusivo para assinantes.",
        "Abbonati per continuare a leggere.",
        "Abonnez-vous pour lire la suite.",
        "Log in to read the full article",
        "Sign in to keep reading …",
        "To continue reading, please subscribe or log in.",
        "This article is only available to subscribers.",
        "You have reached your free article limit. Subscribe now for unlimited digital access.",
        "You've read 3 of 5 free articles this month.",
        "Already have an account? Sign in",
        "Subscribe",
        "Start your free trial",
        "Sign up for our free morning newsletter to get the news first.",
        "Enter your email address",
        "Thank you for subscribing!",
        "By signing up, you agree to our Terms of Use and Privacy Policy.",
        "We use cookies to personalise content and ads. By clicking Accept you agree to our use of cookies.",
        "This website uses cookies to improve your experience.",
        "Accept all | Reject all",
        "Manage cookie preferences",
        "ADVERTISEMENT",
        "Story continues below advertisement",
        "Sponsored content",
        "The post Harbour plan approved appeared first on Coast Times.",
        "Continue reading “Harbour plan approved” →",
    ],
)
def test_prompt_and_notice_lines_are_removed(line: str) -> None:
    assert is_boilerplate(line)
    assert clean_text(f"{BODY}\n\n{line}\n\n{AFTER}") == f"{BODY}\n\n{AFTER}"


@pytest.mark.parametrize(
    "line",
    [
        "Already registered voters will receive their ballots by mail.",
        "Residents can get a subscription to the bus service for 20 euros.",
        "Share prices fell by ten percent after the announcement.",
        "Scam emails landed in thousands of inboxes last week, police said.",
        "Abonnenten der Zeitung erhielten die Nachricht am Montag.",
        "Le journal a perdu des abonnés en 2023.",
        "Abbonati in calo per la Juventus.",
        "Inicia sesión el juicio contra el expresidente.",
        "Accedi, a 35 anni, alla presidenza della regione.",
        "Assine o decreto, pediu o ministro.",
        "Try a free trial of the new bus route, the council urged residents.",
        "Get the latest bulletin on the storm from the Met Office website.",
        "Sign up today and receive alerts to your inbox when the river rises.",
        "Share the story of your flood recovery with our reporters.",
        "Suscríbete a la radio local, dijo el alcalde.",
        "The paper said readers who subscribe to its newsletter rose by a third last year.",
        "Subscribers to the council's alert service were told to log in to see the flood map.",
        "We use cookies, the bakery's owner joked, as a way to welcome every customer.",
        "Advertisement spending at the paper fell by a third.",
        "Sign language interpreters will attend every meeting.",
        "Related talks with the union are expected next week.",
        "The most read story of the year was about the harbour.",
    ],
)
def test_article_sentences_that_mention_the_same_words_are_kept(line: str) -> None:
    assert not is_boilerplate(line)
    assert line in clean_text(f"{BODY}\n\n{line}\n\n{AFTER}")


def test_related_list_headlines_are_removed_and_the_article_after_them_is_kept() -> None:
    text = (
        f"{BODY}\n\nRelated articles\n\nStorm damages harbour wall\n\nFerry timetable changes for winter\n\n"
        f"{AFTER}\n\nMost read\nMayor resigns\nNew bridge opens"
    )
    assert clean_text(text) == f"{BODY}\n\n{AFTER}"


def test_a_subheading_not_under_a_list_heading_is_kept() -> None:
    text = f"{BODY}\n\nWhat happens next\n\n{AFTER}"
    assert clean_text(text) == text


def test_paywall_page_text_ends_with_the_article() -> None:
    [article] = read_paths([DATA / "park_paywall.html"]).articles
    assert article.text.endswith("about two hundred new trees, according to the plans.")
    for word in ("Subscribe", "subscriber", "Log in", "cookies", "Accept"):
        assert word not in article.text


def test_page_with_ads_newsletter_login_wall_and_related_list_keeps_its_three_paragraphs() -> None:
    [article] = read_paths([DATA / "harbour_walls.html"]).articles
    paragraphs = article.text.split("\n\n")
    assert len(paragraphs) == 3
    assert paragraphs[0].startswith("Work to repair the harbour wall")
    assert paragraphs[-1] == "Fishing boats will use the eastern quay while the western berths are closed."


@pytest.mark.real_model
def test_the_paywall_question_abstains_instead_of_citing_the_teaser(
    tmp_path: Path, real_embedder: object
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "park.html").write_bytes((DATA / "park_paywall.html").read_bytes())
    (folder / "water.txt").write_text(
        "Reservoir levels fall\nDate: 2024-07-01\nSource: Test Daily\n\nWater levels in the northern "
        "reservoir fell to a record low in June. Engineers blamed the dry spring and high demand.\n"
    )
    ingest.build(tmp_path / "idx", [folder], real_embedder)  # type: ignore[arg-type]
    assistant = Assistant(Settings(index_dir=tmp_path / "idx"), real_embedder)  # type: ignore[arg-type]
    answer = assistant.ask("What do readers need to do to read the full park article?")
    assert all("Log in" not in c.quote and "Subscribe" not in c.quote for c in answer.citations)
    assert answer.abstained
