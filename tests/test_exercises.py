"""The feedback helpers, and every notebook exercise: its check passes on the solution
edition and fails on the student edition (tools/make_student.py)."""
import sys
from pathlib import Path

import nbformat
import pytest
import torch

from course_utils import exercises
from course_utils.exercises import ExerciseFailed, Quiz, check_function, check_value

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
from make_student import strip_solutions, student_notebook  # noqa: E402

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def _inputs(g):
    return (torch.randn(4, 3, generator=g),)


def test_check_function_passes_and_fails_specifically(monkeypatch, capsys):
    monkeypatch.delenv("COURSE_STRICT_CHECKS", raising=False)
    assert check_function(lambda x: x.sum(1), lambda x: x.sum(1), _inputs, name="sum")
    assert "PASS sum" in capsys.readouterr().out
    assert not check_function(lambda x: x.mean(1), lambda x: x.sum(1), _inputs, name="sum")
    assert "differ from the reference" in capsys.readouterr().out
    assert not check_function(lambda x: x, lambda x: x.sum(1), _inputs, name="sum")
    assert "expected shape (4,)" in capsys.readouterr().out

    def stub(x):
        raise NotImplementedError

    assert not check_function(stub, lambda x: x.sum(1), _inputs, name="sum")
    assert "not implemented yet" in capsys.readouterr().out
    assert not check_function(lambda x: 1 / 0, lambda x: x.sum(1), _inputs)
    assert "ZeroDivisionError" in capsys.readouterr().out


def test_strict_mode_raises(monkeypatch):
    monkeypatch.setenv("COURSE_STRICT_CHECKS", "1")
    with pytest.raises(ExerciseFailed):
        check_value(1.0, 2.0, name="x")
    assert check_value(torch.tensor(2.0), 2.0)


def test_quiz_feedback_and_widget():
    q = Quiz("2 + 2?", ["3", "4"], answer=1, explanation="Arithmetic.")
    assert q.answer_with(1).startswith("Correct") and "Not quite" in q.answer_with(0)
    box = q.widget()
    box.button.click()
    assert "Pick an option" in box.feedback.value
    box.radio.value = 0
    box.button.click()
    assert "Not quite" in box.feedback.value
    box.radio.value = 1
    box.button.click()
    assert "Correct" in box.feedback.value
    with pytest.raises(ValueError, match="answer must index"):
        Quiz("?", ["a"], answer=3)


def test_quiz_prints_without_a_frontend(capsys):
    exercises.quiz("Which?", ["a", "b"], answer=0)
    out = capsys.readouterr().out
    assert "Which?" in out and "(b) b" in out


def test_strip_solutions_keeps_indentation_and_rejects_unclosed():
    src = "def f(x):\n    # BEGIN SOLUTION\n    return x\n    # END SOLUTION\n\ny = 1"
    out = strip_solutions(src)
    assert "return x" not in out and "    raise NotImplementedError" in out and "y = 1" in out
    with pytest.raises(ValueError, match="no matching"):
        strip_solutions("# BEGIN SOLUTION\nx = 1")


def _exercise_programs(nb):
    """(name, source) for each exercise: setup cells + the exercise cell + its check cell."""
    cells = nb.cells
    setup = [c.source for c in cells if "setup" in c.metadata.get("tags", [])]
    setup = [s.replace('if "google.colab" in sys.modules', "if False") for s in setup]
    programs = []
    for i, cell in enumerate(cells):
        if "exercise" in cell.metadata.get("tags", []):
            check = next((c for c in cells[i + 1:] if "check" in c.metadata.get("tags", [])), None)
            assert check is not None, f"exercise cell {i} has no following cell tagged 'check'"
            programs.append((f"cell {i}", "\n\n".join(setup + [cell.source, check.source])))
    return programs


def test_every_numbered_notebook_has_exercises():
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        n = len(_exercise_programs(nb))
        minimum = 1 if path.name.startswith(("00_", "07_")) else 2
        assert n >= minimum, f"{path.name} has {n} exercises; the course asks for at least {minimum}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_checks_pass_on_solutions_and_fail_on_stubs(path, monkeypatch):
    monkeypatch.setenv("COURSE_STRICT_CHECKS", "1")
    monkeypatch.setenv("COURSE_PROFILE", "smoke")
    import matplotlib

    matplotlib.use("Agg")
    solution = nbformat.read(path, as_version=4)
    student = student_notebook(solution)
    for (name, program), (_, stub_program) in zip(_exercise_programs(solution), _exercise_programs(student)):
        assert "# BEGIN SOLUTION" in program, f"{path.name} {name}: no solution markers"
        exec(compile(program, f"{path.name}:{name}", "exec"), {"__name__": "__exercise__"})
        with pytest.raises(ExerciseFailed):
            exec(compile(stub_program, f"{path.name}:{name} (student)", "exec"), {"__name__": "__exercise__"})
