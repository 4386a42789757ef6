"""The WhatsApp adapter (WhatsApp Business Cloud API, Meta's Graph API): the webhook server (``server``)
reading Meta's payloads (``webhook``) into core events (``inbound``), replies rendered as message
payloads (``render``) and sent by the messenger (``messenger``), which picks free text or an approved
template (``templates``) per person, with the API's errors sorted into outbox outcomes (``errors``).

The registry finds it through ``adapters.whatsapp.platform:platform`` (an entry point in pyproject.toml);
its settings are in ``adapters.whatsapp.settings``.
"""
