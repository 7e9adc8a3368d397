"""Text helpers for consistency checks: terms, stems, negation, for English and Chinese."""

from __future__ import annotations

import re

_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
_STOPWORDS = frozenset(
    "a an the of to in on at by for with and or but is are was were be been being it its "
    "this that these those any all some no not never can could may might must will would "
    "shall should do does did has have had as from into".split()
)
_NEGATIONS_EN = ("not", "never", "no", "cannot", "can't", "isn't", "aren't", "wasn't", "weren't", "doesn't", "don't", "didn't", "won't")
_NEGATIONS_ZH = ("没有", "不是", "不会", "不能", "没", "不", "未", "无")
# A stem of this many letters stands for a word and its inflections ("raise", "raised").
STEM_LENGTH = 4


def contains_phrase(text: str, phrase: str) -> bool:
    """Return True when ``phrase`` occurs in ``text``, ignoring case and runs of spaces."""
    return _squash(phrase) in _squash(text)


def content_terms(text: str) -> set[str]:
    """Return the stems of English content words and the character pairs of Chinese runs."""
    terms = {word.casefold()[:STEM_LENGTH] for word in _WORD.findall(text) if word.casefold() not in _STOPWORDS}
    for run in _CJK_RUN.findall(text):
        stripped = run
        for negation in _NEGATIONS_ZH:
            stripped = stripped.replace(negation, "")
        terms.update(stripped[i : i + 2] for i in range(len(stripped) - 1))
        if len(stripped) == 1:
            terms.add(stripped)
    return terms


def coverage(needle_terms: set[str], text: str) -> float:
    """Return the share of ``needle_terms`` that occur in ``text``."""
    if not needle_terms:
        return 0.0
    return len(needle_terms & content_terms(text)) / len(needle_terms)


def is_negated(text: str) -> bool:
    words = {word.casefold() for word in _WORD.findall(text)}
    if words & set(_NEGATIONS_EN):
        return True
    return any(negation in text for negation in _NEGATIONS_ZH)


# Words that open English sentences and are never the first word of a name.
_CLAUSE_OPENERS = _STOPWORDS | frozenset(
    "then when after before while now there here you your he she they we his her their our my "
    "suddenly meanwhile later soon still yes inside outside behind beyond above below across "
    "today tonight tomorrow yesterday once finally".split()
)
# Characters that open a quotation or an aside: the word after one starts a sentence.
_OPENERS = "\"'“‘([«—-"


def capitalised_names(text: str) -> list[str]:
    """Return runs of capitalised English words that do not start a sentence or a quotation.

    A run ends at punctuation, so "On Monday, Mira Holt" gives "Mira Holt" alone.
    """
    names: list[str] = []
    for sentence in re.split(r"(?<=[.!?:;])[\"'”’)]*\s+|\n+", text):
        words = sentence.split()
        run: list[str] = []
        # A capitalised word that starts a clause is a name only when more capitalised words follow it.
        pending: str | None = None
        for position, raw in enumerate(words):
            word = raw.strip(",.!?;:\"'()[]“”‘’*_«»—")
            capitalised = bool(word) and word[0].isupper() and word.isalpha()
            starts_clause = position == 0 or raw[0] in _OPENERS or words[position - 1].endswith(("—", "--"))
            if capitalised and starts_clause and not run:
                pending = word if raw[-1] not in ",;:)\"”’—" else None
                continue
            if capitalised:
                if pending is not None and not run and pending.casefold() not in _CLAUSE_OPENERS:
                    run.append(pending)
                run.append(word)
            elif run:
                names.append(" ".join(run))
                run = []
            pending = None
            if run and raw[-1] in ",;:)\"”’—":
                names.append(" ".join(run))
                run = []
        if run:
            names.append(" ".join(run))
    return names


# How Chinese narration introduces a person: "名叫X", "叫做X", "一个叫X的…", and dialogue
# attributed as "X说：" at the start of a clause. X is two to four characters, the
# length of almost every Chinese personal name.
# NOTE: a name used without such a pattern ("李四走进茶馆") is not found, because
# Chinese text has no word boundaries or capitals that mark it.
_ZH_NAME = "[\u4e00-\u9fff]{2,4}?"
_ZH_CLAUSE_START = r"(?:^|(?<=[，。！？；：、”」』\s]))"
_ZH_INTRODUCED = (
    re.compile(rf"(?:名叫|叫做|叫作|名为|名唤|自称)({_ZH_NAME})(?=[的，。！？、；：“”「」\s]|$)"),
    re.compile(rf"(?<=[个位名])叫({_ZH_NAME})的"),
    re.compile(rf"{_ZH_CLAUSE_START}({_ZH_NAME})(?:低声|轻声|大声|笑着|冷冷地|缓缓地)?(?:说道|问道|答道|笑道|喊道|说|问)[：:，,“「]"),
)
# Pronouns and common nouns for people that such patterns also match but are not names.
_ZH_NOT_NAMES = frozenset(
    "他们 她们 我们 你们 它们 咱们 大家 众人 有人 别人 旁人 对方 自己 老人 孩子 男人 女人 少年 少女 "
    "店主 掌柜 伙计 小二 士兵 客人 路人 陌生人 一位陌生人 那人 这人 来人 老者 妇人".split()
)
_ZH_PRONOUN_CHARS = frozenset("他她你我它您")
# Adverbs and connectives that can stand where the speaker's name would ("一边低声说：").
_ZH_NOT_NAME_STARTS = (
    "一边", "于是", "然后", "接着", "忽然", "突然", "随后", "这时", "此时", "最后", "终于", "只是", "还是",
    "也", "又", "便", "就", "却", "还", "再", "都", "正", "只", "才", "这", "那",
)


def chinese_names(text: str) -> list[str]:
    """Return the person names that Chinese ``text`` introduces or lets speak, in order."""
    found: list[str] = []
    for pattern in _ZH_INTRODUCED:
        for match in pattern.finditer(text):
            name = match.group(1)
            if name in _ZH_NOT_NAMES or _ZH_PRONOUN_CHARS & set(name) or name.startswith(_ZH_NOT_NAME_STARTS):
                continue
            found.append((match.start(1), name))  # type: ignore[arg-type]
    return list(dict.fromkeys(name for _position, name in sorted(found)))  # type: ignore[misc]


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()
