"""The event log: Rasa's tracker events read from RabbitMQ into a reporting and audit store, apart from the bot.

Rasa publishes every event to a fanout exchange when scaled (bot/endpoints-scaled.yml); a consumer here reads its
own durable queue, so reporting and audit scale (and fail) separately from the conversations. Message texts are not
stored: the log keeps who, when, which intent, action or slot, and on which channel.
"""
