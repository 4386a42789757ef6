"""Services: what the bot does, used alike by a person's turn (features) and by the clock (jobs).

Services get repositories from bot.storage, never an engine or a connection."""
