"""What the hand-made features look for: links, contacts, money, calls to action, obfuscation.

Word lists and patterns read normalised (lowercased) text; a ``Scan`` runs the prefiltered ones
only where RE2 says they may match (model/prefilter.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache, cached_property
from pathlib import Path
from urllib.parse import urlsplit

from model.prefilter import Prefilter
from model.text import find_urls

DATA = Path(__file__).parent / "data"

# Endings that cost little to register and that spam favours; legitimate sites use them too,
# so this is one weak feature among many.
CHEAP_TLDS = frozenset(
    "xyz top club online site info biz ru tk ml ga cf gq click link win bid loan work live "
    "shop store pw cc icu vip space website fun buzz rest men date trade review stream".split()
)


@cache
def shorteners() -> frozenset[str]:
    """Return the URL-shortener domains (Comment Blocklist for WordPress, MIT licence)."""
    lines = (DATA / "shorteners.txt").read_text("utf-8").split()
    return frozenset(line.strip().lower() for line in lines if line.strip())


def link_domains(text: str) -> list[str]:
    """Return the host of each link in the text, without ``www.``."""
    return hosts_of(find_urls(text))


def hosts_of(urls: Iterable[str]) -> list[str]:
    """Return the host of each URL, without ``www.``."""
    hosts = []
    for url in urls:
        url = url.rstrip(".,;:!?")
        host = urlsplit(url if "://" in url else f"http://{url}").hostname or ""
        hosts.append(host.removeprefix("www."))
    return hosts


def words(pattern: str) -> re.Pattern[str]:
    return re.compile(rf"\b(?:{pattern})\b")


# A number may end a sentence or touch a word ("call09061701461.", "0870443968ts&cs"), but
# not run on into more digits or decimals.
PHONE = re.compile(r"(?<![\d.])\+?\(?\d[\d\s().-]{7,18}\d(?!\d|\.\d)")
EMAIL = re.compile(r"\b[\w.+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}\b")
MESSENGER = words(
    r"whats\s?app|telegram|wechat|skype|kik|viber|snapchat|line id|wa\.me"
    # in Cyrillic: Telegram, WhatsApp, Viber and their nicknames ("телега", "тг", "вотсап")
    r"|телеграм\w*|телег[аеуи]|тг|ватсап\w*|вотсап\w*|вацап\w*|вайбер\w*"
)
# An invitation link to a chat or channel: Telegram, WhatsApp, Discord.
INVITE = re.compile(r"\b(?:t\.me|telegram\.me|wa\.me|chat\.whatsapp\.com|discord\.gg)/")
# A handle to write to (@name), not an address (a@b.com) nor a reply to a reader by name:
# a handle has a digit or an underscore, or follows a word asking to write.
HANDLE = re.compile(
    r"(?<![\w.@])@(?=[\w]*[\d_])[a-z\d_]{4,32}\b"
    r"|(?:пиши(?:те)?|напиши(?:те)?|telegram|телеграм\w*|тг|dm|inbox|contact)\s*:?\s*@\w{4,}"
)
CONTACT_ASK = words(
    # not "ring me": in no spam of the shipped corpora, in four readers' texts ("ring me if ur
    # around", "has a nice ring to it")
    r"(?:call|text|txt|contact|reach|email|e-mail|message|dm|inbox)\s+(?:me|us|now|on|at|to)"
    r"|send (?:me|us) (?:a )?(?:message|mail|text|dm)|reply with|customer (?:care|service|support)"
    r"|toll[- ]free|helpline|help ?desk number"
    # premium-rate texting: a keyword to a short code ("txt win to 87121"), opting out by text
    r"|(?:txt|text|send|reply|rply)\s+(?:[a-z0-9]+\s+){1,3}(?:to|on)\s+\d{4,6}"
    r"|(?:reply|send|txt|text)\s+stop"
    # the same asks in other languages: "write me in DM" (ru, uk, es, pt, de, fr)
    r"|dm (?:me|for)|пиш(?:и|ите)(?: мне)? в (?:лс|личку|личные|директ|телеграм\w*|тг)"
    r"|напиш(?:и|ите) мне|в лс|пиш(?:и|ите) в|пиш(?:и|іть) в|escr[ií]beme|me escreva"
    r"|chama no (?:zap|whats\w*)|schreib(?:en sie)? mir|[ée]cri(?:s|vez)[- ]moi"
)
MONEY_AMOUNT = re.compile(
    r"[$£€₹₽]\s?\d|\d\s?[$£€₹₽]"
    r"|\b\d[\d,.]*\s?(?:usd|dollars?|pounds?|euros?|bucks|gbp|eur|btc|rs\.?|inr)\b"
    # in any script: roubles, hryvnias, crypto coins
    r"|\b\d[\d,.]*\s?(?:руб\w*|р\.|грн|usdt|eth|bnb|ton|тыс\w* (?:руб\w*|\$|долл\w*))"
    r"|\b\d+\s?(?:k|%)\s?(?:per|a|/)\s?(?:day|week|month|hour)\b"
    r"|\b\d{2,3}p(?:pm)?\b|\b\d+p\s?(?:/|per\s|a\s)\s?(?:msg|min|txt|text|sms|wk|week)\b"
)
MONEY_WORDS = words(
    r"earn(?:ing|ings)?|income|profits?|cash|invest(?:ment|ing)?|bitcoin|crypto\w*|btc|forex"
    r"|loans?|casino|jackpot|prizes?|rewards?|winners?|giveaway|payout|paypal|make money"
    r"|work(?:ing)? from home|per day|per week|per hour|get paid|passive"
    r"|you(?:'ve| have)? (?:won|been selected)|(?:you are|you're|u r|ur) (?:a )?winner"
    # Russian and Spanish or Portuguese stems: earnings, income, profit, crypto, investment
    r"|заработ\w*|доход\w*|прибыл\w*|крипт\w*|инвест\w*|биткоин\w*|казино|без вложений"
    r"|пассивн\w*|usdt|ganar|gana|ganhe|ganhar|dinero|dinheiro|renda extra|ingresos"
)
URGENCY = words(
    r"urgent(?:ly)?|hurry|limited (?:time|offer|spots?)|act (?:now|fast)|last chance"
    r"|don'?t miss|immediately|asap|expires?|valid (?:for )?\d+|today only|right now|claim"
    r"|guaranteed?"
)
SCAM = words(
    r"recover(?:y|ed)? (?:my |your )?(?:funds|money|scam|lost|stolen|bitcoin|crypto)"
    r"|hack(?:er|ers|ing)? (?:into|service)|spell ?caster|love spell|black magic|binary option"
    r"|trading platform|account manager|legit hacker|wallet recovery"
)
# Pills are sold in the plural ("diet pills", "60 pills"); "a pill" is mostly a figure of
# speech ("take your crazy pill", "a bitter pill").
PHARMA = words(
    r"viagra|cialis|pills|pharmacy|weight loss|lose weight|diet pills?|supplements?|keto|cbd"
    r"|skin ?care|anti[- ]?aging|wrinkles?|male enhancement|testosterone|muscle|fat burn\w*"
    r"|erectile|essay (?:writing|service)|escort\w*|dating site"
)
# What a writer invites readers to visit or buy. Not "my account" (a reader's bank or login)
# nor "my company" (a reader's employer, or companionship); "our company" is a firm speaking.
OWN_PLACE = words(
    r"(?:my|our) (?:new )?(?:channel|site|website|blog|page|videos?|music|songs?|store|shop"
    r"|profile|app|business|products?|services?)|our company"
)
CALL_TO_ACTION = words(
    r"check (?:out|it out|this out) (?:my|our|this|the link|http|www)"
    # "follow me" with somewhere to follow (on, @, a link); not a reader's "follow me, john"
    # nor "you follow me around"
    r"|follow (?:me|us)(?:\s+(?:on|in|at|and|watch)\b|\s*[-:>@+/]|\s*(?:https?:|www\.))"
    # "subscribe" as an ask, not a noun ("that's a total subscribe") nor the idiom
    # "subscribe to the mantra" (a reader agreeing with an idea)
    r"|(?<!a )(?<!the )(?<!total )subscribe(?! to the )(?! to an? )"
    r"|click (?:here|the link|on the link|below|this link)|sign up (?:now|here|today|for free)"
    r"|visit (?:my|our|us|www|http|the website|our website)|buy (?:now|online|cheap|it here)"
    r"|order (?:now|today|yours|online)|shop now|get (?:yours|it now)|download (?:now|free|here)"
    r"|go to (?:my|our|www|http)|please (?:like|share|support)|like (?:this|my) comment"
    # a thumbs up asked for, not "thumbs up if you're watching in 2015" (a reader's roll call)
    r"|(?:give|giving|gimme|leave) (?:(?:me|us|it|this|my)(?: comment| video)? )?(?:a )?thumbs up"
    r"|thumbs up (?:this|my|and|please|pls|plz)|(?:please|pls|plz) thumbs up"
    # the same asks in other languages: follow the link, subscribe, sign up, click (ru, uk,
    # es, pt, de, fr)
    r"|перех(?:оди|одите|ди|дите) (?:по ссылке|на (?:сайт|канал|мой|наш))|жми(?:те)? на"
    r"|подпи(?:сывайся|сывайтесь|шись|шитесь)|регистр(?:ируйся|ируйтесь)"
    r"|ссылк[аи] в (?:профиле|описании|шапке)|переходь(?:те)? за посиланням"
    r"|підпис(?:уйся|уйтесь)|suscr[ií]bete|haz clic|reg[ií]strate|inscreva-se|clique aqui"
    r"|acesse (?:o link|agora)|jetzt (?:klicken|anmelden|abonnieren)|abonniere|cliquez ici"
    r"|abonnez-vous|inscrivez-vous"
)
# A comment that is nothing but a name to search for ("Search Superior Trading System",
# 'search "chubbz dinero - ready or not" thanks'): a promotion without a link. Readers who
# say "just google epstein" say it inside an argument, so the ask must be the whole comment.
SEARCH_ASK = re.compile(
    r"^(?:please |pls |plz )?(?:search|google|look up|find)"
    r"(?: for| on (?:google|youtube)(?: for)?)?"
    r" [\"“'(]?\w[^.!?\n]{2,60}?[\"”')]?[.!]*(?: (?:thanks?|thx|thank you)[.!]*)?$"
)
OFFER = words(
    r"free|discount|offers?|deals?|sale|\d+% off|cheap(?:est)?|best price|coupon|promo"
    r"|free trial|lowest price|order|shipping"
)
SPACED = re.compile(r"(?<!\w)(?:\w[ .*_-]){4,}\w(?!\w)")
LEET = re.compile(r"\b[a-z]+[0134579@$][a-z]+\b")
LEET_COMMON = frozenset({"mp3", "mp4", "b2b", "p2p", "h264", "u2", "w3c"})
LATIN = re.compile(r"[a-z]")
OTHER_SCRIPT = re.compile(r"[\u0370-\u03ff\u0400-\u04ff]")
# A site's name with its ending split off ("kidsmediausa . com", "pillz (dot) com"); not a
# webmail provider's ("hot mail. com"), which ends an address a reader tells a friend.
SPLIT_DOMAIN = re.compile(
    r"\b(?!hotmail\b|gmail\b|mail\b|yahoo\b|outlook\b|aol\b|ymail\b|icloud\b|live\b|msn\b)"
    r"[a-z0-9-]{2,}\s*(?:\s\.\s?|\.\s|\(dot\)|\[dot\]|\sdot\s)\s*(?:com|net|org|info|co)\b"
)
# A domain run on into other text ("jobsbay24.comllllll"): no reader writes a link that way.
GLUED_DOMAIN = re.compile(r"\b[a-z0-9][a-z0-9-]{2,}\.(?:com|net|org|info|biz|ru)[a-z]{3,}")
# Pictographs and the like (emoji): dense emoji decorate spam in every language.
EMOJI = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf\u2b50\u2b55]")
WORD = re.compile(r"\w+")
TRACKING = re.compile(r"[?&](?:ref|aff|affiliate|utm_\w+|r|invite|code)=")
REPEAT_CHAR = re.compile(r"(.)\1{3}")
REPEAT_PUNCT = re.compile(r"[!?$*]{3,}")


def scaled(count: int, cap: int) -> float:
    return min(count, cap) / cap


WORD_LISTS = (
    MESSENGER,
    CONTACT_ASK,
    MONEY_WORDS,
    URGENCY,
    SCAM,
    PHARMA,
    OWN_PLACE,
    CALL_TO_ACTION,
    OFFER,
)
# The patterns a scan runs only where RE2 says they may match (model/prefilter.py): most
# comments hold none of them, and are then read once instead of once per pattern. INVITE,
# HANDLE and GLUED_DOMAIN are not among them: each needs a character most comments lack
# ("/", "@", "."), which a scan looks for first.
PREFILTERED = (
    *WORD_LISTS,
    PHONE,
    EMAIL,
    MONEY_AMOUNT,
    SPACED,
    LEET,
    SPLIT_DOMAIN,
    REPEAT_PUNCT,
)
PREFILTER = Prefilter(PREFILTERED)


class Scan:
    """One normalised text, with what several feature groups read from it computed once.

    ``findall``, ``count`` and ``found`` give what the pattern's own ``findall`` and
    ``search`` give; a prefiltered pattern is run only if RE2 says it may match.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self._may = PREFILTER.may_match(text)

    @cached_property
    def urls(self) -> list[str]:
        """Return the links in the text."""
        return find_urls(self.text)

    @cached_property
    def words(self) -> list[str]:
        """Return the words of the text."""
        return WORD.findall(self.text)

    def _may_match(self, pattern: re.Pattern[str]) -> bool:
        """Return False only if the prefilter rules the pattern out."""
        return id(pattern) in self._may or id(pattern) not in PREFILTER.ids

    def findall(self, pattern: re.Pattern[str]) -> list[str]:
        """Return what ``pattern.findall`` finds."""
        if not self._may_match(pattern):
            return []
        return pattern.findall(self.text)  # type: ignore[no-any-return]

    def count(self, pattern: re.Pattern[str]) -> int:
        """Return how many matches ``findall`` finds (no overlaps)."""
        return len(self.findall(pattern))

    def found(self, pattern: re.Pattern[str]) -> bool:
        """Return whether the pattern matches anywhere."""
        return self._may_match(pattern) and pattern.search(self.text) is not None
