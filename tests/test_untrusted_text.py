"""The sanitising boundary, one behaviour per example (the property tests in
``test_untrusted_boundary.py`` cover the same ground with generated text; these say which rule
broke, and cost milliseconds, so the mutation run uses them)."""

from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass, field

import pytest

from opsconsole.core.untrusted_text import (
    MAX_FIELD_CHARS,
    CleanDict,
    CleanList,
    SanitizedModel,
    clean,
    excerpt,
    sanitize,
)


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("a\x1b[2J\x1b[Hb", "ab"),  # CSI
        ("a\x1b[1;31mred\x1b[0m", "ared"),
        ("a\x1b[?25lb", "ab"),  # CSI with a private parameter
        ("a\x1b[ qb", "ab"),  # CSI with an intermediate byte
        ("a\x1b]52;c;Zm9v\x07b", "ab"),  # OSC 52 ended by BEL
        ("a\x1b]0;title\x1b\\b", "ab"),  # OSC ended by ST
        ("a\x1b]8;;https://x\x1b\\link\x1b]8;;\x1b\\b", "alinkb"),  # OSC 8: the text stays
        ("a\x1b]52;c;cut off", "a"),  # an OSC never ended swallows the rest
        ("a\x1bP+q544e\x1b\\b", "ab"),  # DCS
        ("a\x1bXsos\x1b\\b", "ab"),  # SOS
        ("a\x1b^pm\x1b\\b", "ab"),  # PM
        ("a\x1b_apc\x1b\\b", "ab"),  # APC
        ("a\x1bPno end", "a"),  # a DCS cut off
        ("a\x1bMb", "ab"),  # a two-byte escape (reverse index)
        ("a\x1b\\b", "ab"),  # a stray ST
        ("a\x1b", "a"),  # a lone ESC at the end
        ("a\x9b2Jb", "ab"),  # 8-bit CSI
        ("a\x9d52;c;Zm9v\x9cb", "ab"),  # 8-bit OSC ended by 8-bit ST
        ("a\x90dcs\x9cb", "ab"),  # 8-bit DCS
        ("a\x98sos\x9cb", "ab"),
        ("a\x9epm\x9cb", "ab"),
        ("a\x9fapc\x9cb", "ab"),
        ("a\x90dcs never ended", "a"),
    ],
)
def test_escape_sequences_are_removed(raw: str, shown: str) -> None:
    assert sanitize(raw) == shown


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("a\x00b", "a\\x00b"),
        ("a\x07b", "a\\x07b"),
        ("a\x08b", "a\\x08b"),
        ("a\x0bb", "a\\x0bb"),
        ("a\x0cb", "a\\x0cb"),
        ("a\rb", "a\\x0db"),
        ("a\x1fb", "a\\x1fb"),
        ("a\x7fb", "a\\x7fb"),
        ("a\x80b", "a\\x80b"),
        ("a\x85b", "a\\x85b"),  # C1 NEL
        ("a\x9cb", "a\\x9cb"),  # a lone 8-bit ST
        ("a\u202eevil\u202cb", "a\\u202eevil\\u202cb"),  # bidi override
        ("\u061c\u180e\u200b\u200f\u2060\u2064\u2066\u2069\ufeff", ""),  # replaced below
        ("a\ud800b\udfff", "a\\ud800b\\udfff"),  # lone surrogates: JSON's "\ud800" without a pair
    ],
)
def test_controls_and_invisibles_are_shown_as_their_code_point(raw: str, shown: str) -> None:
    if shown == "":
        shown = "".join(f"\\u{ord(c):04x}" for c in raw)
    assert sanitize(raw) == shown


def test_a_surrogate_less_text_prints_in_utf8() -> None:
    shown = sanitize("x\udfff\ud800y\U0001f600")  # a pair's halves reversed, then a real emoji
    assert shown == "x\\udfff\\ud800y\U0001f600"
    shown.encode("utf-8")  # no UnicodeEncodeError: what a terminal, pipe or file is written


def test_characters_just_outside_the_invisible_ranges_are_kept() -> None:
    kept = "\u061b\u061d\u180d\u180f\u200a\u2010\u2029\u202f\u205f\u2065\u206a\ufefe\uff01é☕日"
    assert sanitize(kept + "\x07") == kept + "\\x07"
    assert sanitize(kept) is kept


def test_tabs_stay_and_newlines_become_one_row() -> None:
    assert sanitize("a\tb") == "a\tb"
    assert sanitize("a\nb\r\nc") == "a⏎b⏎c"
    assert sanitize("a\nb\r\nc\x07", keep_newlines=True) == "a\nb\\x0d\nc\\x07"


def test_safe_text_is_returned_as_is() -> None:
    text = "npa-1 [bold]café ☕ 日本"  # markup is not the sanitiser's business: renderers draw plain text
    assert sanitize(text) is text


def test_excerpt_is_one_clean_line_within_the_limit() -> None:
    assert excerpt("  a\x1b[2Jb\nc  ") == "ab⏎c"
    assert excerpt("x" * 300) == "x" * 300
    assert excerpt("x" * 301) == "x" * 299 + "…"
    assert excerpt("abcdef", limit=4) == "abc…"
    assert excerpt("abcd", limit=4) == "abcd"


def test_an_over_long_value_is_cut_with_a_note_that_counts_what_was_cut() -> None:
    assert clean("x" * MAX_FIELD_CHARS) == "x" * MAX_FIELD_CHARS
    long = "x" * (MAX_FIELD_CHARS + 10)
    cut = clean(long)
    # Room is made for a note as long as the whole text's count ("…(+16,394 characters)", 21
    # characters); what the note then counts is what was really cut.
    kept = MAX_FIELD_CHARS - len("…(+16,394 characters)")
    assert cut == "x" * kept + f"…(+{len(long) - kept} characters)"
    assert len(cut) <= MAX_FIELD_CHARS
    thousands = clean("x" * 20_000)
    assert thousands.endswith(f"…(+{20_000 - (MAX_FIELD_CHARS - 21):,} characters)")
    assert clean(cut) == cut  # cleaning again changes nothing
    # The limit applies to the cleaned text: escapes removed first do not count.
    assert clean("\x1b[1m" + "y" * MAX_FIELD_CHARS) == "y" * MAX_FIELD_CHARS


def test_clean_returns_clean_values_themselves() -> None:
    labels = {"job": "npa"}
    items = ["a", ("b", 1)]
    pair = ("a", None, 3)
    assert clean(labels) is labels
    assert clean(items) is items
    assert clean(pair) is pair
    number = 12.5
    assert clean(number) is number


def test_clean_reaches_keys_values_and_nested_containers() -> None:
    raw = {"a\x1b[1m": ["x\x07", ("y\u202e", 2)], "b": {"c": "d\x1b]0;t\x07"}}
    assert clean(raw) == {"a": ["x\\x07", ("y\\u202e", 2)], "b": {"c": "d"}}
    assert type(clean(("a\x07",))) is tuple
    assert type(clean(["a\x07"])) is list


def test_clean_keeps_a_named_tuple_and_a_dict_subclass() -> None:
    Pair = namedtuple("Pair", "name value")
    cleaned = clean(Pair("a\x07", "b"))
    assert type(cleaned) is Pair
    assert cleaned == Pair("a\\x07", "b")

    class Labels(dict[str, str]):
        pass

    out = clean(Labels({"k": "v\x1b[2J"}))
    assert type(out) is Labels
    assert out == {"k": "v"}


def test_keys_that_differ_only_in_what_was_removed_stay_apart() -> None:
    out = clean({"job": "1", "job\x1b[0m": "2", "\x1b[1mjob": "3"})
    assert out == {"job": "1", "job#2": "2", "job#3": "3"}
    # A name already taken by a real key is skipped, and a real key is told apart in turn.
    assert clean({"job#2": "0", "job": "1", "job\x1b[m": "2"}) == {"job#2": "0", "job": "1", "job#3": "2"}
    assert clean({"job": "1", "job\x1b[m": "2", "job#2": "3"}) == {"job": "1", "job#2": "2", "job#2#2": "3"}


@dataclass(frozen=True)
class Row(SanitizedModel):
    name: str
    labels: dict[str, str]
    count: int = 0
    score: float = 0.0
    flag: bool = False
    nothing: None = None
    tags: tuple[str, ...] = ()


@dataclass
class Board(SanitizedModel):
    title: str
    rows: list[str] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)
    extra: tuple[str, ...] = ()


def test_a_model_cleans_every_field_when_made() -> None:
    row = Row("a\x1b[2J", {"k\x07": "v\u202e"}, 3, 1.5, True, None, ("t\x1b[m",))
    assert (row.name, row.labels, row.tags) == ("a", {"k\\x07": "v\\u202e"}, ("t",))
    assert (row.count, row.score, row.flag, row.nothing) == (3, 1.5, True, None)


def test_a_clean_model_keeps_its_own_objects() -> None:
    labels = {"job": "npa"}
    tags = ("t",)
    row = Row("a", labels, tags=tags)
    assert row.labels is labels
    assert row.tags is tags
    # Flat fields that are not all strings (a tuple) take the slow path, which keeps them too.
    assert Row("a", labels, tags=tags).labels is labels


@pytest.mark.parametrize(
    "labels",
    [
        {"k": "v\x1b[2J"},  # hostile only in a dict value
        {"k\x1b[2J": "v"},  # only in a key
        {"k": 1},  # not a string: the fast scan gives up and cleans field by field
    ],
)
def test_a_model_cleans_what_the_fast_scan_leaves(labels: dict[str, str]) -> None:
    row = Row("a\x07", labels)
    assert row.name == "a\\x07"
    assert row.labels == {
        k.replace("\x1b[2J", ""): v.replace("\x1b[2J", "") if isinstance(v, str) else v
        for k, v in labels.items()
    }


def test_the_fast_scan_counts_every_field_towards_the_length_limit() -> None:
    # Each field alone is under the limit; the fast path must not skip the per-field check for a
    # single over-long one, and must not cut fields that are short.
    half = "x" * (MAX_FIELD_CHARS // 2 + 1)
    row = Row(half, {"k": half})
    assert (row.name, row.labels) == (half, {"k": half})
    long = "y" * (MAX_FIELD_CHARS + 1)
    cut = clean(long)
    assert cut != long
    assert Row(long, {}).name == cut
    assert Row("a", {"k": long}).labels == {"k": cut}
    assert Row("a", {long: "v"}).labels == {cut: "v"}


def test_a_mutable_model_cleans_what_is_set_later() -> None:
    board = Board("t")
    board.title = "x\x1b[2J"
    board.rows = ["a\x07"]
    board.labels = {"k\x1b[m": "v"}
    board.extra = ("e\u202e",)
    assert (board.title, board.rows, board.labels, board.extra) == (
        "x",
        ["a\\x07"],
        {"k": "v"},
        ("e\\u202e",),
    )
    assert type(board.rows) is CleanList
    assert type(board.labels) is CleanDict
    assert type(board.extra) is tuple


def test_a_mutable_models_lists_clean_what_is_added() -> None:
    board = Board("t")
    board.rows.append("a\x1b[2J")
    board.rows.extend(["b\x07"])
    board.rows.insert(0, "c\u202e")
    board.rows += ["d\x1b]0;x\x07"]
    assert board.rows == ["c\\u202e", "a", "b\\x07", "d"]
    board.rows[0] = "e\x1b[m"
    board.rows[1:3] = ["f\x07", "g"]
    assert board.rows == ["e", "f\\x07", "g", "d"]
    assert type(board.rows) is CleanList


def test_clean_list_made_from_hostile_items() -> None:
    items = CleanList(["a\x1b[2J", "b"])
    assert items == ["a", "b"]
    inplace = CleanList[str]()
    same = inplace.__iadd__(["x\x07"])
    assert same is inplace
    assert inplace == ["x\\x07"]


def test_a_mutable_models_dicts_clean_keys_and_values_added() -> None:
    board = Board("t")
    board.labels["k\x1b[m"] = "v\x07"
    assert board.labels == {"k": "v\\x07"}
    assert board.labels.setdefault("n\x1b[m", "d\u202e") == "d\\u202e"
    assert board.labels.setdefault("n", "other") == "d\\u202e"  # an existing key keeps its value
    assert board.labels.setdefault("z") is None
    board.labels.update({"u\x07": "1\x1b[2J"}, w="2\x07")
    board.labels.update([("p\x1b[m", "q")])
    assert board.labels == {"k": "v\\x07", "n": "d\\u202e", "z": None, "u\\x07": "1", "w": "2\\x07", "p": "q"}


def test_clean_dict_made_from_pairs_and_keywords() -> None:
    assert CleanDict({"a\x07": "b\x1b[m"}, c="d\u202e") == {"a\\x07": "b", "c": "d\\u202e"}
    assert CleanDict([("e\x1b[m", "f")]) == {"e": "f"}
    assert CleanDict() == {}


def test_a_frozen_model_cannot_be_changed_after_it_is_made() -> None:
    row = Row("a", {})
    with pytest.raises(AttributeError):
        row.name = "b\x1b[2J"  # type: ignore[misc]
    assert row.name == "a"


def test_a_model_class_made_now_is_cleaned_on_first_use() -> None:
    # A class never instantiated before: its field names are looked up for the first time here.
    @dataclass(frozen=True)
    class Fresh(SanitizedModel):
        first: str
        second: str = "b\x1b[2J"

    assert (Fresh("a\x07").first, Fresh("a\x07").second) == ("a\\x07", "b")


@dataclass(frozen=True)
class Tagged(SanitizedModel):
    name: str
    tags: tuple[str, ...]


def test_a_model_of_strings_and_a_tuple_cleans_inside_the_tuple() -> None:
    # No number among the fields: the fast scan must give up on the tuple, not skip it.
    assert Tagged("n", ("t\x1b[2J", "u\u202e")).tags == ("t", "u\\u202e")


@dataclass(frozen=True)
class Labelled(SanitizedModel):
    name: str
    labels: dict[str, object]
    count: int = 0


def test_a_dict_holding_a_number_does_not_let_the_other_fields_through() -> None:
    row = Labelled("x\x1b[2J", {"k\x07": 1})
    assert (row.name, row.labels) == ("x", {"k\\x07": 1})
