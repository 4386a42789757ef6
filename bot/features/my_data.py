"""/mydata: everything the bot stores about the person, as stored (the right of access, beside /forget).

In a group it answers only in private: a person's data is shown to them alone (as an ephemeral reply
where the platform has one, else with a pointer to the private chat)."""

from __future__ import annotations

from bot.core.events import Command
from bot.core.markup import Marked
from bot.core.replies import Outgoing
from bot.features.base import Feature, Turn
from bot.storage.personal_data import MAX_ROWS_SHOWN, StoredRows


def _table_name(turn: Turn, table: str) -> str:
    key = f"mydata.table.{table}"
    strings = turn.services.content.lang(turn.lang).ui.strings
    return turn.say(key) if key in strings else table


def _section(turn: Turn, stored: StoredRows) -> list[str]:
    lines = [turn.say("mydata.table", name=Marked(_table_name(turn, stored.table)), count=stored.count)]
    for row in stored.rows:
        fields = ", ".join(f"{name}: {value}" for name, value in row)
        lines.append(turn.say("mydata.row", fields=fields))
    if stored.count > MAX_ROWS_SHOWN:
        lines.append(turn.say("mydata.more", count=stored.count - MAX_ROWS_SHOWN))
    return lines


async def my_data(turn: Turn, command: Command) -> list[Outgoing]:
    if not command.chat.is_private:
        return [turn.reply(turn.say("mydata.private_only"), private=True)]
    assert turn.services.personal_data is not None
    stored = await turn.services.personal_data.of(command.user)
    if not stored:
        return [turn.reply(turn.say("mydata.nothing"), private=True)]
    lines = [turn.say("mydata.heading"), ""]
    for table in stored:
        lines += [*_section(turn, table), ""]
    lines.append(turn.say("mydata.footer"))
    return [turn.reply("\n".join(lines), private=True)]


FEATURE = Feature(commands={"mydata": my_data}, actions={})
