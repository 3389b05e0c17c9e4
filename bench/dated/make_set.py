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

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent  # the project root
ARTICLES = ROOT / "bench" / ".cache" / "dated" / "articles.jsonl"
CORPUS = ROOT / ".." / "shared" / "corpus"
W = "wikinews:"

# --------------------------------------------------------------------------------------
# Planted articles (fictional; written for this project)
# --------------------------------------------------------------------------------------
PLANTED_SOURCE = "Planted (newsrag test)"
PLANTED_ATTRIB = (
    "Written for the newsrag project as a planted test article. The events, places, "
    "people and outlets are fictional."
)


def planted(pid, title, date, outlet, text):
    return {
        "id": "planted:" + pid,
        "title": title,
        "date": date,
        "url": None,
        "source": PLANTED_SOURCE,
        "outlet": outlet,
        "text": text,
        "attribution": PLANTED_ATTRIB,
        "planted": True,
    }


PLANTED = [
    # ---- conflict pair 1: ferry death toll 12 (day 1) vs 19 (day 2)
    planted(
        "lake-varno-ferry-meridian-2021-03-14",
        "Ferry capsizes on Lake Varno, at least 12 dead",
        "2021-03-14",
        "Meridian Wire",
        "A passenger ferry capsized on Lake Varno on Saturday evening, killing at least 12 people, "
        "the regional emergency service told the Meridian Wire. The vessel, the Kestrel Star, was "
        "carrying about 60 passengers from Tarnholm to the island village of Esk when it overturned "
        "in strong winds roughly two kilometres from shore. Rescue boats pulled 31 survivors from the "
        'water overnight, and divers were due to resume the search at first light. "We fear the '
        'number of dead will rise," said Anneli Vorst, a spokeswoman for the emergency service. The '
        "operator, Varno Lake Lines, said it was cooperating with investigators and had suspended all "
        "crossings. Officials said the ferry had passed a safety inspection in January.",
    ),
    planted(
        "lake-varno-ferry-coastal-herald-2021-03-15",
        "Lake Varno ferry death toll rises to 19",
        "2021-03-15",
        "Coastal Herald",
        "The death toll from Saturday's ferry capsizing on Lake Varno has risen to 19, the Coastal "
        "Herald reported on Monday, after divers recovered seven more bodies from the wreck of the "
        "Kestrel Star. Eleven people are still listed as missing. The ferry sank in about 40 metres of "
        "water after overturning in a sudden squall on its way from Tarnholm to Esk. Investigators are "
        "examining whether the vessel was overloaded, since its licence allowed only 48 passengers. "
        "The regional governor, Pieter Halm, declared three days of mourning. Varno Lake Lines has "
        "suspended all of its crossings until further notice.",
    ),
    # ---- conflict pair 2: job cuts 1,200 vs 1,500
    planted(
        "halvorsen-jobs-northgate-2020-10-05",
        "Halvorsen Motors to cut 1,200 jobs at Dunmore plant",
        "2020-10-05",
        "Northgate Business Daily",
        "Carmaker Halvorsen Motors will cut 1,200 jobs at its Dunmore assembly plant, Northgate "
        "Business Daily reported on Monday, citing two people familiar with the plan. The company is "
        "expected to end the night shift and move production of its compact van to a newer factory. "
        "The Dunmore plant employs about 4,800 people and is the largest private employer in the "
        "area. A Halvorsen spokesman said the company does not comment on speculation. Union leaders "
        "said they had not been consulted and would seek an urgent meeting with management.",
    ),
    planted(
        "halvorsen-jobs-ledger-2020-10-07",
        "Halvorsen Motors confirms 1,500 job cuts in Dunmore",
        "2020-10-07",
        "The Ledger Review",
        "Halvorsen Motors will cut 1,500 jobs at its Dunmore plant, The Ledger Review reported on "
        "Wednesday after the company briefed union representatives. The cuts, spread over the next "
        "eighteen months, include the end of the night shift and the closure of the paint shop. "
        "Chief executive Marit Solberg said falling demand for diesel vans had left the plant running "
        "at half of its capacity. The company said it hoped most of the reductions would come through "
        "voluntary redundancy and early retirement. The regional development agency promised a "
        "retraining fund for affected workers.",
    ),
    # ---- conflict pair 3: flood evacuations 4,000 vs 6,500
    planted(
        "salvin-floods-courier-2019-11-18",
        "Salvin River floods force 4,000 from their homes",
        "2019-11-18",
        "Riverside Courier",
        "About 4,000 people have been evacuated from their homes after the Salvin River burst its "
        "banks on Sunday, the Riverside Courier reported. Three days of heavy rain raised the river "
        "more than two metres above its normal level in the town of Aldmere. Emergency shelters were "
        "opened in two schools and a sports hall. No deaths have been reported, but two people were "
        "treated for hypothermia after being rescued from a flooded car. Forecasters expect more rain "
        "on Tuesday.",
    ),
    planted(
        "salvin-floods-valley-news-2019-11-19",
        "6,500 evacuated as Salvin River floods spread",
        "2019-11-19",
        "Valley Broadcast News",
        "Some 6,500 people have now been evacuated along the Salvin River, Valley Broadcast News "
        "reported on Tuesday, as flood water spread from Aldmere to the villages of Corran and "
        "Little Hythe. The regional council said the river had not yet peaked. Soldiers were sent to "
        "reinforce flood barriers near the water treatment works. Rail services between Aldmere and "
        "the coast were suspended. Residents were told it could be several days before they can "
        "return home.",
    ),
    # ---- developing story 1: Port Elsmere bus drivers' strike
    planted(
        "port-elsmere-bus-strike-announced-2021-05-03",
        "Port Elsmere bus drivers to strike from May 10",
        "2021-05-03",
        "Harbour Times",
        "Bus drivers in Port Elsmere will strike from May 10, their union announced on Monday, after "
        "pay talks with the city's transport operator broke down. The Elsmere Transport Workers' "
        "Union is asking for an 8% pay rise, while Elsmere City Transit has offered 2%. About 1,100 "
        "drivers are expected to walk out, halting most of the city's 240 bus routes. Union "
        "secretary Dana Kovac said the strike would be open-ended. The operator said it was "
        "disappointed and urged the union to return to talks.",
    ),
    planted(
        "port-elsmere-bus-strike-begins-2021-05-11",
        "Port Elsmere bus strike begins, most routes halted",
        "2021-05-11",
        "Harbour Times",
        "The Port Elsmere bus strike began on Monday, as about 1,100 drivers walked out and most of "
        "the city's 240 bus routes stopped running. Commuters crowded onto the harbour ferries and "
        "the single tram line. Elsmere City Transit ran a reduced service on six routes using "
        "managers and contract drivers. Union secretary Dana Kovac said drivers would stay out until "
        "the operator improved its 2% offer. The city council called on both sides to accept "
        "mediation.",
    ),
    planted(
        "port-elsmere-bus-strike-ends-2021-05-24",
        "Port Elsmere bus strike ends with 4.5% pay deal",
        "2021-05-24",
        "Harbour Times",
        "The Port Elsmere bus strike has ended after two weeks, with drivers accepting a 4.5% pay "
        "rise in a deal reached through mediation on Sunday. Union members approved the agreement by "
        "a large majority at a meeting on Monday morning. The deal also includes a one-off payment "
        "and a review of shift patterns. Elsmere City Transit said full bus services would resume on "
        'Tuesday. Union secretary Dana Kovac called the settlement "a fair result for drivers and '
        'passengers".',
    ),
    # ---- developing story 2: Westmarch General Hospital nurses' strike
    planted(
        "westmarch-nurses-strike-vote-2022-02-01",
        "Westmarch General Hospital nurses vote to strike",
        "2022-02-01",
        "Westmarch Gazette",
        "Nurses at Westmarch General Hospital have voted to strike from February 8 over staff "
        "shortages and pay, their union said on Tuesday. Of the nurses who took part in the ballot, "
        "87% backed the strike. The union says wards are regularly run with one nurse for every ten "
        "patients. Emergency care and intensive care would be staffed during the strike, according to "
        "union organiser Tomas Reyes. The hospital trust said it would postpone planned operations "
        "if the strike goes ahead.",
    ),
    planted(
        "westmarch-nurses-strike-ends-2022-02-20",
        "Westmarch nurses end strike after staffing agreement",
        "2022-02-20",
        "Westmarch Gazette",
        "Nurses at Westmarch General Hospital ended their strike on Sunday after the hospital trust "
        "agreed to hire 150 additional nurses. The agreement also gives nurses a 6% pay rise over two "
        "years. The strike had lasted twelve days and led to the postponement of more than 900 planned "
        "operations. Union organiser Tomas Reyes said the new nurses must be in post by the end of the "
        "year. The trust said planned operations would restart on Monday.",
    ),
]

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
# Questions. Each: id, type, question, date (as-of), answers, gold [(article_id, quote)],
# contrast (same-topic articles outside the window / after the as-of date),
# optional rel (relative-time expression, resolved below), topic (for the "newest" check),
# absent (strings that must not occur in any article dated <= as-of; for abstention questions).
# --------------------------------------------------------------------------------------
Q = []


def q(id, type, question, date, answers, gold=(), contrast=(), rel=None, topic=None, absent=()):
    Q.append(
        dict(
            id=id,
            type=type,
            question=question,
            date=date,
            answers=list(answers),
            gold=list(gold),
            contrast=list(contrast),
            rel=rel,
            topic=topic,
            absent=list(absent),
        )
    )


P = "planted:"
# ---------------- as_of: same question, different as-of dates -------------------------
PR = "Who is the governor of Puerto Rico?"
q(
    "asof-pr-governor-2019-08-05",
    "as_of",
    PR,
    "2019-08-05",
    ["Pedro Pierluisi"],
    [
        (
            W + "Puerto_Rico's_governor_Rosselló_resigns,_new_governor_sworn_in",
            "On Friday, Ricardo Rosselló Nevares resigned as the governor of United States commonwealth of Puerto Rico and Pedro Pierluisi was sworn in at 5 p.m. local time (2100 UTC) as Puerto Rico's new governor.",
        )
    ],
    contrast=[
        W + "Puerto_Rico_governor_announces_resignation_following_protests",
        W + "Puerto_Rico_Supreme_Court_removes_Governor_Pierluisi;_Wanda_Vázquez_becomes_governor",
    ],
    topic=[["Puerto Rico"], ["governor"]],
)
q(
    "asof-pr-governor-2019-08-10",
    "as_of",
    PR,
    "2019-08-10",
    ["Wanda Vázquez Garced", "Wanda Vázquez"],
    [
        (
            W + "Puerto_Rico_Supreme_Court_removes_Governor_Pierluisi;_Wanda_Vázquez_becomes_governor",
            "Following the ruling, Secretary of Justice Wanda Vázquez Garced was sworn in as Puerto Rico's governor at 5:00 p.m. (2100 UTC) in the Supreme Court.",
        )
    ],
    contrast=[W + "Puerto_Rico's_governor_Rosselló_resigns,_new_governor_sworn_in"],
    topic=[["Puerto Rico"], ["governor"]],
)

UKPM = "Who is the Prime Minister of the United Kingdom?"
q(
    "asof-uk-pm-2007-06-01",
    "as_of",
    UKPM,
    "2007-06-01",
    ["Tony Blair"],
    [
        (
            W + "British_Prime_Minister_Tony_Blair_to_resign_on_June_27",
            "British Prime Minister Tony Blair has told the Cabinet of the UK government the date when he will stand down from office and allow his successor to take over as leader of the Labour party, and thus Prime Minister, in a private meeting.",
        )
    ],
    contrast=[W + "Gordon_Brown_becomes_Prime_Minister_of_the_United_Kingdom"],
    topic=[["Prime Minister"], ["Blair", "Gordon Brown"]],
)
q(
    "asof-uk-pm-2007-07-01",
    "as_of",
    UKPM,
    "2007-07-01",
    ["Gordon Brown"],
    [
        (
            W + "Gordon_Brown_becomes_Prime_Minister_of_the_United_Kingdom",
            "Gordon Brown has become Prime Minister of the United Kingdom.",
        )
    ],
    contrast=[W + "British_Prime_Minister_Tony_Blair_to_resign_on_June_27"],
    topic=[["Prime Minister"], ["Blair", "Gordon Brown"]],
)

UNEMP = "What is the US unemployment rate?"
q(
    "asof-us-unemployment-2009-04-10",
    "as_of",
    UNEMP,
    "2009-04-10",
    ["8.5%"],
    [
        (
            W + "US_unemployment_rate_reaches_8.5%",
            "The United States Bureau of Labor Statistics reported on Friday that the US economy lost 663,000 jobs in March, bringing the unemployment rate up to 8.5%, an increase from last month's jobless rate of 8.1%.",
        )
    ],
    contrast=[W + "US_unemployment_rate_surpasses_10%"],
    topic=[["unemployment rate", "jobless rate"], ["US ", "U.S.", "United States"]],
)
q(
    "asof-us-unemployment-2009-11-10",
    "as_of",
    UNEMP,
    "2009-11-10",
    ["10.2%"],
    [
        (
            W + "US_unemployment_rate_surpasses_10%",
            "The jobless rate, now at 10.2%, is the highest it has been since April 1983, and was an increase over September's level of 9.8%.",
        )
    ],
    contrast=[W + "US_unemployment_rate_reaches_8.5%", W + "US_unemployment_rate_down_to_ten_percent"],
    topic=[["unemployment rate", "jobless rate"], ["US ", "U.S.", "United States"]],
)

UKEL = "How many seats did the Conservative Party win in the 2019 UK general election?"
q(
    "asof-uk-election-2019-12-10",
    "as_of",
    UKEL,
    "2019-12-10",
    [],
    contrast=[W + "Conservative_Party_wins_majority_in_2019_UK_general_election"],
    absent=["365 seats"],
)
q(
    "asof-uk-election-2019-12-20",
    "as_of",
    UKEL,
    "2019-12-20",
    ["365"],
    [
        (
            W + "Conservative_Party_wins_majority_in_2019_UK_general_election",
            "On Thursday, the United Kingdom's (UK) Conservative Party netted an additional 66 seats, totaling 365 seats, surpassing the 326 seats needed for a majority in Parliament.",
        )
    ],
)

NAV = "What nerve agent was Alexei Navalny poisoned with?"
q(
    "asof-navalny-2020-08-25",
    "as_of",
    NAV,
    "2020-08-25",
    [],
    contrast=[W + "Germany_says_Alexei_Navalny_poisoned_with_Novichok"],
    absent=["Novichok", "nerve agent", "neurotoxin"],
)
q(
    "asof-navalny-2020-09-06",
    "as_of",
    NAV,
    "2020-09-06",
    ["Novichok"],
    [
        (
            W + "Germany_says_Alexei_Navalny_poisoned_with_Novichok",
            "On Wednesday, the German government said Russian opposition leader Alexei Navalny was poisoned with Novichok, a range of neurotoxins developed by the Soviet Union.",
        )
    ],
    contrast=[W + "Russia's_Navalny_airlifted_to_Germany"],
)

MATE = "Who did Joe Biden choose as his running mate?"
q(
    "asof-biden-running-mate-2020-04-20",
    "as_of",
    MATE,
    "2020-04-20",
    [],
    contrast=[W + "Biden_announces_Kamala_Harris_as_2020_running_mate_in_US_presidential_race"],
    absent=["running mate"],
)
q(
    "asof-biden-running-mate-2020-08-20",
    "as_of",
    MATE,
    "2020-08-20",
    ["Kamala Harris"],
    [
        (
            W + "Biden_announces_Kamala_Harris_as_2020_running_mate_in_US_presidential_race",
            "Yesterday, Joe Biden, the Democratic Party's presumptive nominee for President of the United States, announced Kamala Harris as his choice for running mate in the 2020 United States presidential election.",
        )
    ],
)

FERRY = "How many people died when the ferry capsized on Lake Varno?"
q(
    "asof-lake-varno-ferry-2021-03-10",
    "as_of",
    FERRY,
    "2021-03-10",
    [],
    contrast=[P + "lake-varno-ferry-meridian-2021-03-14", P + "lake-varno-ferry-coastal-herald-2021-03-15"],
    absent=["Lake Varno", "Kestrel Star"],
)

ELS = "What pay rise ended the Port Elsmere bus strike?"
q(
    "asof-port-elsmere-pay-2021-05-15",
    "as_of",
    ELS,
    "2021-05-15",
    [],
    contrast=[P + "port-elsmere-bus-strike-ends-2021-05-24"],
    absent=["4.5% pay", "strike has ended"],
)
q(
    "asof-port-elsmere-pay-2021-05-30",
    "as_of",
    ELS,
    "2021-05-30",
    ["4.5%", "a 4.5% pay rise"],
    [
        (
            P + "port-elsmere-bus-strike-ends-2021-05-24",
            "The Port Elsmere bus strike has ended after two weeks, with drivers accepting a 4.5% pay rise in a deal reached through mediation on Sunday.",
        )
    ],
    contrast=[P + "port-elsmere-bus-strike-announced-2021-05-03"],
)

# ---------------- relative_window ------------------------------------------------------
CAND = "Which candidate ended their US presidential campaign this week?"
q(
    "rel-candidate-drops-out-2019-08-18",
    "relative_window",
    CAND,
    "2019-08-18",
    ["John Hickenlooper", "Hickenlooper"],
    [
        (
            W + "Hickenlooper_ends_US_presidential_bid,_senate_run_possible",
            "John Hickenlooper, who was a candidate in the Democratic primaries for the 2020 United States presidential election, ended his campaign yesterday.",
        )
    ],
    contrast=[
        W + "Gillibrand_ends_US_presidential_bid",
        W + "NYC_Mayor_de_Blasio_ends_US_presidential_campaign",
    ],
    rel="this_week",
)
q(
    "rel-candidate-drops-out-2019-09-01",
    "relative_window",
    CAND,
    "2019-09-01",
    ["Kirsten Gillibrand", "Gillibrand"],
    [
        (
            W + "Gillibrand_ends_US_presidential_bid",
            "Kirsten Gillibrand, who was a candidate in the Democratic primary for the 2020 United States presidential election, ended her campaign on Wednesday.",
        )
    ],
    contrast=[
        W + "Hickenlooper_ends_US_presidential_bid,_senate_run_possible",
        W + "NYC_Mayor_de_Blasio_ends_US_presidential_campaign",
    ],
    rel="this_week",
)

DEMW = "Who won this week's Democratic presidential primary contests?"
q(
    "rel-dem-contest-2020-02-23",
    "relative_window",
    DEMW,
    "2020-02-23",
    ["Bernie Sanders", "Sanders"],
    [
        (
            W + "Bernie_Sanders_wins_2020_Nevada_caucuses",
            "Yesterday, United States Senator from Vermont Bernie Sanders won the Democratic Party's Nevada caucuses.",
        )
    ],
    contrast=[
        W + "2020_United_States_presidential_election:_Trump,_Sanders_win_New_Hampshire_primaries",
        W + "Joe_Biden_wins_2020_US_Democratic_presidential_primaries_in_Michigan,_Missouri,_and_Mississippi",
    ],
    rel="this_week",
)
q(
    "rel-dem-contest-2020-03-12",
    "relative_window",
    DEMW,
    "2020-03-12",
    ["Joe Biden", "Biden"],
    [
        (
            W
            + "Joe_Biden_wins_2020_US_Democratic_presidential_primaries_in_Michigan,_Missouri,_and_Mississippi",
            "By reports, former Vice President of the United States Joe Biden won the primary elections in Michigan, Missouri, and Mississippi.",
        )
    ],
    contrast=[W + "Bernie_Sanders_wins_2020_Nevada_caucuses"],
    rel="this_week",
)

q(
    "rel-hong-kong-2019-09-07",
    "relative_window",
    "What did Hong Kong's chief executive announce this week?",
    "2019-09-07",
    [
        "withdrawal of the extradition bill",
        "she will withdraw the extradition bill",
        "her government will officially withdraw a proposed bill",
    ],
    [
        (
            W + "Hong_Kong_leader_announces_withdrawal_of_extradition_bill",
            "On Wednesday, Carrie Lam, the chief executive of Hong Kong, announced that her government will officially withdraw a proposed bill that would have allowed China to extradite accused criminals from Hong Kong to be tried under the mainland's criminal justice system.",
        )
    ],
    contrast=[
        W + "Hong_Kong_protests_continue_through_police_opposition,_rainstorms",
        W + "Hong_Kong's_Carrie_Lam_delivers_speech_on_video_after_protests_in_legislature",
    ],
    rel="this_week",
)

q(
    "rel-us-unemployment-last-month-2009-12-15",
    "relative_window",
    "What US unemployment rate was reported last month?",
    "2009-12-15",
    ["10.2%"],
    [
        (
            W + "US_unemployment_rate_surpasses_10%",
            "The jobless rate, now at 10.2%, is the highest it has been since April 1983, and was an increase over September's level of 9.8%.",
        )
    ],
    contrast=[W + "US_unemployment_rate_reaches_9.8%", W + "US_unemployment_rate_down_to_ten_percent"],
    rel="last_month",
)

q(
    "rel-us-covid-yesterday-2020-04-30",
    "relative_window",
    "What coronavirus milestone did the United States pass, as reported yesterday?",
    "2020-04-30",
    ["one million confirmed infections", "one million confirmed cases", "one million"],
    [
        (
            W + "SARS-CoV-2_surpasses_one_million_confirmed_infections_in_the_United_States",
            "Yesterday, the total number of confirmed cases of the SARS-CoV-2 coronavirus infections surpassed one million in the United States, Johns Hopkins University (JHU) data indicated.",
        )
    ],
    contrast=[
        W + "SARS-CoV-2_surpasses_one_million_infections_worldwide",
        W + "SARS-CoV-2_surpasses_100,000_confirmed_deaths_in_the_United_States",
    ],
    rel="yesterday",
)

q(
    "rel-port-elsmere-this-week-2021-05-13",
    "relative_window",
    "What happened with the Port Elsmere bus drivers this week?",
    "2021-05-13",
    ["the strike began", "about 1,100 drivers walked out", "they went on strike"],
    [
        (
            P + "port-elsmere-bus-strike-begins-2021-05-11",
            "The Port Elsmere bus strike began on Monday, as about 1,100 drivers walked out and most of the city's 240 bus routes stopped running.",
        )
    ],
    contrast=[
        P + "port-elsmere-bus-strike-announced-2021-05-03",
        P + "port-elsmere-bus-strike-ends-2021-05-24",
    ],
    rel="this_week",
)

# ---------------- latest -------------------------------------------------------------
MTA = "What is the latest contract offer from the MTA to New York City's transit workers?"
q(
    "latest-nyc-transit-offer-2005-12-17",
    "latest",
    MTA,
    "2005-12-17",
    ["3% pay increases per year in a three-year contract", "3% pay increases per year"],
    [
        (
            W + "NYC_transit_deadline_past,_no_strike_or_talks",
            "The latest offer in the now bitter negotiation was from MTA: 3% pay increases per year in a three-year contract with changes in the health benefits and pension plan for new employees.",
        )
    ],
    contrast=[W + "NYC_Transit_on_strike"],
    topic=[["MTA"], ["offer"]],
)
q(
    "latest-nyc-transit-offer-2005-12-21",
    "latest",
    MTA,
    "2005-12-21",
    [
        "a three-year contract with a 3 percent, 4 percent, and 3.5 percent pay-raise schedule",
        "3 percent, 4 percent, and 3.5 percent",
    ],
    [
        (
            W + "NYC_Transit_on_strike",
            "The MTA offered a three-year contract with a 3 percent, 4 percent, and 3.5 percent pay-raise schedule and a retirement age that would stay at 55, but new employees would have to pay more in contributions to the pension and health care plan.",
        )
    ],
    contrast=[W + "NYC_transit_deadline_past,_no_strike_or_talks"],
    topic=[["MTA"], ["offer"]],
)

ELSL = "What is the latest on the Port Elsmere bus strike?"
q(
    "latest-port-elsmere-2021-05-05",
    "latest",
    ELSL,
    "2021-05-05",
    ["drivers will strike from May 10", "strike from May 10"],
    [
        (
            P + "port-elsmere-bus-strike-announced-2021-05-03",
            "Bus drivers in Port Elsmere will strike from May 10, their union announced on Monday, after pay talks with the city's transport operator broke down.",
        )
    ],
    contrast=[P + "port-elsmere-bus-strike-begins-2021-05-11", P + "port-elsmere-bus-strike-ends-2021-05-24"],
    topic=[["Port Elsmere"]],
)
q(
    "latest-port-elsmere-2021-05-26",
    "latest",
    ELSL,
    "2021-05-26",
    ["the strike has ended with a 4.5% pay rise", "ended with a 4.5% pay rise", "4.5% pay rise"],
    [
        (
            P + "port-elsmere-bus-strike-ends-2021-05-24",
            "The Port Elsmere bus strike has ended after two weeks, with drivers accepting a 4.5% pay rise in a deal reached through mediation on Sunday.",
        )
    ],
    contrast=[
        P + "port-elsmere-bus-strike-announced-2021-05-03",
        P + "port-elsmere-bus-strike-begins-2021-05-11",
    ],
    topic=[["Port Elsmere"]],
)

WML = "What is the latest on the Westmarch General Hospital nurses' strike?"
q(
    "latest-westmarch-nurses-2022-02-03",
    "latest",
    WML,
    "2022-02-03",
    ["nurses voted to strike from February 8", "strike from February 8"],
    [
        (
            P + "westmarch-nurses-strike-vote-2022-02-01",
            "Nurses at Westmarch General Hospital have voted to strike from February 8 over staff shortages and pay, their union said on Tuesday.",
        )
    ],
    contrast=[P + "westmarch-nurses-strike-ends-2022-02-20"],
    topic=[["Westmarch"]],
)
q(
    "latest-westmarch-nurses-2022-02-22",
    "latest",
    WML,
    "2022-02-22",
    [
        "the strike ended after the trust agreed to hire 150 additional nurses",
        "ended their strike",
        "150 additional nurses",
    ],
    [
        (
            P + "westmarch-nurses-strike-ends-2022-02-20",
            "Nurses at Westmarch General Hospital ended their strike on Sunday after the hospital trust agreed to hire 150 additional nurses.",
        )
    ],
    contrast=[P + "westmarch-nurses-strike-vote-2022-02-01"],
    topic=[["Westmarch"]],
)

# ---------------- before_after ---------------------------------------------------------
q(
    "before-us-unemployment-oct-2009",
    "before_after",
    "Before October 2009, what was the most recently reported US unemployment rate?",
    "2010-01-15",
    ["9.7%"],
    [
        (
            W + "US_unemployment_rate_highest_in_26_years",
            "Official United States government data revealed on Friday that the jobless rate in the US rose to 9.7% last month, with the economy having shed 216,000 jobs.",
        ),
        (W + "U.S._jobs_picture_not_improving", "The current national unemployment rate is 9.7%."),
    ],
    contrast=[
        W + "US_unemployment_rate_reaches_9.8%",
        W + "US_unemployment_rate_surpasses_10%",
        W + "US_unemployment_rate_down_to_ten_percent",
    ],
    rel="before:2009-10-01",
    topic=[["unemployment rate", "jobless rate"], ["US ", "U.S.", "United States"]],
)
q(
    "rel-fed-funds-march-2006",
    "relative_window",
    "What did the US Federal Reserve raise the federal funds rate to in March 2006?",
    "2006-12-31",
    ["4.75%"],
    [
        (
            W + "US_Federal_Reserve_raises_interest_rates_-_energy_prices_could_affect_inflation",
            "The US Federal Reserve has raised the federal funds rate by 25 basis points (a quarter of a percent) to 4.75%.",
        )
    ],
    contrast=[
        W + "US_Federal_Reserve_raises_interest_rate_from_5%_to_5.25%",
        W + "US_Federal_Reserve_lifts_interest_rates",
    ],
    rel="month:2006-03",
)
q(
    "before-lake-varno-ferry-2021-03-15",
    "before_after",
    "Before March 15, 2021, how many deaths had been reported in the Lake Varno ferry capsizing?",
    "2021-03-20",
    ["12", "at least 12"],
    [
        (
            P + "lake-varno-ferry-meridian-2021-03-14",
            "A passenger ferry capsized on Lake Varno on Saturday evening, killing at least 12 people, the regional emergency service told the Meridian Wire.",
        )
    ],
    contrast=[P + "lake-varno-ferry-coastal-herald-2021-03-15"],
    rel="before:2021-03-15",
    topic=[["Lake Varno"]],
)

# ---------------- conflict (planted pairs; answers list both values, newest first) ------
q(
    "conflict-lake-varno-ferry-2021-03-20",
    "conflict",
    FERRY,
    "2021-03-20",
    ["19", "12"],
    [
        (
            P + "lake-varno-ferry-coastal-herald-2021-03-15",
            "The death toll from Saturday's ferry capsizing on Lake Varno has risen to 19, the Coastal Herald reported on Monday, after divers recovered seven more bodies from the wreck of the Kestrel Star.",
        ),
        (
            P + "lake-varno-ferry-meridian-2021-03-14",
            "A passenger ferry capsized on Lake Varno on Saturday evening, killing at least 12 people, the regional emergency service told the Meridian Wire.",
        ),
    ],
)
q(
    "conflict-halvorsen-jobs-2020-10-10",
    "conflict",
    "How many jobs will Halvorsen Motors cut at its Dunmore plant?",
    "2020-10-10",
    ["1,500", "1,200"],
    [
        (
            P + "halvorsen-jobs-ledger-2020-10-07",
            "Halvorsen Motors will cut 1,500 jobs at its Dunmore plant, The Ledger Review reported on Wednesday after the company briefed union representatives.",
        ),
        (
            P + "halvorsen-jobs-northgate-2020-10-05",
            "Carmaker Halvorsen Motors will cut 1,200 jobs at its Dunmore assembly plant, Northgate Business Daily reported on Monday, citing two people familiar with the plan.",
        ),
    ],
)
q(
    "conflict-salvin-floods-2019-11-25",
    "conflict",
    "How many people were evacuated because of the Salvin River floods?",
    "2019-11-25",
    ["6,500", "4,000"],
    [
        (
            P + "salvin-floods-valley-news-2019-11-19",
            "Some 6,500 people have now been evacuated along the Salvin River, Valley Broadcast News reported on Tuesday, as flood water spread from Aldmere to the villages of Corran and Little Hythe.",
        ),
        (
            P + "salvin-floods-courier-2019-11-18",
            "About 4,000 people have been evacuated from their homes after the Salvin River burst its banks on Sunday, the Riverside Courier reported.",
        ),
    ],
)

# ---------------- control (no time dependence; as-of after every article) --------------
CD = "2022-06-30"
q(
    "control-tesco-poland",
    "control",
    "Which company agreed to buy most of Tesco's Polish operation?",
    CD,
    ["Salling Group"],
    [
        (
            W + "British_supermarket_chain_Tesco_to_sell_its_Polish_branch_to_Salling_Group_A/S",
            "On Thursday, UK-based retailer Tesco and Denmark-based retailer Salling Group announced their agreement over selling a large portion of Tesco's Polish operation to Salling Group.",
        )
    ],
)
q(
    "control-kipchoge-time",
    "control",
    "What was Eliud Kipchoge's time when he ran a marathon in under two hours?",
    CD,
    ["1 hour 59 minutes 40.2 seconds"],
    [
        (
            W + "Eliud_Kipchoge_of_Kenya_runs_marathon_under_two_hours",
            "His time was 1 hour 59 minutes 40.2 seconds.",
        )
    ],
)
q(
    "control-zapata-channel",
    "control",
    "What did French inventor Franky Zapata cross on his Flyboard Air?",
    CD,
    ["the English Channel", "English Channel"],
    [
        (
            W
            + "French_inventor_Franky_Zapata_successfully_crosses_English_Channel_on_jet-powered_hoverboard",
            "This Sunday, French inventor Franky Zapata successfully crossed the English Channel on a jet-powered freeflight flying device propelled by turbines and attached to his feet, called Flyboard Air.",
        )
    ],
)
q(
    "control-who-covid-name",
    "control",
    "What official name did the World Health Organization give the disease caused by the new coronavirus?",
    CD,
    ["COVID-19"],
    [
        (
            W + "World_Health_Organization_names_new_coronavirus_COVID-19",
            'On Tuesday, the World Health Organization (WHO) announced the official name of the coronavirus-induced disease first recognized about two months ago in Wuhan, China: "COVID-19" is to replace the WHO\'s temporary designation "2019-nCoV."',
        )
    ],
)
q(
    "control-doris-day",
    "control",
    "Where did Doris Day die?",
    CD,
    ["at her home in Carmel Valley, California", "Carmel Valley, California", "Carmel Valley"],
    [
        (
            W + "Actor_Doris_Day_dies_at_97",
            "US singer, actor, and animal rights advocate Doris Day died on Monday at her home in Carmel Valley, California.",
        )
    ],
)


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
