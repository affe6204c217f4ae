"""Reports for supervisors: handoff figures from the handoff store, bot figures from Rasa's tracker store.

One responsibility per module: ``params`` (what is asked), ``buckets`` (local-date bucketing), ``stats``,
``handoff_facts`` and ``tracker`` (the only reads), ``bot_facts`` (events to countable records), ``handoff_tables`` and
``bot_tables`` (figures), ``csv_export``, and ``service`` (which report reads what).
"""
