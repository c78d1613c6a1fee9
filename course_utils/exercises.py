"""Exercises with instant feedback, and quizzes.

Convention in the notebooks: solution code sits between ``# BEGIN SOLUTION`` and
``# END SOLUTION``; ``python tools/make_student.py`` replaces each block with a stub that
raises ``NotImplementedError``. The check right after an exercise calls
``check_function`` (or ``check_value``), which prints specific feedback and returns
True/False. With ``COURSE_STRICT_CHECKS=1`` (the test suite sets it) a failed check
raises, so a wrong solution fails CI.
"""
from __future__ import annotations

import os

import torch


class ExerciseFailed(AssertionError):
    pass


def _strict() -> bool:
    return os.environ.get("COURSE_STRICT_CHECKS", "") in ("1", "true", "yes")


def _report(ok: bool, name: str, message: str) -> bool:
    print(("PASS " if ok else "FAIL ") + f"{name}: {message}")
    if not ok and _strict():
        raise ExerciseFailed(f"{name}: {message}")
    return ok


def _describe(value) -> str:
    if isinstance(value, torch.Tensor):
        flat = value.detach().flatten()
        shown = ", ".join(f"{v:.4g}" for v in flat[:4].tolist())
        return f"tensor of shape {tuple(value.shape)} [{shown}{', ...' if flat.numel() > 4 else ''}]"
    return repr(value)


def _close(got, expected, atol: float, rtol: float):
    """(ok, reason) comparing tensors, numbers or tuples of them."""
    if isinstance(expected, (tuple, list)):
        if not isinstance(got, (tuple, list)) or len(got) != len(expected):
            return False, f"expected {len(expected)} outputs, got {_describe(got)}"
        for i, (g, e) in enumerate(zip(got, expected)):
            ok, why = _close(g, e, atol, rtol)
            if not ok:
                return False, f"output {i}: {why}"
        return True, ""
    expected_t = torch.as_tensor(expected, dtype=torch.float64)
    try:
        got_t = torch.as_tensor(got.detach() if isinstance(got, torch.Tensor) else got, dtype=torch.float64)
    except (TypeError, ValueError, RuntimeError):
        return False, f"expected a number or tensor, got {type(got).__name__}"
    if got_t.shape != expected_t.shape:
        return False, f"expected shape {tuple(expected_t.shape)}, got {tuple(got_t.shape)}"
    if not torch.isfinite(got_t).all():
        return False, "the result contains NaN or inf"
    if not torch.allclose(got_t, expected_t, atol=atol, rtol=rtol):
        worst = (got_t - expected_t).abs().max().item()
        return False, f"values differ from the reference by up to {worst:.3g} (expected {_describe(expected_t)}, got {_describe(got_t)})"
    return True, ""


def check_function(student_fn, reference_fn, make_inputs, n_trials: int = 5, atol: float = 1e-5,
                   rtol: float = 1e-4, name: str | None = None, seed: int = 0) -> bool:
    """Run ``student_fn`` and ``reference_fn`` on ``n_trials`` random inputs and compare.

    make_inputs(generator) returns a tuple of positional arguments. Prints one line of
    specific feedback (which trial, which output, by how much) and returns True/False.
    """
    name = name or getattr(student_fn, "__name__", "exercise")
    g = torch.Generator().manual_seed(seed)
    for trial in range(1, n_trials + 1):
        args = make_inputs(g)
        try:
            got = student_fn(*args)
        except NotImplementedError:
            return _report(False, name, "not implemented yet: replace the `raise NotImplementedError` with your code.")
        except Exception as err:  # the student's code crashed: say how
            return _report(False, name, f"raised {type(err).__name__}: {err} (trial {trial})")
        expected = reference_fn(*args)
        ok, why = _close(got, expected, atol, rtol)
        if not ok:
            shapes = ", ".join(_describe(a) for a in args)
            return _report(False, name, f"trial {trial}, inputs ({shapes}): {why}")
    return _report(True, name, f"matches the reference on {n_trials} random inputs.")


def check_value(got, expected, name: str = "answer", atol: float = 1e-5, rtol: float = 1e-4, hint: str = "") -> bool:
    """Compare one computed value with the expected one; print feedback; return True/False."""
    if got is NotImplemented or got is None:
        return _report(False, name, "not computed yet: fill in the exercise cell above.")
    ok, why = _close(got, expected, atol, rtol)
    return _report(ok, name, "correct." if ok else why + (f" Hint: {hint}" if hint else ""))


class Quiz:
    """A multiple-choice question. ``answer_with(i)`` returns the feedback text."""

    def __init__(self, question: str, options, answer: int, explanation: str = ""):
        options = list(options)
        if not 0 <= answer < len(options):
            raise ValueError(f"answer must index one of the {len(options)} options, got {answer}.")
        self.question, self.options, self.answer, self.explanation = question, options, answer, explanation

    def answer_with(self, choice: int) -> str:
        if choice == self.answer:
            return "Correct! " + self.explanation
        return f"Not quite: '{self.options[choice]}' is not it. Think again, or reveal the explanation."

    def _ipython_display_(self):
        # quiz() already displayed the widget; a Quiz left as a cell's value shows nothing more
        pass

    def text(self) -> str:
        lines = [self.question] + [f"  ({chr(97 + i)}) {o}" for i, o in enumerate(self.options)]
        return "\n".join(lines)

    def widget(self):
        import ipywidgets as w

        radio = w.RadioButtons(options=[(o, i) for i, o in enumerate(self.options)], value=None,
                               layout=w.Layout(width="max-content"))
        button = w.Button(description="Check", button_style="primary")
        feedback = w.HTML()

        def on_click(_):
            if radio.value is None:
                feedback.value = "<i>Pick an option first.</i>"
            else:
                ok = radio.value == self.answer
                color = "green" if ok else "firebrick"
                feedback.value = f"<span style='color:{color}'>{self.answer_with(radio.value)}</span>"

        button.on_click(on_click)
        box = w.VBox([w.HTML(f"<b>{self.question}</b>"), radio, button, feedback])
        box.quiz = self
        box.radio, box.button, box.feedback = radio, button, feedback
        return box


def _in_kernel() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def quiz(question: str, options, answer: int, explanation: str = ""):
    """Show a multiple-choice quiz widget in a notebook (plain text elsewhere). Returns the Quiz."""
    q = Quiz(question, options, answer, explanation)
    if _in_kernel():
        from IPython.display import display

        display(q.widget())
    else:
        print(q.text())
    return q
