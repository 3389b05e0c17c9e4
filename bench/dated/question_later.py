"""The dated set's latest, before/after, conflicting-report and control questions."""

from question_defs import P, W, q
from question_time import FERRY  # also defines the as-of and window questions first: the set's order

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
