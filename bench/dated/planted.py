"""The planted articles of the dated set: fictional stories written for newsrag (conflicting reports,
stories that develop over time). Imported by make_set.py."""

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
