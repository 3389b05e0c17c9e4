#!/usr/bin/env python3
"""Build the dated evaluation set (bench/dated/) for newsrag.

Re-runnable and deterministic: reads the shared Wikinews corpus, copies a fixed list of
articles, adds the planted (fictional) articles defined below, writes questions.jsonl next to this
script and the set's corpus to bench/.cache/dated/articles.jsonl (not committed: the Wikinews records
stay in ../shared, which is never copied into the project), then runs the consistency checks (exit code
1 on error).

    python bench/dated/make_set.py            # from the project root
    rag eval bench/dated/questions.jsonl --articles bench/.cache/dated/articles.jsonl

Paths: the corpus is read from <project root>/../shared/corpus.
"""

import datetime as dt
import gzip
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

import question_later  # noqa: F401  (defines its questions into Q, after question_time's, which it imports)
from planted import PLANTED
from question_defs import Q, W

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent  # the project root
ARTICLES = ROOT / "bench" / ".cache" / "dated" / "articles.jsonl"
CORPUS = ROOT / ".." / "shared" / "corpus"

# --------------------------------------------------------------------------------------
# Wikinews articles: those used by questions (gold or contrast) are collected from QUESTIONS;
# DISTRACTORS are topically related articles that no question needs.
# --------------------------------------------------------------------------------------
DISTRACTORS = [
    W + t
    for t in [
        # US jobs / unemployment
        "US_unemployment_hits_two-year_high",
        "US_job_cuts_last_month_highest_since_1974,_unemployment_rate_rises",
        "ADP_says_US_economy_lost_742,000_jobs_in_March",
        "US_unemployment_rate_reaches_9.4_percent",
        "US_unemployment_rate_falls_in_January",
        "US_economy_added_290,000_jobs_last_month,_unemployment_at_9.9%",
        "US_unemployment_rate_remains_unchanged_at_9.5%_in_July",
        "June_jobs_report_shows_rising_US_unemployment,_economic_outlook_worsens",
        "US_economy_adds_215,000_jobs_in_July;_unemployment_rate_remains_steady_at_5.3%",
        "UK_unemployment_rate_reaches_thirteen-year_high",
        "Eurozone_unemployment_rate_reaches_ten_percent",
        # US Federal Reserve
        "US_Federal_Reserve_ceases_to_publish_M3_index",
        "Federal_Reserve_chief's_stagflation_scare",
        "US_interest_rates_rise_to_2.75%",
        "Central_banks_worldwide_cut_interest_rates",
        "Ben_Bernanke_confirmed_as_Federal_Reserve_chairman_for_second_term",
        # UK prime minister / parliament
        "UK_PM_Brown_meets_with_US_President_Bush_at_Camp_David",
        "Boris_Johnson_elected_Conservative_leader,_slated_to_be_Britain's_next_Prime_Minister",
        "Queen_Elizabeth_agrees_to_suspend_UK_Parliament_ahead_of_Brexit_deadline",
        "UK_Supreme_Court_rules_prorogation_of_parliament_unlawful",
        # Puerto Rico
        "Governor_of_Puerto_Rico_indicted_in_campaign_finance_probe",
        "Seismic_activity_continues_to_shake_Puerto_Rico_with_5.2_quake",
        # strikes (distractors for the planted strike stories and the NYC transit dispute)
        "NYC's_transit_workers_approve_strike_authorization",
        "Toronto_prepares_for_Monday_transit_strike",
        "Bus_drivers_to_strike_in_Auckland",
        "Bus_drivers_strike_for_six_days_in_Auckland",
        "Transit_strike_affects_100,000_in_Helsinki",
        "Ontario_college_teachers_begin_strike",
        # 2020 US election
        "Bernie_Sanders_endorses_Joe_Biden_in_2020_United_States_presidential_election",
        "Elizabeth_Warren_endorses_Joe_Biden_in_2020_US_presidential_election",
        "O’Rourke_ends_US_presidential_bid",
        "Bloomberg,_Warren_end_US_presidential_campaigns_following_Super_Tuesday",
        "Bernie_Sanders_ends_2020_US_presidential_bid",
        "Joe_Biden_wins_2020_South_Carolina_US_Democratic_presidential_primary",
        "Donald_Trump_wins_2020_US_Republican_delegates_from_Nevada",
        # Hong Kong 2019
        "Hong_Kong_protesters_surround_downtown_police_complex",
        "Police_shoot_teenage_protester_as_Hong_Kong_demonstrations_continue",
        "Hundreds_of_Hong_Kong_district_council_seats_go_to_pro-democracy_candidates",
        # COVID-19
        "World_Health_Organization_declares_COVID-19_pandemic",
        "US_President_Trump_declares_COVID-19_national_emergency",
        # weather / disasters (for the planted ferry and flood stories)
        "Hurricane_Dorian_leaves_trail_of_destruction_in_the_Bahamas",
        "Politicians_call_for_action_after_floods_cause_havoc_in_the_UK",
    ]
]


# --------------------------------------------------------------------------------------
# Relative-time windows (inclusive [start, end], on article dates)
# --------------------------------------------------------------------------------------
def D(s):
    return dt.date.fromisoformat(s)


def windows(rel, asof):
    """All accepted readings of a relative expression; the gold must fit every reading."""
    a = D(asof)
    if rel == "this_week":  # rolling 7 days ending at as-of, and calendar week (Mon..as-of)
        return [(a - dt.timedelta(days=6), a), (a - dt.timedelta(days=a.weekday()), a)]
    if rel == "yesterday":
        y = a - dt.timedelta(days=1)
        return [(y, y)]
    if rel == "last_month":  # the previous calendar month
        first = a.replace(day=1)
        prev_end = first - dt.timedelta(days=1)
        return [(prev_end.replace(day=1), prev_end)]
    if rel.startswith("month:"):  # a named calendar month, e.g. "in March 2006"
        y, m = map(int, rel.split(":", 1)[1].split("-"))
        nxt = dt.date(y + (m == 12), m % 12 + 1, 1)
        return [(dt.date(y, m, 1), nxt - dt.timedelta(days=1))]
    if rel.startswith("before:"):
        return [(dt.date(1900, 1, 1), D(rel.split(":", 1)[1]) - dt.timedelta(days=1))]
    raise ValueError(rel)


# --------------------------------------------------------------------------------------
def load_corpus():
    recs = {}
    with gzip.open(CORPUS / "wikinews-2004-2018.jsonl.gz", "rt", encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            recs[r["id"]] = r
    with open(CORPUS / "wikinews-2019-2020.jsonl", encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            recs[r["id"]] = r
    return recs


def main():
    corpus = load_corpus()
    errors, warns = [], []
    planted_by_id = {p["id"]: p for p in PLANTED}

    # ---- articles
    used = []
    for x in Q:
        for aid, _ in x["gold"]:
            used.append(aid)
        used.extend(x["contrast"])
    wiki_ids = [i for i in dict.fromkeys(used + DISTRACTORS) if not i.startswith("planted:")]
    missing = [i for i in wiki_ids if i not in corpus]
    if missing:
        errors.append(f"articles not in corpus: {missing}")
    arts = {i: corpus[i] for i in wiki_ids if i in corpus}
    arts.update(planted_by_id)
    unused_planted = [p for p in planted_by_id if p not in used]
    if unused_planted:
        warns.append(f"planted articles not referenced by any question: {unused_planted}")
    n_distr = len([i for i in DISTRACTORS if i not in used])
    overlap = [i for i in DISTRACTORS if i in used]
    if overlap:
        errors.append(f"distractors also used by questions: {overlap}")

    # ---- checks per question
    ids = Counter(x["id"] for x in Q)
    for k, c in ids.items():
        if c > 1:
            errors.append(f"duplicate id {k}")
    TYPES = {"as_of", "relative_window", "latest", "before_after", "conflict", "control"}
    for x in Q:
        qid, asof = x["id"], D(x["date"])
        if x["type"] not in TYPES:
            errors.append(f"{qid}: bad type")
        # gold articles / quotes
        for aid, quote in x["gold"]:
            a = arts.get(aid)
            if a is None:
                errors.append(f"{qid}: gold article missing {aid}")
                continue
            if quote not in a["text"]:
                errors.append(f"{qid}: quote not an exact substring of {aid}: {quote[:60]!r}")
            if D(a["date"]) > asof:
                errors.append(f"{qid}: gold {aid} dated {a['date']} after as-of {x['date']}")
        gold_texts = [arts[a]["text"] for a, _ in x["gold"] if a in arts]
        if x["answers"]:
            if not x["gold"]:
                errors.append(f"{qid}: answers without gold articles")
            ok = [ans for ans in x["answers"] if any(ans.lower() in t.lower() for t in gold_texts)]
            if not ok:
                errors.append(f"{qid}: no answer string occurs in a gold article")
            if x["type"] == "conflict":
                if len(x["gold"]) != 2 or len(x["answers"]) != 2:
                    errors.append(f"{qid}: conflict needs 2 gold articles and 2 answers")
                else:
                    (a1, _), (a2, _) = x["gold"]
                    if not arts[a1]["date"] > arts[a2]["date"]:
                        errors.append(f"{qid}: conflict gold not newest first")
                    for ans, (aid, _) in zip(x["answers"], x["gold"], strict=False):
                        if ans not in arts[aid]["text"]:
                            errors.append(f"{qid}: conflict value {ans} not in {aid}")
                        if any(ans in arts[o]["text"] for o, _ in x["gold"] if o != aid):
                            errors.append(f"{qid}: conflict value {ans} also in the other report")
        else:  # abstain-by-date
            if x["gold"]:
                errors.append(f"{qid}: unanswerable question with gold articles")
            if not x["contrast"]:
                errors.append(f"{qid}: unanswerable question needs the later answering article(s)")
            for c in x["contrast"]:
                if c in arts and D(arts[c]["date"]) <= asof:
                    errors.append(f"{qid}: answering article {c} is not after as-of")
            for s in x["absent"]:
                for aid, a in arts.items():
                    if D(a["date"]) <= asof and s.lower() in a["text"].lower():
                        errors.append(f"{qid}: {s!r} already in {aid} ({a['date']}) before as-of")
        # windows
        if x["rel"]:
            wins = windows(x["rel"], x["date"])
            x["window"] = {
                "start": wins[0][0].isoformat() if wins[0][0].year > 1900 else None,
                "end": wins[0][1].isoformat(),
            }
            for aid, _ in x["gold"]:
                d = D(arts[aid]["date"])
                if not all(s <= d <= e for s, e in wins):
                    errors.append(f"{qid}: gold {aid} ({d}) outside window {wins}")
            for c in x["contrast"]:
                d = D(arts[c]["date"])
                if any(s <= d <= e and d <= asof for s, e in wins):
                    errors.append(f"{qid}: contrast {c} ({d}) inside window")
            if x["type"] == "relative_window" and not x["contrast"]:
                errors.append(f"{qid}: relative_window needs a same-topic article outside the window")
        # newest-on-topic: no other matching article between the gold date and the cut-off
        if x["topic"] and x["gold"]:
            cutoff = asof
            if x["rel"]:
                cutoff = min(cutoff, windows(x["rel"], x["date"])[0][1])
            gd = max(D(arts[a]["date"]) for a, _ in x["gold"])
            gold_ids = {a for a, _ in x["gold"]}
            for aid, a in arts.items():
                if aid in gold_ids:
                    continue
                t = a["title"] + " " + a["text"]
                if gd <= D(a["date"]) <= cutoff and all(any(k in t for k in grp) for grp in x["topic"]):
                    warns.append(
                        f"{qid}: same-topic article {aid} ({a['date']}) is as new as the gold "
                        f"— check it does not change the answer"
                    )
        # contrast articles exist
        for c in x["contrast"]:
            if c not in arts:
                errors.append(f"{qid}: contrast article missing {c}")
    # as_of groups: same question text with >= 2 dates and different answers
    groups = defaultdict(list)
    for x in Q:
        if x["type"] in ("as_of", "latest", "conflict", "before_after"):
            groups[x["question"]].append(x)
    for text, xs in groups.items():
        if any(x["type"] in ("as_of", "latest") for x in xs):
            dates = {x["date"] for x in xs}
            answers = {tuple(x["answers"]) for x in xs}
            if len(dates) < 2 or len(answers) < 2:
                errors.append(f"as_of/latest group needs >=2 dates with different answers: {text!r}")

    # ---- write
    out_arts = sorted(arts.values(), key=lambda a: (a["date"] or "", a["id"]))
    ARTICLES.parent.mkdir(parents=True, exist_ok=True)
    with open(ARTICLES, "w", encoding="utf-8") as f:
        for a in out_arts:
            f.write(json.dumps(a, ensure_ascii=False) + "\n")
    with open(HERE / "questions.jsonl", "w", encoding="utf-8") as f:
        for x in Q:
            rec = {
                "id": x["id"],
                "question": x["question"],
                "answers": x["answers"],
                "article_ids": [a for a, _ in x["gold"]],
                "quotes": [qq for _, qq in x["gold"]],
                "date": x["date"],
                "type": x["type"],
            }
            if x.get("window"):
                rec["window"] = x["window"]
            if x["contrast"]:
                rec["contrast_ids"] = x["contrast"]
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")

    # ---- report
    n_plant = len(planted_by_id)
    print(
        f"articles: {len(out_arts)} (wikinews {len(wiki_ids)}, of which distractors {n_distr}; planted {n_plant})"
    )
    print(f"questions: {len(Q)}  by type: {dict(Counter(x['type'] for x in Q))}")
    print(f"unanswerable (answers=[]): {sum(1 for x in Q if not x['answers'])}")
    for w in warns:
        print("WARN", w)
    for e in errors:
        print("ERROR", e)
    if not 30 <= len(Q) <= 40:
        print("ERROR question count out of range")
        errors.append("count")
    if sum(1 for x in Q if not x["answers"]) < 5:
        print("ERROR fewer than 5 unanswerable")
        errors.append("unans")
    print("OK" if not errors else f"{len(errors)} error(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
