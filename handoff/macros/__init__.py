"""Canned replies (macros): per-language texts with ``{placeholder}`` fields that supervisors manage and agents
insert from the console."""
