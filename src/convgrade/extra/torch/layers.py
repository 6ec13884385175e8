"""The layer table of a torch module exercise (a figure of the HTML report): the student's leaf layers beside the
reference's, row by row in registration order, with each layer's output shape (its first run), the first row where
they differ highlighted. Rows are ``modules.LayerRow``."""
from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .modules import Layout

MAX_ROWS = 300
MAX_TEXT = 80  # characters of a layer's name or type (the student's module names them)


def _e(text: object) -> str:
    text = str(text)
    return escape(text if len(text) <= MAX_TEXT else text[:MAX_TEXT - 1] + "…", quote=True)


def _shape(shape: Any) -> str:
    return "—" if shape is None else "(" + ", ".join(str(int(n)) for n in shape) + ")"


def _params(row: Any) -> str:
    return "<br>".join(f"{_e(name)} {_shape(shape)}" for name, shape in row.params) or "—"


def _layer(row: Any) -> list[str]:
    if row is None:
        return ["<span class=\"note\">(none)</span>", ""]
    return [f"{_e(row.name)}<div class=\"title\">{_e(row.type)}</div>", _params(row)]


def first_difference(student: tuple, reference: tuple) -> int | None:
    """The index of the first row where the two modules differ, None when they line up."""
    for i in range(max(len(student), len(reference))):
        if i >= len(student) or i >= len(reference) or not student[i].same(reference[i]):
            return i
    return None


@dataclass(frozen=True)
class LayerRow:
    """One leaf layer: its name, type, parameters ``(name, shape)`` and output shape (None when unknown)."""

    name: str
    type: str
    params: tuple[tuple[str, tuple[int, ...]], ...]
    output: tuple[int, ...] | None = None

    def same(self, other: LayerRow) -> bool:
        """The same layer, whatever its name (registration order is what lines layers up)."""
        shapes = tuple(s for _, s in self.params) == tuple(s for _, s in other.params)
        outputs = self.output is None or other.output is None or self.output == other.output
        return self.type == other.type and shapes and outputs


def layer_rows(layout: Layout, outputs: dict[str, tuple[int, ...]] | None = None) -> tuple[LayerRow, ...]:
    """A row per leaf layer, in registration order; parameters a parent module holds itself get rows at the end."""
    owned: dict[str, list] = {n: [] for n, _ in layout.layers}
    extra: dict[str, list] = {}
    for pname, shape, _ in layout.params:
        owner, _, local = pname.rpartition(".")
        (owned if owner in owned else extra).setdefault(owner, []).append((local, shape))
    rows = [LayerRow(n, t, tuple(owned[n]), (outputs or {}).get(n)) for n, t in layout.layers]
    return tuple(rows) + tuple(LayerRow(n or "(the module itself)", "parameters", tuple(p)) for n, p in extra.items())


@dataclass(frozen=True)
class LayerTable:
    """Both modules' layers on one configuration (``student`` None when the student's module cannot be built)."""

    title: str
    reference: tuple
    reference_output: tuple[int, ...] | None
    student: tuple | None = None
    student_output: tuple[int, ...] | None = None
    note: str = ""

    def html(self) -> str:
        return render(self)


def render(table: LayerTable) -> str:
    student, reference = table.student, table.reference
    first = first_difference(student, reference) if student is not None else None
    rows = []
    for i in range(min(MAX_ROWS, max(len(student or ()), len(reference)))):
        mine = student[i] if student is not None and i < len(student) else None
        theirs = reference[i] if i < len(reference) else None
        cells = [str(i + 1), *(_layer(mine) + [_shape(mine.output if mine is not None else None)]
                               if student is not None else []),
                 *_layer(theirs), _shape(theirs.output if theirs is not None else None)]
        if i == first:
            cells[0] += "<div class=\"note\">first difference</div>"
        attr = ' class="first-diff"' if i == first else ""
        rows.append(f"<tr{attr}>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    more = max(len(student or ()), len(reference)) - MAX_ROWS
    mine_head = "<th>your layer</th><th>parameters</th><th>output shape</th>" if student is not None else ""
    outputs = f"output: reference {_shape(table.reference_output)}"
    if student is not None:
        outputs = f"output: yours {_shape(table.student_output)}, reference {_shape(table.reference_output)}"
    verdict = ("the layers line up with the reference's" if student is not None and first is None
               else f"first difference at row {first + 1}" if first is not None else "")
    notes = [table.title, outputs, verdict, table.note]
    return ("<h3>Layers</h3><p class=\"note\">" + escape("; ".join(n for n in notes if n)) + "</p>"
            "<div class=\"scroll\"><table class=\"layers\"><thead><tr><th>#</th>" + mine_head
            + "<th>reference layer</th><th>parameters</th><th>output shape</th></tr></thead><tbody>" + "".join(rows)
            + "</tbody></table></div>" + (f"<p class=\"note\">… {more} more rows</p>" if more > 0 else ""))
