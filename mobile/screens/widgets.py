"""Small shared widgets (large touch targets, readable at arm's length); styled in widgets.kv."""

from __future__ import annotations

from typing import Any

from kivy.properties import ListProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button
from kivy.uix.label import Label
from kivy.uix.spinner import Spinner
from kivy.uix.screenmanager import Screen
from kivy.uix.textinput import TextInput

BLUE = (0.11, 0.36, 0.68, 1)
GREEN = (0.10, 0.52, 0.28, 1)
RED = (0.74, 0.14, 0.14, 1)
AMBER = (0.80, 0.50, 0.02, 1)
GREY = (0.45, 0.47, 0.50, 1)
INK = (0.10, 0.11, 0.13, 1)

STATUS_COLOURS = {
    "planned": GREY, "not_started": GREY, "in_progress": BLUE, "completed": GREEN, "missed": RED,
    "late": AMBER, "unverified": AMBER, "cancelled": GREY,
}


class Card(BoxLayout):
    """A white panel with padding, sized to its content."""

    bg_color = ListProperty([1, 1, 1, 1])


class Body(Label):
    """Wrapped dark text whose height follows its content."""


class Heading(Label):
    """A section title."""


class Chip(Label):
    """A coloured status label."""

    bg_color = ListProperty(list(GREY))


class BigButton(Button):
    """A full-width, tall, coloured button for the main action of a screen."""

    tone = ListProperty(list(BLUE))


class TouchButton(Button):
    """A secondary button, still at least 56 dp tall."""

    tone = ListProperty(list(BLUE))


class Field(TextInput):
    """A single-line text field with a large font."""


class Choice(Spinner):
    """A drop-down choice whose values map to codes: ``codes[text]`` is the chosen code."""

    placeholder = StringProperty("Choose")

    def __init__(self, choices: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if choices is not None:
            self.set_choices(choices)

    def set_choices(self, choices: dict[str, str]) -> None:
        self.codes = {label: code for code, label in choices.items()}
        self.values = list(self.codes)
        self.text = self.placeholder

    @property
    def code(self) -> str | None:
        return getattr(self, "codes", {}).get(self.text)

    def select_code(self, code: str | None) -> None:
        labels = {c: label for label, c in getattr(self, "codes", {}).items()}
        self.text = labels.get(code, self.placeholder) if code else self.placeholder


def set_visible(widget: Any, visible: bool) -> None:
    """Show or collapse a widget inside a vertical layout."""
    if not hasattr(widget, "_saved_height"):
        widget._saved_height = widget.height
    if visible:
        widget.height = widget._saved_height if widget._saved_height else widget.height
        widget.size_hint_y = None
        widget.opacity, widget.disabled = 1, False
    else:
        if widget.height:
            widget._saved_height = widget.height
        widget.size_hint_y, widget.height = None, 0
        widget.opacity, widget.disabled = 0, True


def hhmm(iso: str | None) -> str:
    """Local (Europe/London) HH:MM of an ISO-8601 UTC time."""
    if not iso:
        return ""
    from datetime import datetime

    from mobile.core.session import LONDON

    return datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(LONDON).strftime("%H:%M")


class AppScreen(Screen):
    """A screen of the app: ``enter(**context)`` is called each time it is shown."""

    message = StringProperty("")

    @property
    def app(self) -> Any:
        from kivy.app import App

        return App.get_running_app()

    def enter(self, **context: Any) -> None:
        pass
