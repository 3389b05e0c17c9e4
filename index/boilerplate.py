"""What web boilerplate looks like: the phrases and prompt sentences `index.cleaning` removes.

Kinds (each a whole line, or a line every sentence of which is one of them):

- reading aids and sharing: "2 Min Read", "Share This Article", "Leave a comment", ...
- subscription prompts and login walls: "Subscribe to continue reading.", "Already a subscriber?",
  "Log in to read the full article.", "You have reached your free article limit.";
- newsletter sign-ups: "Sign up for our daily newsletter.", "Enter your email address";
- advertising: "Advertisement", "Story continues below advertisement", "Sponsored content";
- cookie notices: "We use cookies to ...", "By clicking Accept you agree to ...", "Accept all";
- "Related articles" lists: the heading, and the headline-like lines right after it (`is_list_heading`);
- feed footers: "The post X appeared first on Y.", "Continue reading ...".

A sentence is matched as a whole (case-insensitively), so an article sentence that merely mentions
a subscription, an advertisement or cookies ("Advertisement revenue fell by a third.") is kept.
The kinds follow trafilatura's and readability's boilerplate classes (cookie, paywall, newsletter,
related-content blocks), applied to text rather than markup.
"""

from __future__ import annotations

import re

MAX_PHRASE_WORDS = 12  # a labelled line ("Read more: ...") longer than this is article text
MAX_PROMPT_WORDS = 60  # a line of prompt sentences longer than this is article text
MAX_HEADLINE_WORDS = 16  # a "related" list item is a headline: short, no closing full stop

# Whole phrases, matched against a complete line. A line made of several of them ("Your email address
# will not be published. Required fields are marked *") is boilerplate too.
PHRASES = [
    r"\d+\s*(?:-\s*)?(?:min|mins|minute|minutes)\s+read",
    r"reading time\s*:?\s*\d+\s*(?:min|mins|minute|minutes)",
    r"share (?:this|the) (?:article|story|post|page)",
    r"share this",
    r"share on (?:facebook|twitter|x|linkedin|whatsapp|reddit|email|telegram|pinterest)",
    r"click to (?:share|email|print) (?:on|this|a link)[^()]{0,40}(?:\(opens in new window\))?",
    r"like this",
    r"like loading\s*(?:\.\.\.|…)?",
    r"leave a (?:comment|reply)",
    r"cancel reply",
    r"(?:no|\d+) comments?(?: yet)?",
    r"be the first to comment",
    r"view (?:all )?comments",
    r"your email address will not be published",
    r"required fields are marked\s*\*?",
    r"save my name, email, and website in this browser for the next time i comment",
    r"post comment",
    r"subscribe to (?:our|the) newsletter",
    r"sign up (?:for|to) (?:our|the) newsletter",
    r"advertisements?(?:\s*[-–—]\s*scroll to continue)?",
    r"ad",
    r"sponsored(?: content| post| links?| stories)?",
    r"paid (?:content|post|partner content)",
    r"read more",
    r"continue reading",
    r"skip to (?:main )?content",
    r"back to top",
    r"post navigation",
    r"(?:previous|next) (?:article|post|story)",
    r"follow us on (?:facebook|twitter|x|instagram|linkedin|social media)",
    r"all rights reserved",
    r"subscribe(?: now| today| here)?",
    r"(?:log ?in|sign in|sign up|register)(?: now| here| today)?",
    r"subscription required",
    r"(?:for )?subscribers only",
    r"premium(?: content| article)?",
    r"become a (?:subscriber|member)(?: today| now)?",
    r"(?:start your|try it for|get a|start a) free trial",
    r"support (?:our|independent|quality) journalism(?: today| now)?",
    r"newsletter sign-?\s?up",
    r"(?:accept|reject|allow|decline)(?: all)?(?: cookies)?",
    r"(?:cookie|privacy) (?:settings|preferences|policy|notice)",
    r"manage (?:cookie )?(?:settings|preferences|consent|choices)",
]

# Headings of link lists: the heading and the headlines listed under it are removed.
LIST_HEADINGS = [
    r"related(?: (?:articles|stories|posts|content|news|coverage|links|topics))?",
    r"more stories",
    r"more (?:on|about) this (?:story|topic)",
    r"you (?:may|might) also (?:like|be interested in)",
    r"recommended(?: for you| stories| articles)?",
    r"(?:what to )?read next",
    r"most (?:read|popular|viewed|shared)",
    r"trending(?: now| stories| news)?",
    r"editor'?s picks",
    r"top stories",
    r"latest (?:news|stories|headlines)",
]

# Prompt sentences, matched against one complete sentence (trailing punctuation and "…" ignored).
_ACTION = r"(?:please |simply )?(?:subscribe|register|sign up|log ?in|sign in|create an? (?:free )?account)"
PROMPTS = [
    rf"{_ACTION}\b.{{0,60}}\bto (?:continue|keep) reading\b.{{0,60}}",
    rf"{_ACTION}\b.{{0,60}}\bto (?:read|access|view|unlock|get)"
    r" (?:the full|the whole|the rest|this|full|unlimited|all)\b.{0,60}",
    r"to (?:continue|keep) reading(?: this (?:article|story))?,? (?:please )?"
    r"(?:subscribe|log ?in|sign in|register|sign up|create an? (?:free )?account)\b.{0,60}",
    # the bare question, or followed by a login link: "Already registered voters ..." is article text
    r"already (?:a subscriber|subscribed|a member|registered|have an account)\??"
    r"(?: (?:log ?in|sign in)\b.{0,60})?",
    r"(?:this|the) (?:article|story|content|page) is (?:only )?(?:available|reserved|exclusive)"
    r" (?:only )?(?:to|for) (?:paying |registered )?(?:subscribers|members|premium \w+)\b.{0,40}",
    r"you(?:'ve| have) (?:reached|used up|used) (?:your|all (?:of )?your|the) \w*\s?(?:free )?"
    r"(?:articles?|stories|story) (?:limit|allowance)?.{0,60}",
    r"you(?:'ve| have) (?:read )?\d+ (?:of \d+ )?free (?:articles?|stories)\b.{0,60}",
    r"(?:get|enjoy) (?:full|unlimited) (?:digital )?access\b.{0,60}",
    rf"{_ACTION}(?: now| today)? (?:for|to get|and get) (?:full|unlimited) (?:digital )?access\b.{{0,60}}",
    r"(?:sign up|subscribe|register) (?:for|to) (?:our|the|my)\b.{0,40}\bnewsletters?\b.{0,80}",
    r"get (?:our|the)\b.{0,40}\bnewsletter\b.{0,60}",
    r"enter your e-?mail(?: address)?\b.{0,60}",
    r"thanks? (?:you )?for (?:subscribing|signing up|registering)\b.{0,60}",
    r"by (?:signing up|subscribing|registering|clicking|continuing|using|browsing)\b.{0,100}"
    r"\byou (?:agree|consent) to\b.{0,100}",
    # a cookie notice says what the cookies are for: "We use cookies, the baker joked, ..." is a quote
    r"(?:we|we and our partners|this (?:web)?site|our (?:web)?site) uses? cookies\b"
    r"(?=.{0,200}\b(?:experience|content|ads|advertising|traffic|analy[sz]e|analytics|personali[sz]e"
    r"|improve|(?:our|this) (?:web)?site|services?|browsing|preferences)\b).{0,200}",
    r"(?:the )?(?:story|article|content) continues (?:below|after)(?: this)? (?:ad|advertisement)",
    r"scroll (?:down )?to continue(?: reading| with content)?",
    r"the post .{1,300} appeared first on .{1,120}",
    r"continue reading\b.{0,120}",
    r"(?:this|the) (?:article|story|content|page|piece) is (?:only )?for (?:paying |registered |premium )?"
    r"(?:subscribers|members)(?: only)?",
    r"(?:start|begin|claim) (?:your|a) free trial\b.{0,80}",
    r"get our\b.{0,40}\b(?:briefing|digest|bulletin|newsletter)\b.{0,80}",
    r".{0,60}\b(?:newsletter|briefing|digest|headlines|top stories|our (?:best|latest) \w+)\b.{0,60}"
    r"\b(?:delivered )?(?:to|in|into) your inbox\b.{0,40}",
    rf"{_ACTION}(?: now| today| here)?[,!]? (?:it'?s|it is) (?:free|quick|easy)\b.{{0,30}}",
    r"share (?:this|the) (?:article|story|post|page)(?: (?:on|via|by)\b.{0,60})?",
    # the same prompts in the other languages newsrag reads most (README "Languages and scripts")
    r"(?:jetzt )?(?:abonnieren|registrieren|anmelden)(?: sie sich)?(?: und| um)?\b.{0,40}"
    r"\bweiterlesen\b.{0,40}",
    r"sie haben das ende des (?:kostenlosen|frei verfügbaren) (?:bereichs|inhalts|artikels|textes) erreicht",
    r"(?:dieser|der) (?:artikel|beitrag|inhalt) ist (?:nur |exklusiv )?(?:für|fuer) "
    r"(?:abonnenten|abonnentinnen|abonnent\*innen|\w*plus-\w+)\b.{0,40}",
    r"(?:cet |l')?article est réservé aux abonnés\b.{0,60}",
    r"abonnez-vous(?: dès maintenant| maintenant)?"
    r"(?: (?:pour|et) (?:lire|continuer|accéder|profiter)\b.{0,80})?",
    r"il vous reste \d+ ?% de cet article à lire\b.{0,40}",
    r"déjà abonné\s?\??(?: connectez-vous\b.{0,40})?",
    r"(?:este|el) (?:contenido|artículo) es (?:exclusivo )?para (?:suscriptores|socios)\b.{0,40}",
    r"suscríbete(?: ahora| ya)?(?: (?:para|y) (?:seguir|continuar|leer|acceder)\b.{0,60})?",
    r"¿?ya eres suscriptor\??(?: inicia sesión\b.{0,40})?",
    # a login prompt alone, or with what it is for: "Inicia sesión el juicio …" is a trial opening
    r"(?:inicia sesión|connectez-vous|melden sie sich an|accedi|faça login)"
    r"(?: (?:para|pour|per|para) (?:seguir|continuar|continuer|lire|leer|leggere|continuare|ler)\b.{0,60})?",
    r"(?:questo|l')\s?articolo è riservato agli abbonati\b.{0,40}",
    r"abbonati(?: ora| subito)?(?: (?:per|e) (?:continuare|leggere|accedere)\b.{0,60})?",
    r"(?:este|esse) conteúdo é exclusivo para assinantes\b.{0,40}",
    r"assine(?: já| agora)?(?: (?:para|e) (?:continuar|ler|acessar)\b.{0,60})?",
]

_SEPARATORS = r"[\s.:;,|*•·–—-]*"
_PHRASE_LINE = re.compile(rf"^(?:(?:{'|'.join(PHRASES)}){_SEPARATORS})+$", re.IGNORECASE)
_LIST_HEADING = re.compile(rf"^(?:{'|'.join(LIST_HEADINGS)})[\s:.]*$", re.IGNORECASE)
_PROMPT = re.compile(rf"^(?:{'|'.join(PROMPTS)})$", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")
_TRAILING = re.compile(r"[\s.!?…:;,*→»›>-]+$")

# A label followed by free text ("Read more: Caravan reaches border"): boilerplate only when short.
_LABELLED_LINE = re.compile(
    r"^(?:read more|read also|also read|see also|related|more|tags|topics|filed under|posted in)\s*:\s*\S"
    r"|^(?:©|copyright\s+(?:©\s*)?\d{4})",
    re.IGNORECASE,
)
_HEADLINE_END = re.compile(r"[.!?…]['\"”’)]*$")


def is_boilerplate(line: str) -> bool:
    """True when a whole (stripped) line is known web boilerplate rather than article text."""
    line = line.strip()
    if not line:
        return False
    if _PHRASE_LINE.match(line) or _LIST_HEADING.match(line):
        return True
    words = len(line.split())
    if words <= MAX_PHRASE_WORDS and _LABELLED_LINE.match(line):
        return True
    return words <= MAX_PROMPT_WORDS and _all_prompts(line)


def is_list_heading(line: str) -> bool:
    """True for the heading of a link list ("Related articles", "Most read", "You may also like")."""
    return bool(_LIST_HEADING.match(line.strip()))


def is_headline(line: str) -> bool:
    """A short line that does not end a sentence: a listed headline, not a paragraph of the article."""
    line = line.strip()
    return 0 < len(line.split()) <= MAX_HEADLINE_WORDS and not _HEADLINE_END.search(line)


def _all_prompts(line: str) -> bool:
    sentences = [_TRAILING.sub("", s) for s in _SENTENCE_END.split(line)]
    sentences = [s for s in sentences if s]
    return bool(sentences) and all(_PROMPT.match(s) or _PHRASE_LINE.match(s) for s in sentences)
