"""Hand-made text features: each fires on what spam does and not on its look-alikes."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from model.features import normalise_all
from model.patterns import PREFILTERED, WORD_LISTS, Scan
from model.signals import GROUPS, TextSignals
from training.corpus import shipped_examples


def fired(group: str, text: str) -> set[str]:
    """Return the names of the features of ``group`` that are non-zero for ``text``."""
    signals = TextSignals(group).fit([])
    row = signals.transform(normalise_all([text]))[0]
    return {str(n) for n, v in zip(signals.get_feature_names_out(), row, strict=True) if v > 0}


@pytest.mark.parametrize(
    ("group", "feature", "spam", "look_alike"),
    [
        ("links", "links to a URL shortener", "go to bit.ly/3abc", "a bit lonely today"),
        (
            "links",
            "links to a domain with a cheap ending (.xyz, .top, ...)",
            "visit https://great-deals.xyz now",
            "visit https://www.bbc.co.uk/news now",
        ),
        (
            "links",
            "link carries a referral or tracking code",
            "join https://shop.example.com/?ref=abc123",
            "read https://en.wikipedia.org/wiki/Referral",
        ),
        ("contact", "gives a phone number", "call +1 (800) 555-0199 today", "in 2016-2017 it rose"),
        ("contact", "gives a phone number", "to claim call 09061701461.", "it rose to 1,250,000."),
        ("contact", "gives a phone number", "call08704439680ts&cs apply", "order no. 1234567"),
        ("contact", "gives an e-mail address", "write to win@prizes.example.com", "i wrote @ home"),
        (
            "contact",
            "names a messaging app or links to a chat",
            "message me on whatsapp",
            "what's up, app makers",
        ),
        ("contact", "asks to call, text or contact", "text me for details", "the text of the bill"),
        (
            "contact",
            "asks to call, text or contact",
            "txt WIN to 87121 now",
            "i'll text you when i get to 5th street",
        ),
        ("contact", "asks to call, text or contact", "reply STOP to end", "please stop replying"),
        (
            "contact",
            "asks to call, text or contact",
            "call me on 07700900123",
            "my no. in luton 0125698789 ring me if ur around!",
        ),
        ("money", "mentions an amount of money", "earn $500 a day", "500 people came"),
        # signals that work in any script
        ("money", "mentions an amount of money", "заработок от 500$ в день", "500 человек пришли"),
        ("money", "mentions an amount of money", "вход от 100 usdt", "в 100 метрах от дома"),
        ("money", "mentions an amount of money", "от 3000 руб в день", "в 3000 году"),
        ("money", "money-making words", "пассивный доход без вложений", "доброе утро, друзья"),
        (
            "contact",
            "names a messaging app or links to a chat",
            "вступай t.me/easymoney24",
            "a t.me domain is short",
        ),
        ("contact", "names a messaging app or links to a chat", "пиши в телеграм", "пиши код"),
        ("contact", "asks to call, text or contact", "пишите в личку", "пишите грамотно"),
        ("contact", "asks to call, text or contact", "escríbeme ya", "escribe bien"),
        ("contact", "asks to call, text or contact", "dm me for details", "a dm is a message"),
        (
            "contact",
            "gives a messenger handle (@name)",
            "write to @crypto_boss24",
            "@john you are right",
        ),
        (
            "obfuscation",
            "runs a domain on into other text",
            "jobsbay24.comllllllll see it here",
            "see jobsbay24.com, it is here",
        ),
        (
            "obfuscation",
            "mixes alphabets inside a word (homoglyphs)",
            "рrivеt, kupi dеshevo",
            "привет, kupi deshevo",
        ),
        ("repetition", "many emoji", "🔥🔥🔥 win 💰💰", "great song 😍"),
        ("money", "mentions an amount of money", "only 150p/msg", "page 150 of the report"),
        ("money", "money-making words", "you have won a holiday", "i won the game last night"),
        ("money", "recovery or hacking scam words", "he helped recover my funds", "recover soon"),
        ("money", "pharma, diet or other product-spam words", "buy viagra", "i saw the doctor"),
        (
            "money",
            "pharma, diet or other product-spam words",
            "the best diet pills, 60 pills a month",
            "take your crazy pill, don.",
        ),
        (
            "promotion",
            "points to the writer's own channel, site or product",
            "please watch my channel",
            "this is my opinion",
        ),
        (
            "promotion",
            "points to the writer's own channel, site or product",
            "visit my website for more",
            "have u been paying money into my account?",
        ),
        (
            "promotion",
            "points to the writer's own channel, site or product",
            "our company sells the best",
            "if u r desperate for my company i could head in earlier",
        ),
        (
            "promotion",
            "asks to visit, search, subscribe, click or buy",
            "subscribe and click here",
            "should i buy him a phone or visit the shop",
        ),
        (
            "promotion",
            "asks to visit, search, subscribe, click or buy",
            "great song, subscribe to my channel",
            "i love your songs! thats a total subscribe",
        ),
        (
            "promotion",
            "asks to visit, search, subscribe, click or buy",
            "please subscribe",
            "i guess you just subscribe to the mantra of i got mine",
        ),
        (
            "promotion",
            "asks to visit, search, subscribe, click or buy",
            "Search Superior Trading System",
            "readers should just google epstein for other shameful details on this man",
        ),
        (
            "promotion",
            "asks to visit, search, subscribe, click or buy",
            'Search "Chubbz Dinero - Ready Or Not " Thanks',
            "Google it.",
        ),
        (
            "promotion",
            "asks to visit, search, subscribe, click or buy",
            "переходи по ссылке в профиле",
            "переходи на другую сторону улицы",
        ),
        (
            "promotion",
            "asks to visit, search, subscribe, click or buy",
            "подписывайся и жми на ссылку",
            "он подписал указ, жми не жми",
        ),
        (
            "promotion",
            "asks to visit, search, subscribe, click or buy",
            "suscríbete ya",
            "me suscribí",
        ),
        (
            "promotion",
            "asks to visit, search, subscribe, click or buy",
            "follow me on twitter @mscalifornia",
            "Follow Me, Valleyisles, you fool, ha, ha, ha!!!!",
        ),
        (
            "promotion",
            "asks to visit, search, subscribe, click or buy",
            "give this comment a thumbs up",
            "thumbs up if you're watching in 2015",
        ),
        (
            "repetition",
            "repeats a phrase",
            "free money now free money now free money now",
            "the cat and the dog and the bird sat on the mat by the door",
        ),
        (
            "repetition",
            "repeats a phrase",
            "check my channel check my channel",
            "cool cool cool cool cool cool cool",
        ),
        ("obfuscation", "spaced-out letters", "v i a g r a now", "a b test was fine"),
        ("obfuscation", "digits or symbols inside words (leetspeak)", "fr33 c4sh", "mp3 files"),
        (
            "obfuscation",
            "digits or symbols inside words (leetspeak)",
            "fr33 c4sh",
            "featured on multiple mp3s",
        ),
        (
            "obfuscation",
            "mixes alphabets inside a word (homoglyphs)",
            "cheap vi\u0430gra",
            "a word in \u0440\u0443\u0441\u0441\u043a\u0438\u0439 too",
        ),
        (
            "obfuscation",
            "writes a domain with spaces or (dot)",
            "go to pillz (dot) com",
            "dot com era",
        ),
        (
            "obfuscation",
            "writes a domain with spaces or (dot)",
            "check out my new website! kidsmediausa . com",
            "its normally hot mail. com you see!",
        ),
        ("repetition", "repeats punctuation", "win now!!!!", "really? yes!"),
    ],
)
def test_feature_fires_on_spam_and_not_on_look_alike(
    group: str, feature: str, spam: str, look_alike: str
) -> None:
    assert feature in fired(group, spam)
    assert feature not in fired(group, look_alike)


def test_features_are_bounded_and_named_for_every_group() -> None:
    texts = normalise_all(["buy now!!! $$$ http://a.xyz http://b.top " * 20, "ok", ""])
    for group, (names, _) in GROUPS.items():
        matrix = TextSignals(group).fit(texts).transform(texts)
        assert matrix.shape == (3, len(names))
        assert ((matrix >= 0) & (matrix <= 1)).all()


def test_unknown_group_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown signal group"):
        TextSignals("nope").fit([])


def _assert_scan_reads_like_each_pattern(text: str) -> None:
    scan = Scan(text)
    for pattern in PREFILTERED:
        assert scan.findall(pattern) == pattern.findall(text), pattern.pattern
        assert scan.count(pattern) == len(pattern.findall(text)), pattern.pattern
        assert scan.found(pattern) == (pattern.search(text) is not None), pattern.pattern


def test_the_scan_finds_what_each_pattern_finds_on_the_shipped_texts() -> None:
    texts = normalise_all(e.text for e in shipped_examples())
    assert sum(bool(Scan(t).count(p)) for t in texts for p in WORD_LISTS) > 1000
    assert all(sum(p.search(t) is not None for t in texts) >= 5 for p in PREFILTERED)
    for text in texts:
        _assert_scan_reads_like_each_pattern(text)


@given(
    st.lists(
        st.sampled_from(
            [
                "order now",
                "order",
                "free",
                "check out my channel",
                "call me",
                "earn",
                "cash",
                "per day",
                "whatsapp",
                "x",
                " ",
                "-",
                "1",
                "$5",
                "subscribe",
                "don't miss",
                "call 0800 123 4567",
                "+44(0)20.7946.0958",
                "site . com",
                "shop(dot)net",
                "x [dot] co",
                "a. info",
                "x@y.io",
                "f r e e",
                "fr33",
                "!!!",
                "٣٣٣٣٣٣٣٣٣٣",
                "\u3000",
                "é",
            ]
        ),
        max_size=12,
    ).map(" ".join)
    | st.text(max_size=80)
)
def test_the_scan_finds_what_each_pattern_finds_on_any_text(text: str) -> None:
    _assert_scan_reads_like_each_pattern(text)


@pytest.mark.parametrize(
    "alphabet",
    [
        "0123456789 ().-+",
        "abc .*_-@$!?",
        "free check out my channel call me 0800 123 4567 reply stop to 87121 ",
        "аеорсху aeopcxy 1 3 0 $ £5 ",
        "x@y.co a . com (dot) net [dot] org ",
        "".join(chr(c) for c in range(32, 1200)),
    ],
)
def test_the_scan_finds_what_each_pattern_finds_in_long_texts(alphabet: str) -> None:
    """Texts as long as the API takes, which make RE2's automaton build many states."""
    rng = random.Random(alphabet)
    for _ in range(3):
        _assert_scan_reads_like_each_pattern("".join(rng.choices(alphabet, k=20_000)))


def _repeated_phrases(text: str) -> float:
    """The repeated-phrase feature by its definition, one phrase at a time."""
    words = Scan(text).words
    phrases = [p for p in zip(words, words[1:], words[2:], strict=False) if len(set(p)) > 1]
    return 1.0 - len(set(phrases)) / len(phrases) if len(phrases) >= 4 else 0.0


@given(st.lists(st.sampled_from(["cool", "check", "my", "channel", "a", "é"]), max_size=30))
def test_the_repeated_phrase_share_is_its_definition(words: list[str]) -> None:
    text = " ".join(words)
    assert TextSignals("repetition").transform([text])[0, 0] == _repeated_phrases(text)


def test_the_repeated_phrase_share_is_its_definition_on_the_shipped_texts() -> None:
    texts = normalise_all(e.text for e in shipped_examples())
    values = TextSignals("repetition").transform(texts)[:, 0]
    assert (values > 0).sum() > 500
    assert values.tolist() == [_repeated_phrases(t) for t in texts]
