"""Plan → SQL, text, markdown or JSON. Rendering holds no diff logic."""

from schemakit.render.formats import FORMATS, render_plan

__all__ = ["FORMATS", "render_plan"]
