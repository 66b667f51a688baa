"""Validation of request bodies: titles, strict types, unknown fields and non-object bodies."""

import json
import sys

import pytest

from contract_tests.helpers import (
    TASKS,
    assert_problem,
    assert_task_response,
    create_task,
    get_task,
    last_page,
    raw_request,
    task_url,
    total,
)

# Every character Python's str.isspace() accepts: the contract's definition of whitespace.
WHITESPACE = "".join(chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace())
CONTROL = [chr(c) for c in range(0x20)] + ["\x7f"]
NON_WHITESPACE_CONTROL = [c for c in CONTROL if not c.isspace()]

KEPT_EXACTLY = {
    "emoji": "📝 Write the report ✅",
    "zwj-sequence": "Pair with 👩‍💻 and 👨‍👩‍👧",
    "arabic-rtl": "مرحبا بالعالم",
    "hebrew-rtl-with-marks": "‏שָׁלוֹם עולם‎",
    "combining-accent": "Cafe\u0301 not Café",
    "cjk": "買牛奶 と パン",
    "astral": "𝄞 music 𐍈",
    "zero-width-edges": "\u200bzero width\u200b",
    "bom-edge": "\ufeffbyte order mark",
    "c1-controls": "C1 \x80 and \x9f stay",
    "next-line-inside": "next\x85line",
    "line-separator-inside": "line\u2028separator\u2029paragraph",
    "nbsp-inside": "no\u00a0break  double space",
    "markup": "<script>alert('x')</script> &amp;",
    "sql": "'; DROP TABLE tasks; --",
    "format-strings": "%s %d {0} ${x} \\n \\u0000",
    "quotes": "\"double\" and 'single' and `back`",
    "replacement-char": "\ufffd",
}


def post_raw_json(api, value):
    return raw_request(api, "POST", TASKS, json.dumps(value))


# Titles


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("  Buy oat milk  ", "Buy oat milk"),
        ("\tBuy oat milk\r\n", "Buy oat milk"),
        ("\u00a0\u2003Buy oat milk\u3000\u2029", "Buy oat milk"),
        ("\x1c\x1fBuy oat milk\x1e\x1d", "Buy oat milk"),
        ("\x85\x0b\x0cBuy oat milk\x85", "Buy oat milk"),
    ],
    ids=["spaces", "tab-crlf", "unicode-spaces", "separator-controls", "nel-vt-ff"],
)
def test_title_is_stripped_of_surrounding_whitespace(api, sent, stored):
    response = api.post(TASKS, json={"title": sent})

    task = assert_task_response(response, 201)
    assert task["title"] == stored
    assert get_task(api, task["id"])["title"] == stored


def test_every_unicode_whitespace_character_is_stripped(api):
    response = api.post(TASKS, json={"title": f"{WHITESPACE}Core{WHITESPACE}"})

    assert assert_task_response(response, 201)["title"] == "Core"


def test_inner_spaces_are_kept(api):
    response = api.post(TASKS, json={"title": "Buy  oat \u3000 milk"})

    assert assert_task_response(response, 201)["title"] == "Buy  oat \u3000 milk"


@pytest.mark.parametrize(
    "title",
    ["", " ", "\t\n", "\u3000", "\x1c\x1f", WHITESPACE],
    ids=["empty", "space", "tab-newline", "ideographic-space", "separator-controls", "all"],
)
def test_whitespace_only_title_is_422(api, title):
    response = api.post(TASKS, json={"title": title})

    assert_problem(response, 422, fields={"title"})


def test_title_of_200_characters_is_accepted(api):
    title = "a" * 200

    response = api.post(TASKS, json={"title": title})

    assert assert_task_response(response, 201)["title"] == title


def test_title_of_201_characters_is_422(api):
    response = api.post(TASKS, json={"title": "a" * 201})

    assert_problem(response, 422, fields={"title"})


def test_title_length_is_counted_after_stripping(api):
    response = api.post(TASKS, json={"title": "  " + "b" * 200 + "\n"})

    assert assert_task_response(response, 201)["title"] == "b" * 200


def test_title_of_200_astral_code_points_is_accepted(api):
    # 200 code points, 400 UTF-16 units, 800 UTF-8 bytes.
    title = "😀" * 200

    response = api.post(TASKS, json={"title": title})

    assert assert_task_response(response, 201)["title"] == title


def test_title_of_201_astral_code_points_is_422(api):
    response = api.post(TASKS, json={"title": "😀" * 201})

    assert_problem(response, 422, fields={"title"})


def test_title_length_counts_combining_marks_as_code_points(api):
    # 100 letters with a combining accent: 200 code points, 100 user-perceived characters.
    accepted = api.post(TASKS, json={"title": "e\u0301" * 100})
    rejected = api.post(TASKS, json={"title": "e\u0301" * 100 + "e"})

    assert assert_task_response(accepted, 201)["title"] == "e\u0301" * 100
    assert_problem(rejected, 422, fields={"title"})


@pytest.mark.parametrize("char", CONTROL, ids=lambda c: f"U+{ord(c):04X}")
def test_control_character_inside_the_title_is_422(api, char):
    response = api.post(TASKS, json={"title": f"Before{char}after"})

    assert_problem(response, 422, fields={"title"})


@pytest.mark.parametrize("char", NON_WHITESPACE_CONTROL, ids=lambda c: f"U+{ord(c):04X}")
def test_control_character_at_the_edge_that_is_not_whitespace_is_422(api, char):
    leading = api.post(TASKS, json={"title": f"{char}Leading"})
    trailing = api.post(TASKS, json={"title": f"Trailing{char}"})

    assert_problem(leading, 422, fields={"title"})
    assert_problem(trailing, 422, fields={"title"})


@pytest.mark.parametrize("title", KEPT_EXACTLY.values(), ids=KEPT_EXACTLY.keys())
def test_unicode_title_is_stored_and_returned_exactly(api, title):
    response = api.post(TASKS, json={"title": title})

    task = assert_task_response(response, 201)
    assert task["title"] == title
    assert get_task(api, task["id"])["title"] == title
    listed = {item["id"]: item["title"] for item in last_page(api)["items"]}
    assert listed[task["id"]] == title


def test_title_sent_as_escaped_json_is_decoded(api):
    body = '{"title": "caf\\u00e9 \\ud83d\\ude00 \\"quoted\\" back\\\\slash"}'

    response = raw_request(api, "POST", TASKS, body)

    assert assert_task_response(response, 201)["title"] == 'café 😀 "quoted" back\\slash'


# Strict types


@pytest.mark.parametrize("body", [{}, {"done": True}], ids=["empty-object", "done-only"])
def test_title_is_required_on_create(api, body):
    response = api.post(TASKS, json=body)

    assert_problem(response, 422, fields={"title"})


def test_done_defaults_to_false(api):
    response = api.post(TASKS, json={"title": "No done sent"})

    assert assert_task_response(response, 201)["done"] is False


# Unknown and read-only fields


def test_every_unknown_and_read_only_field_is_named(api):
    body = {
        "title": "Many extras",
        "id": 7,
        "created_at": "2026-11-22T09:30:00Z",
        "owner": "me",
        "tags": [],
    }

    response = api.post(TASKS, json=body)

    assert_problem(response, 422, fields={"id", "created_at", "owner", "tags"})


# Invalid fields, one table for every method that takes a body

# A change that makes a valid body invalid, and the fields the 422 must name. Each is sent on
# POST, PUT and PATCH merged into a body that is otherwise valid for that method.
INVALID_FIELDS = [
    pytest.param({"title": None}, {"title"}, id="null-title"),
    pytest.param({"title": ""}, {"title"}, id="empty-title"),
    pytest.param({"title": "   "}, {"title"}, id="blank-title"),
    pytest.param({"title": " \t "}, {"title"}, id="tab-and-space-title"),
    pytest.param({"title": "y" * 201}, {"title"}, id="long-title"),
    pytest.param({"title": "Tab\tinside"}, {"title"}, id="tab-inside"),
    pytest.param({"title": "Bell\x07"}, {"title"}, id="control-char"),
    *(
        pytest.param({"title": value}, {"title"}, id=f"title-{value!r}")
        for value in (5, 0, True, False, 1.5, [], ["x"], {}, {"text": "x"})
    ),
    *(
        pytest.param({"done": value}, {"done"}, id=f"done-{value!r}")
        for value in (None, "true", "false", "yes", 1, 0, 1.0, [], {}, [True])
    ),
    pytest.param({"id": 1}, {"id"}, id="id"),
    pytest.param({"created_at": "2026-11-22T09:30:00Z"}, {"created_at"}, id="created-at"),
    pytest.param({"priority": 3}, {"priority"}, id="unknown"),
    pytest.param({"notes": None}, {"notes"}, id="null-unknown"),
    pytest.param({"Title": "capitalised twin"}, {"Title"}, id="capitalised-title"),
    pytest.param({"done ": True}, {"done "}, id="trailing-space"),
    pytest.param(
        {"title": None, "done": "yes", "extra": 1}, {"title", "done", "extra"}, id="three-fields"
    ),
]
VALID_BODY = {"POST": {"title": "Valid"}, "PUT": {"title": "Valid", "done": True}, "PATCH": {}}


@pytest.mark.parametrize("method", list(VALID_BODY))
@pytest.mark.parametrize(("change", "fields"), INVALID_FIELDS)
def test_an_invalid_field_is_422_naming_it_and_changes_nothing(api, method, change, fields):
    body = {**VALID_BODY[method], **change}
    if method == "POST":
        before = total(api)

        response = api.post(TASKS, json=body)

        assert_problem(response, 422, fields=fields)
        assert total(api) == before
        return
    task = create_task(api, f"Not changed by an invalid {method}")

    response = api.request(method, task_url(task["id"]), json=body)

    assert_problem(response, 422, fields=fields)
    assert get_task(api, task["id"]) == task


# Several problems at once


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"title": 5, "done": "yes"}, {"title", "done"}),
        ({"title": "", "done": None, "extra": 1}, {"title", "done", "extra"}),
        ({"done": "x", "extra": 1}, {"title", "done", "extra"}),
        ({"title": "c" * 201, "id": 1}, {"title", "id"}),
    ],
    ids=["title-and-done", "three-fields", "missing-title-and-more", "long-title-and-id"],
)
def test_every_offending_field_is_named(api, body, fields):
    response = api.post(TASKS, json=body)

    assert_problem(response, 422, fields=fields)


# Bodies that are not objects


NON_OBJECTS = [[], ["title"], [{"title": "x"}], "x", "", 1, 0, 1.5, None, True, False]


@pytest.mark.parametrize("value", NON_OBJECTS, ids=repr)
def test_non_object_body_on_create_is_422_naming_body(api, value):
    response = post_raw_json(api, value)

    assert_problem(response, 422, fields={"body"})


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
@pytest.mark.parametrize("value", [[], "x", 1, None], ids=repr)
def test_non_object_body_on_change_is_422_naming_body(api, method, value):
    task = create_task(api, "Not changed by a non-object")

    response = raw_request(api, method, task_url(task["id"]), json.dumps(value))

    assert_problem(response, 422, fields={"body"})
    assert get_task(api, task["id"]) == task
