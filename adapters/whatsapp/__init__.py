"""The WhatsApp adapter (WhatsApp Business Cloud API, Meta Graph API), in parts so far: rendering replies
as message payloads (``render``), reading webhooks (``webhook``) and sorting API errors (``errors``).
Wiring it into the bot comes later."""
