"""What the bot says: replies composed in a person's or a group's language, shared by the features (a
person's turn) and the clock's jobs (a daily tip, a challenge post, a reveal)."""
