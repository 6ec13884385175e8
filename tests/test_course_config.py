"""A broken course.toml gets a message naming the file, the entry and the fix, and exit status 2."""
from __future__ import annotations

import pytest

from convgrade import cli
from convgrade.config import ConfigError, load

GOOD = """
[course]
name = "Test course"
id = "t"
seed = 1

[assignments.week1]
title = "Week 1"

[exercises."week1.padding.zero_pad"]
title = "Zero padding"
points = 3
"""


def write(tmp_path, text):
    (tmp_path / "course.toml").write_text(text)
    return tmp_path


def test_a_good_file_loads(tmp_path):
    course = load(write(tmp_path, GOOD))
    (e,) = course.exercises
    assert (e.id, e.lesson, e.name, e.path, e.points, e.memory) == (
        "week1.padding.zero_pad", "week1.padding", "zero_pad", "week1/padding.py", 3.0, 4 << 30)


@pytest.mark.parametrize("change,message", [
    (("points = 3", "points = -2"),
     "course.toml: exercise 'week1.padding.zero_pad': points = -2, expected a positive number"),
    (("points = 3", 'points = "three"'),
     "course.toml: exercise 'week1.padding.zero_pad': points = 'three', expected a positive number"),
    (("points = 3", "points = inf"),
     "course.toml: exercise 'week1.padding.zero_pad': points = inf, expected a positive number"),
    (("points = 3", "points = 0.33333"),
     "course.toml: exercise 'week1.padding.zero_pad': points = 0.33333 has more than 4 decimals; round it (points "
     "are shown with at most 4 decimals)"),
    (("points = 3", "pionts = 3"),
     "course.toml: exercise 'week1.padding.zero_pad': unknown key 'pionts'; expected one of title, points, "
     "kind, time_limit, call_timeout, memory, max_examples"),
    (("[assignments.week1]", "[assignments.week2]"),
     "course.toml: exercise 'week1.padding.zero_pad': no assignment 'week1'; add [assignments.week1] with a title"),
    (('"week1.padding.zero_pad"', '"zero_pad"'),
     "course.toml: exercise 'zero_pad': expected an id like \"hw1.vectors.normalize\" "
     "(<path under exercises/ with dots>.<name>)"),
    (("points = 3", 'points = 3\nmemory = "lots"'),
     "course.toml: exercise 'week1.padding.zero_pad': memory = 'lots', expected a size such as \"4 GiB\" "
     "or a number of bytes"),
    (("points = 3", "points = 3\ntime_limit = 0"),
     "course.toml: exercise 'week1.padding.zero_pad': time_limit = 0, expected a positive number of seconds"),
    (('name = "Test course"\n', ""), 'course.toml: [course]: name is missing; add name = "..."'),
    (("seed = 1", "seed = -1"), "course.toml: [course]: seed = -1, expected a non-negative integer"),
])
def test_errors_name_the_file_the_entry_and_the_fix(tmp_path, change, message):
    with pytest.raises(ConfigError) as info:
        load(write(tmp_path, GOOD.replace(*change)))
    assert str(info.value) == message


def test_invalid_toml_names_the_line(tmp_path):
    with pytest.raises(ConfigError, match=r"^course.toml: not valid TOML \(.*line 3.*\); fix the syntax at that line"):
        load(write(tmp_path, '[course]\nname = "x"\nid = \n'))


def test_the_cli_exits_2_with_the_message(tmp_path, capsys):
    write(tmp_path, GOOD.replace("points = 3", "points = -2"))
    assert cli.main(["--course", str(tmp_path), "list"]) == 2
    assert capsys.readouterr().err.strip() == (
        "course: course.toml: exercise 'week1.padding.zero_pad': points = -2, expected a positive number")


def test_no_course_folder(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["list"]) == 2
    assert "no course.toml in" in capsys.readouterr().err


def test_a_missing_grader_is_a_configuration_error(tmp_path, capsys):
    write(tmp_path, GOOD)
    assert cli.main(["--course", str(tmp_path), "grade", str(tmp_path)]) == 2
    assert capsys.readouterr().err.strip() == (
        "course: graders/week1/padding.py: no checks for exercise 'week1.padding.zero_pad'; add "
        "`zero_pad = Exercise('zero_pad')` and its checks, or remove the entry from course.toml")
