"""The dated set's as-of and relative-window questions: the same question at two as-of dates, and
"this week" / "yesterday" / "last month" / "in March 2006" questions with a same-topic article outside
the window."""

from question_defs import P, W, q

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
