"""The CLI reference as Markdown, generated from the commands themselves (cog puts it in README)."""

from __future__ import annotations

from typing import Any

import typer

from scgraph.cli import app


def cli_reference() -> str:
    """One section per command: its usage, its help and its options.

    >>> "### `scgraph build`" in cli_reference()
    True
    """
    # Typer vendors its own click; walk its command objects by their documented attributes.
    group: Any = typer.main.get_command(app)
    sections = []
    for name in sorted(group.commands):
        command = group.commands[name]
        lines = [f"### `scgraph {name}`", "", (command.help or "").strip().splitlines()[0]]
        options = []
        for param in command.params:
            if param.name == "help":
                continue
            if param.param_type_name == "argument":
                options.append(f"- `{param.name.upper()}` (argument): {(param.help or '').strip()}")
                continue
            flags = ", ".join(f"`{flag}`" for flag in param.opts)
            text = (param.help or "").strip()
            if param.default not in (None, False) and "[default" not in text:
                text += f" [default: {getattr(param.default, 'value', param.default)}]"
            options.append(f"- {flags}: {text}" if text else f"- {flags}")
        if options:
            lines += ["", *options]
        sections.append("\n".join(lines))
    return "\n\n".join(sections)
