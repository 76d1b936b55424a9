"""Every form field that takes a number, an amount or text has bounds the database can hold (issue 15, Part 8).

Walks every Form in gonghui.*.forms: integers within their column (a row id at most),
amounts with max_digits and decimal_places, one-line text with max_length. A form posted with a
number past these bounds then answers with the form's error, never a 500.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

from django import forms

import gonghui

ROW_ID_MAX = 2**63 - 1


def every_form():
    for module_info in pkgutil.iter_modules(gonghui.__path__):
        try:
            module = importlib.import_module(f"gonghui.{module_info.name}.forms")
        except ModuleNotFoundError:
            continue
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__:
                yield cls


def _is_password(field) -> bool:
    return isinstance(field.widget, forms.PasswordInput)


def unbounded(form_class) -> list[str]:
    problems = []
    try:
        form = form_class()
    except (TypeError, KeyError, AttributeError):  # forms that need an actor or an object: declared fields
        form = None
    fields = form.fields if form is not None else form_class.base_fields
    for name, field in fields.items():
        label = f"{form_class.__module__}.{form_class.__name__}.{name}"
        if isinstance(field, forms.DecimalField):  # (a subclass of IntegerField)
            if field.max_digits is None or field.decimal_places is None:
                problems.append(f"{label}: amount without max_digits/decimal_places")
        elif isinstance(field, forms.IntegerField):
            if field.max_value is None or field.max_value > ROW_ID_MAX or field.min_value is None:
                problems.append(f"{label}: integer without min_value/max_value")
        elif type(field) is forms.CharField and field.max_length is None and not _is_password(field):
            problems.append(f"{label}: text without max_length")
    return problems


def test_every_form_field_is_bounded(db):
    walked = list(every_form())
    assert len(walked) > 20
    problems = [problem for form_class in walked for problem in unbounded(form_class)]
    assert not problems, "\n".join(problems)


def test_pages_answer_a_number_past_the_column_with_the_form_not_a_500(client, tree):
    """On SQLite an id past 2^63 raised OverflowError in the lookup: a 500 on the page."""
    client.force_login(tree.superuser)
    huge = "9" * 30

    members = client.get("/members/", {"org": huge})
    claims = client.get("/medical-aid/claims/", {"org": huge, "plan": huge})
    figures = client.get("/campaigns/figures/", {"year": huge})
    moved = client.post(f"/orgs/{tree.union_a1.pk}/move/", {"parent": huge})

    assert members.status_code == 200
    assert claims.status_code == 200
    assert figures.status_code == 200
    assert moved.status_code == 400 and "9223372036854775807" in moved.content.decode()  # the form's own error
